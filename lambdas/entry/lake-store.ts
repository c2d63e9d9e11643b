/**
 * The lake side of the metrics store (docs/recent-telemetry.md), built from
 * the environment: the recent telemetry table answers the last
 * `RECENT_TELEMETRY_HORIZON_DAYS`, Athena only what is older, and KPI
 * counters come from the rollup with the tiered reader for the slots not
 * rolled up yet. Readers get the tiered reader alone; the processor wraps
 * the same parts in the lake store with its Firehose writer
 * (metrics-writers.ts), so read-only bundles hold no write path.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import * as z from 'zod/mini';
import {
  DynamoRecentTelemetryReader,
  type DynamoRecentTelemetryStoreProps,
} from '../adapters/dynamo/dynamo-recent-telemetry-reader.ts';
import { AthenaQueryRunner } from '../adapters/lake/athena-query-runner.ts';
import { DEFAULT_TICKET_SHIFT_HORIZON_MS, LakeMetricsReader } from '../adapters/lake/lake-metrics-reader.ts';
import { type LakeReads, TieredMetricsReader } from '../adapters/lake/tiered-metrics-reader.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { DEFAULT_MAX_RAW_RANGES, readKpiCounterSlots } from '../app/kpi-counter-slots.ts';
import type { CallOptions } from '../domain/deadline.ts';
import type { KpiCounterSlots } from '../domain/kpi-rollup.ts';
import { sharedDynamoClient } from './dynamo-client.ts';
import { readEnv } from './env.ts';
import {
  DAY_MS,
  LOOKBACK_MS,
  type MetricsReads,
  type MetricsStoreOptions,
  type Source,
} from './metrics-reads.ts';
import { tracedClient } from './observability.ts';

/**
 * The recent store (built by `recentStore` from its settings: the readers
 * build its reads, the processor the whole store) and its completeness,
 * from the environment.
 */
export function recentParts<R>(
  source: Source,
  /** The alert step reads what the processor has just written; other readers read eventually consistent, at half the cost. */
  consistentRead: boolean,
  recentStore: (props: DynamoRecentTelemetryStoreProps) => R,
) {
  const env = readEnv(
    {
      RECENT_TELEMETRY_TABLE: z.string().check(z.minLength(3)),
      RECENT_TELEMETRY_HORIZON_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(366)), 40),
      RECENT_TELEMETRY_COMPLETE_SINCE: z.optional(z.coerce.number().check(z.int(), z.nonnegative())),
    },
    source,
  );
  const recent = recentStore({
    client: sharedDynamoClient(),
    tableName: env.RECENT_TELEMETRY_TABLE,
    clock: systemClock,
    horizonMs: env.RECENT_TELEMETRY_HORIZON_DAYS * DAY_MS,
    lastBeforeLookbackMs: LOOKBACK_MS,
    consistentRead,
  });
  const since = env.RECENT_TELEMETRY_COMPLETE_SINCE;
  return { recent, ...(since === undefined ? {} : { completeSince: since }) };
}

/** `recentParts` and the Athena reader of what is older, from the environment. */
export function lakeParts<R>(
  source: Source,
  options: MetricsStoreOptions,
  consistentRead: boolean,
  recentStore: (props: DynamoRecentTelemetryStoreProps) => R,
) {
  const env = readEnv(
    {
      ATHENA_WORKGROUP: z.string().check(z.minLength(1)),
      LAKE_CATALOG: z.string().check(z.startsWith('s3tablescatalog/')),
      LAKE_DATABASE: z.string().check(z.minLength(1)),
    },
    source,
  );
  const lake = new LakeMetricsReader({
    runner: new AthenaQueryRunner({
      client: tracedClient(new AthenaClient({})),
      workGroup: env.ATHENA_WORKGROUP,
      catalog: env.LAKE_CATALOG,
      database: env.LAKE_DATABASE,
      ...(options.athenaMaxWaitMs === undefined ? {} : { maxWaitMs: options.athenaMaxWaitMs }),
    }),
    lastBeforeLookbackMs: LOOKBACK_MS,
  });
  return { ...recentParts(source, consistentRead, recentStore), lake };
}

/** The readers' view of the lake: the tiered reader over the recent store and Athena. */
export function lakeReader(source: Source, options: MetricsStoreOptions): MetricsReads {
  return lakeReads(tieredReader(source, options), options);
}

/** The tiered reader's own reads, no KPI rollup path (the alert step reads no KPIs). */
export function plainLakeReader(source: Source, options: MetricsStoreOptions): MetricsReads {
  return tieredReads(tieredReader(source, options));
}

function tieredReader(source: Source, options: MetricsStoreOptions): TieredMetricsReader {
  const parts = lakeParts(
    source,
    options,
    options.consistentRead ?? false,
    (props) => new DynamoRecentTelemetryReader(props),
  );
  return new TieredMetricsReader({ ...parts, clock: systemClock });
}

function tieredReads(tiered: LakeReads): MetricsReads {
  return {
    readReadings: (query, options) => tiered.readReadings(query, options),
    readLastBefore: (plantId, metric, before, options) =>
      tiered.readLastBefore(plantId, metric, before, options),
    readMovements: (plantId, from, to, options) => tiered.readMovements(plantId, from, to, options),
    readCounterReadings: (plantId, from, to, options) =>
      tiered.readCounterReadings(plantId, from, to, options),
    ...(tiered.readGoodHours ? { readGoodHours: tiered.readGoodHours.bind(tiered) } : {}),
  };
}

/** The readers' functions over a tiered reader, with KPI counters from the rollup when bound. */
export function lakeReads(tiered: LakeReads, options: MetricsStoreOptions): MetricsReads {
  const rollup = options.rollup;
  return {
    ...tieredReads(tiered),
    ...(rollup === undefined
      ? {}
      : {
          readKpiCounterSlots: (
            plantId: string,
            from: number,
            to: number,
            calls?: CallOptions,
          ): Promise<KpiCounterSlots> =>
            readKpiCounterSlots(
              {
                rollup,
                readCounterReadings: (p, f, t) => tiered.readCounterReadings(p, f, t, calls),
                readMovements: (p, f, t) => tiered.readMovements(p, f, t, calls),
                ticketHorizonMs: DEFAULT_TICKET_SHIFT_HORIZON_MS,
                lookbackMs: LOOKBACK_MS,
                maxRawRanges: DEFAULT_MAX_RAW_RANGES,
              },
              plantId,
              from,
              to,
            ),
        }),
  };
}
