/**
 * The processor's metrics store: its writes, and the reads of its alert
 * step, which must see what the batch has just written (strongly consistent
 * on the lake). Only the processor's entry imports this module, so the
 * writers (Timestream's records, the lake's Firehose writer) and their SDK
 * clients stay out of every read-only function's bundle.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import * as z from 'zod/mini';
import { DynamoRecentTelemetryStore } from '../adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { FirehoseMetricsWriter } from '../adapters/lake/firehose-metrics-writer.ts';
import { LakeMetricsStore } from '../adapters/lake/lake-metrics-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { TimestreamMetricsWriter } from '../adapters/timestream/timestream-metrics-writer.ts';
import { readEnv } from './env.ts';
import { lakeParts, lakeReads } from './lake-store.ts';
import {
  type MetricsReads,
  type MetricsStoreKind,
  type MetricsStoreOptions,
  type MetricsWrites,
  metricsStoreKind,
  type Source,
  sleep,
} from './metrics-reads.ts';
import { timestreamEnv, timestreamReader } from './timestream-store.ts';

/** @see metrics-reads.ts */
declare const __WTE_METRICS_STORE__: MetricsStoreKind;

export function metricsWriterAndReader(
  source: Source,
  options: MetricsStoreOptions = {},
): { writer: MetricsWrites; reads: MetricsReads } {
  const kind = metricsStoreKind(source);
  // A conditional, not an early return: esbuild drops the branch it folds away, not code after a return.
  return (typeof __WTE_METRICS_STORE__ === 'undefined' ? kind : __WTE_METRICS_STORE__) === 'lake'
    ? lakeWriterAndReader(source, options)
    : timestreamWriterAndReader(source, options);
}

function lakeWriterAndReader(source: Source, options: MetricsStoreOptions) {
  const env = readEnv(
    {
      LAKE_READINGS_STREAM: z.string().check(z.minLength(1)),
      LAKE_MOVEMENTS_STREAM: z.string().check(z.minLength(1)),
    },
    source,
  );
  const writer = new FirehoseMetricsWriter({
    // Retries belong to the writer (bounded by the deadline), so the SDK makes one attempt.
    client: new FirehoseClient({ maxAttempts: 1 }),
    readingsStreamName: env.LAKE_READINGS_STREAM,
    movementsStreamName: env.LAKE_MOVEMENTS_STREAM,
    clock: systemClock,
    sleep,
    random: Math.random,
    ...(options.remainingMs === undefined ? {} : { remainingMs: options.remainingMs }),
  });
  const parts = lakeParts(source, options, true, (props) => new DynamoRecentTelemetryStore(props));
  const store = new LakeMetricsStore({ writer, ...parts, clock: systemClock });
  return { writer: store, reads: lakeReads(store, options) };
}

function timestreamWriterAndReader(source: Source, options: MetricsStoreOptions) {
  const env = timestreamEnv(source);
  const writer = new TimestreamMetricsWriter({
    // Retries belong to the adapter (bounded, jittered, deadline-aware), so the SDK makes one attempt.
    client: new TimestreamWriteClient({ maxAttempts: 1 }),
    databaseName: env.TIMESTREAM_DATABASE,
    readingsTableName: env.TIMESTREAM_READINGS_TABLE,
    movementsTableName: env.TIMESTREAM_MOVEMENTS_TABLE,
    clock: systemClock,
    sleep,
    random: Math.random,
    ...(options.remainingMs === undefined ? {} : { remainingMs: options.remainingMs }),
  });
  return { writer, reads: timestreamReader(source, options) };
}
