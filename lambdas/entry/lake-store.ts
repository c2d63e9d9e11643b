/**
 * The lake side of the metrics store (docs/recent-telemetry.md), built from
 * the environment: the recent telemetry table answers the last
 * `RECENT_TELEMETRY_HORIZON_DAYS`, Athena only what is older, and KPI
 * counters come from the rollup with the tiered reader for the slots not
 * rolled up yet. The writer is the caller's: the processor passes the
 * Firehose writer (metrics-writers.ts); readers get one that refuses, so
 * their bundles hold neither the Firehose writer nor its client.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import * as z from 'zod/mini';
import { DynamoRecentTelemetryStore } from '../adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { AthenaQueryRunner } from '../adapters/lake/athena-query-runner.ts';
import { LakeMetricsReader } from '../adapters/lake/lake-metrics-reader.ts';
import { LakeMetricsStore } from '../adapters/lake/lake-metrics-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { DEFAULT_MAX_RAW_RANGES, readKpiCounterSlots } from '../app/kpi-counter-slots.ts';
import type { KpiCounterSlots } from '../domain/kpi-rollup.ts';
import { sharedDynamoClient } from './dynamo-client.ts';
import { readEnv } from './env.ts';
import {
  DAY_MS,
  LOOKBACK_MS,
  type MetricsReads,
  type MetricsStoreOptions,
  type MetricsWrites,
  type Source,
} from './metrics-reads.ts';

export interface LakeStoreMode {
  /** Where writes go; @default one that refuses (readers have no delivery stream and no Firehose permission). */
  readonly writer?: MetricsWrites;
  /** The processor's alert step reads what it has just written; other readers read eventually consistent, at half the cost. */
  readonly consistentRead?: boolean;
}

export function lakeStore(source: Source, options: MetricsStoreOptions, mode: LakeStoreMode = {}) {
  const env = readEnv(
    {
      ATHENA_WORKGROUP: z.string().check(z.minLength(1)),
      LAKE_CATALOG: z.string().check(z.startsWith('s3tablescatalog/')),
      LAKE_DATABASE: z.string().check(z.minLength(1)),
      RECENT_TELEMETRY_TABLE: z.string().check(z.minLength(3)),
      RECENT_TELEMETRY_HORIZON_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(366)), 40),
      RECENT_TELEMETRY_COMPLETE_SINCE: z.optional(z.coerce.number().check(z.int(), z.nonnegative())),
    },
    source,
  );
  const deadline = options.remainingMs === undefined ? {} : { remainingMs: options.remainingMs };
  const recent = new DynamoRecentTelemetryStore({
    client: sharedDynamoClient(),
    tableName: env.RECENT_TELEMETRY_TABLE,
    clock: systemClock,
    horizonMs: env.RECENT_TELEMETRY_HORIZON_DAYS * DAY_MS,
    lastBeforeLookbackMs: LOOKBACK_MS,
    consistentRead: mode.consistentRead ?? false,
    ...deadline,
  });
  const lake = new LakeMetricsReader({
    runner: new AthenaQueryRunner({
      client: new AthenaClient({}),
      workGroup: env.ATHENA_WORKGROUP,
      catalog: env.LAKE_CATALOG,
      database: env.LAKE_DATABASE,
      ...deadline,
      ...(options.athenaMaxWaitMs === undefined ? {} : { maxWaitMs: options.athenaMaxWaitMs }),
    }),
    lastBeforeLookbackMs: LOOKBACK_MS,
  });
  const since = env.RECENT_TELEMETRY_COMPLETE_SINCE;
  const store = new LakeMetricsStore({
    writer: mode.writer ?? refusingWriter,
    recent,
    lake,
    clock: systemClock,
    ...(since === undefined ? {} : { completeSince: since }),
  });
  const rollup = options.rollup;
  const reads: MetricsReads = {
    readReadings: (query) => store.readReadings(query),
    readLastBefore: (plantId, metric, before) => store.readLastBefore(plantId, metric, before),
    readMovements: (plantId, from, to) => store.readMovements(plantId, from, to),
    readCounterReadings: (plantId, from, to) => store.readCounterReadings(plantId, from, to),
    ...(rollup === undefined
      ? {}
      : {
          readKpiCounterSlots: (plantId: string, from: number, to: number): Promise<KpiCounterSlots> =>
            readKpiCounterSlots(
              {
                rollup,
                readCounterReadings: (p, f, t) => store.readCounterReadings(p, f, t),
                lookbackMs: LOOKBACK_MS,
                maxRawRanges: DEFAULT_MAX_RAW_RANGES,
              },
              plantId,
              from,
              to,
            ),
        }),
  };
  return { store, reads };
}

/** Readers are never given the lake's streams (no Firehose permission either): a write is a wiring bug. */
const refusingWriter: MetricsWrites = {
  writeReadings: () => Promise.reject(new Error('this function has no lake delivery stream')),
  writeMovements: () => Promise.reject(new Error('this function has no lake delivery stream')),
};
