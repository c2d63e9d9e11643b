/**
 * The metrics store the stack chose at synth (`METRICS_STORE`: `timestream`,
 * the default, or `lake`), and the alert engine over it, built from the
 * environment once per cold start. Only entry points that read or write
 * metrics import this module (the others keep its SDK clients out of their
 * bundles).
 *
 * On the lake, every reader is tiered (docs/recent-telemetry.md): the recent
 * telemetry table answers the last `RECENT_TELEMETRY_HORIZON_DAYS`, Athena
 * only what is older, and KPI counters come from the rollup with the tiered
 * reader for the slots not rolled up yet. So ingest, alert evaluation and the
 * latest values never wait on Athena or on Firehose's buffer.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import * as z from 'zod/mini';
import { DynamoRecentTelemetryStore } from '../adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { AthenaQueryRunner } from '../adapters/lake/athena-query-runner.ts';
import { FirehoseMetricsWriter } from '../adapters/lake/firehose-metrics-writer.ts';
import { LakeMetricsReader } from '../adapters/lake/lake-metrics-reader.ts';
import { LakeMetricsStore } from '../adapters/lake/lake-metrics-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { TimestreamMetricsWriter } from '../adapters/timestream/timestream-metrics-writer.ts';
import { TimestreamMetricsReader } from '../adapters/timestream-query/timestream-metrics-reader.ts';
import { AlertEngine } from '../app/alert-engine.ts';
import { DEFAULT_MAX_RAW_RANGES, readKpiCounterSlots } from '../app/kpi-counter-slots.ts';
import type { KpiCounterSlots, KpiRollupReader } from '../domain/kpi-rollup.ts';
import type { MetricsStore, StoredReading } from '../domain/ports.ts';
import { kpiRollupStore, stateStores } from './aws-stores.ts';
import { EnvironmentError, readEnv } from './env.ts';

type Source = Record<string, string | undefined>;

/**
 * The store a Lambda bundle holds: lib/constructs/wte-function.ts defines it
 * at bundling, so the other store's adapters and SDK clients stay out of the
 * bundle. Undeclared when run from source (tests, local mode): then
 * `METRICS_STORE` alone decides. Read only as `typeof` + compare, which
 * esbuild folds to a constant.
 */
declare const __WTE_METRICS_STORE__: 'timestream' | 'lake';

/** What every reader of the metrics store is given (query API, alert engine, widget, rollup). */
export type MetricsReads = Pick<
  MetricsStore,
  'readReadings' | 'readLastBefore' | 'readMovements' | 'readKpiCounterSlots'
> & {
  /** Every reading of the KPI counters in [from, to), latest version of each: the rollup's raw side. */
  readCounterReadings(plantId: string, from: number, to: number): Promise<StoredReading[]>;
};

export interface MetricsStoreOptions {
  /** Milliseconds left in the current invocation; adapters stop retrying and waiting before it. */
  readonly remainingMs?: () => number;
  /** The KPI rollup, for readers that answer KPIs from it. */
  readonly rollup?: KpiRollupReader;
  /** How long one Athena query may take (the query API answers within API Gateway's 29 s). */
  readonly athenaMaxWaitMs?: number;
}

