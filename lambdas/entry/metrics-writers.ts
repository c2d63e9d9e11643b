/**
 * The processor's metrics store: its writes (the alert step reads what they
 * wrote with `metricsReader`, docs/alert-step.md). Only the processor's
 * entry imports this module, so the writers (Timestream's records, the
 * lake's Firehose writer) and their SDK clients stay out of every read-only
 * function's bundle.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import * as z from 'zod/mini';
import { DynamoRecentTelemetryStore } from '../adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { FirehoseMetricsWriter } from '../adapters/lake/firehose-metrics-writer.ts';
import { LakeMetricsWriter } from '../adapters/lake/lake-metrics-writer.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { TimestreamMetricsWriter } from '../adapters/timestream/timestream-metrics-writer.ts';
import { readEnv } from './env.ts';
import { recentParts } from './lake-store.ts';
import {
  type MetricsStoreKind,
  type MetricsWrites,
  metricsStoreKind,
  type Source,
  sleep,
} from './metrics-reads.ts';
import { tracedClient } from './observability.ts';
import { timestreamEnv } from './timestream-store.ts';

/** @see metrics-reads.ts */
declare const __WTE_METRICS_STORE__: MetricsStoreKind;

/** The processor's writes; each carries its invocation's deadline, so nothing of it is kept here. */
export function metricsWriter(source: Source): MetricsWrites {
  const kind = metricsStoreKind(source);
  // A conditional, not an early return: esbuild drops the branch it folds away, not code after a return.
  return (typeof __WTE_METRICS_STORE__ === 'undefined' ? kind : __WTE_METRICS_STORE__) === 'lake'
    ? lakeWriter(source)
    : timestreamWriter(source);
}

function lakeWriter(source: Source): MetricsWrites {
  const env = readEnv(
    {
      LAKE_READINGS_STREAM: z.string().check(z.minLength(1)),
      LAKE_MOVEMENTS_STREAM: z.string().check(z.minLength(1)),
    },
    source,
  );
  const writer = new FirehoseMetricsWriter({
    // Retries belong to the writer (bounded by the deadline each write carries), so the SDK makes one attempt.
    client: tracedClient(new FirehoseClient({ maxAttempts: 1 })),
    readingsStreamName: env.LAKE_READINGS_STREAM,
    movementsStreamName: env.LAKE_MOVEMENTS_STREAM,
    clock: systemClock,
    sleep,
    random: Math.random,
  });
  // Strongly consistent: the conflict check reads what concurrent batches have just written.
  const parts = recentParts(source, true, (props) => new DynamoRecentTelemetryStore(props));
  return new LakeMetricsWriter({ writer, ...parts, clock: systemClock });
}

function timestreamWriter(source: Source): MetricsWrites {
  const env = timestreamEnv(source);
  const writer = new TimestreamMetricsWriter({
    // Retries belong to the adapter (bounded, jittered, deadline-aware), so the SDK makes one attempt.
    client: tracedClient(new TimestreamWriteClient({ maxAttempts: 1 })),
    databaseName: env.TIMESTREAM_DATABASE,
    readingsTableName: env.TIMESTREAM_READINGS_TABLE,
    movementsTableName: env.TIMESTREAM_MOVEMENTS_TABLE,
    clock: systemClock,
    sleep,
    random: Math.random,
  });
  return writer;
}