const DAY_MS = 86_400_000;
/** readLastBefore's look back on every store (the Timestream reader's default). */
const LOOKBACK_MS = 7 * DAY_MS;
/** The Timestream tables the stack binds (lib/constructs/data-access.ts). */
const TIMESTREAM_ENV = {
  TIMESTREAM_DATABASE: z.string().check(z.minLength(3)),
  TIMESTREAM_READINGS_TABLE: z.string().check(z.minLength(3)),
  TIMESTREAM_MOVEMENTS_TABLE: z.string().check(z.minLength(3)),
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function metricsStoreKind(source: Source): 'timestream' | 'lake' {
  const kind = readEnv(
    { METRICS_STORE: z._default(z.enum(['timestream', 'lake']), 'timestream') },
    source,
  ).METRICS_STORE;
  if (typeof __WTE_METRICS_STORE__ !== 'undefined' && kind !== __WTE_METRICS_STORE__)
    throw new EnvironmentError(
      `invalid Lambda environment: METRICS_STORE is ${kind}, but this bundle holds the ${__WTE_METRICS_STORE__} store only`,
    );
  return kind;
}

/** The readers' view of the chosen store, with the KPI rollup when the function is bound to it. */
export function metricsReader(source: Source, options: MetricsStoreOptions = {}): MetricsReads {
  const rollup = options.rollup ?? kpiRollupStore(source);
  const withRollup = { ...options, ...(rollup === undefined ? {} : { rollup }) };
  const kind = metricsStoreKind(source);
  return (typeof __WTE_METRICS_STORE__ === 'undefined' ? kind : __WTE_METRICS_STORE__) === 'lake'
    ? lakeStore(source, withRollup).reads
    : timestreamReader(source, withRollup);
}

/** The alert engine; `metrics` when the caller built the store already (the processor, which also writes it). */
export function alertEngine(
  source: Source,
  options: MetricsStoreOptions & { readonly metrics?: MetricsReads } = {},
) {
  const { state, alerts, relayLease, days } = stateStores(source);
  return {
    state,
    alerts,
    relayLease,
    engine: new AlertEngine({
      metrics: options.metrics ?? metricsReader(source, options),
      alerts,
      plants: state,
      days,
      clock: systemClock,
    }),
  };
}

/**
 * The processor's store: its writes, and the reads of its alert step, which
 * must see what the batch has just written (strongly consistent on the lake).
 */
export function metricsWriterAndReader(
  source: Source,
  options: MetricsStoreOptions = {},
): { writer: Pick<MetricsStore, 'writeReadings' | 'writeMovements'>; reads: MetricsReads } {
  const kind = metricsStoreKind(source);
  // A conditional, not an early return: esbuild drops the branch it folds away, not code after a return.
  return (typeof __WTE_METRICS_STORE__ === 'undefined' ? kind : __WTE_METRICS_STORE__) === 'lake'
    ? lakeWriterAndReader(source, options)
    : timestreamWriterAndReader(source, options);
}

function lakeWriterAndReader(source: Source, options: MetricsStoreOptions) {
  const { store, reads } = lakeStore(source, options, { write: true });
  return { writer: store, reads };
}

function timestreamWriterAndReader(source: Source, options: MetricsStoreOptions) {
  const env = readEnv(TIMESTREAM_ENV, source);
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

function timestreamReader(source: Source, options: MetricsStoreOptions): MetricsReads {
  const env = readEnv(TIMESTREAM_ENV, source);
  const reader = new TimestreamMetricsReader({
    client: new TimestreamQueryClient({}),
    databaseName: env.TIMESTREAM_DATABASE,
    readingsTableName: env.TIMESTREAM_READINGS_TABLE,
    movementsTableName: env.TIMESTREAM_MOVEMENTS_TABLE,
    lastBeforeLookbackMs: LOOKBACK_MS,
    ...(options.rollup === undefined ? {} : { rollup: options.rollup }),
  });
  return {
    readReadings: (query) => reader.readReadings(query),
    readLastBefore: (plantId, metric, before) => reader.readLastBefore(plantId, metric, before),
    readMovements: (plantId, from, to) => reader.readMovements(plantId, from, to),
    readCounterReadings: (plantId, from, to) => reader.readCounterReadings(plantId, from, to),
    ...(reader.readKpiCounterSlots === undefined ? {} : { readKpiCounterSlots: reader.readKpiCounterSlots }),
  };
}

function lakeStore(
  source: Source,
  options: MetricsStoreOptions,
  mode: { write: boolean } = { write: false },
) {
  const env = readEnv(
    {
      ATHENA_WORKGROUP: z.string().check(z.minLength(1)),
      LAKE_CATALOG: z.string().check(z.startsWith('s3tablescatalog/')),
      LAKE_DATABASE: z.string().check(z.minLength(1)),
      RECENT_TELEMETRY_TABLE: z.string().check(z.minLength(3)),
      RECENT_TELEMETRY_HORIZON_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(366)), 40),
      RECENT_TELEMETRY_COMPLETE_SINCE: z.optional(z.coerce.number().check(z.int(), z.nonnegative())),
      ...(mode.write
        ? {
            LAKE_READINGS_STREAM: z.string().check(z.minLength(1)),
            LAKE_MOVEMENTS_STREAM: z.string().check(z.minLength(1)),
          }
        : {}),
    },
    source,
  );
  const deadline = options.remainingMs === undefined ? {} : { remainingMs: options.remainingMs };
  const recent = new DynamoRecentTelemetryStore({
    client: new DynamoDBClient({}),
    tableName: env.RECENT_TELEMETRY_TABLE,
    clock: systemClock,
    horizonMs: env.RECENT_TELEMETRY_HORIZON_DAYS * DAY_MS,
    lastBeforeLookbackMs: LOOKBACK_MS,
    // The processor's alert step reads what it has just written; other readers can read eventually consistent, at half the cost.
    consistentRead: mode.write,
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
  const writer = mode.write
    ? new FirehoseMetricsWriter({
        // Retries belong to the writer (bounded by the deadline), so the SDK makes one attempt.
        client: new FirehoseClient({ maxAttempts: 1 }),
        readingsStreamName: String(env.LAKE_READINGS_STREAM),
        movementsStreamName: String(env.LAKE_MOVEMENTS_STREAM),
        clock: systemClock,
        sleep,
        random: Math.random,
        ...deadline,
      })
    : refusingWriter;
  const since = env.RECENT_TELEMETRY_COMPLETE_SINCE;
  const store = new LakeMetricsStore({
    writer,
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
const refusingWriter: Pick<MetricsStore, 'writeReadings' | 'writeMovements'> = {
  writeReadings: () => Promise.reject(new Error('this function has no lake delivery stream')),
  writeMovements: () => Promise.reject(new Error('this function has no lake delivery stream')),
};
