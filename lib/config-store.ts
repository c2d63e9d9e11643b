/**
 * The metrics store chosen at synth (`-c metricsStore=timestream|lake`) and
 * the lake's settings. Timestream for LiveAnalytics is closed to new AWS
 * accounts, so the lake is the store such accounts deploy; the default stays
 * `timestream` so existing deployments do not change.
 */
import * as z from 'zod';
import { contextValue, integerSetting } from './config-fields.ts';

export const METRICS_STORES = ['timestream', 'lake'] as const;
export type MetricsStoreKind = (typeof METRICS_STORES)[number];

export interface LakeConfig {
  /**
   * Firehose buffering interval (seconds). Freshness against file count:
   * each flush writes at least one Parquet file per partition touched (one
   * per plant and UTC day for readings), so 60 s means about 1,440 files per
   * plant a day, merged later by S3 Tables compaction, and rows queryable
   * about a minute after the processor sends them.
   */
  readonly bufferIntervalSeconds: number;
  /** Firehose buffer size (MiB): a flush also happens when this much has gathered. */
  readonly bufferSizeMiB: number;
  /** Athena cancels a query that would scan more than this (GB); the workgroup enforces it. */
  readonly queryScanLimitGb: number;
  /**
   * Days of data time the recent telemetry table keeps (docs/recent-telemetry.md):
   * every read of that span, alerts included, is answered from DynamoDB, never
   * Athena. At least the landfill-spike rule's trailing days plus 8.
   */
  readonly recentHorizonDays: number;
  /**
   * Epoch ms from which the recent telemetry table is known to hold every
   * item of its horizon; reads of anything older go to the lake. Set it to
   * the time of a change that left the table short: a raised horizon (items
   * written before carry the shorter TTL) or a table restored empty. Unset:
   * the table is complete over its whole horizon (docs/recent-telemetry.md).
   */
  readonly recentCompleteSince?: number;
}

export interface StoreConfig {
  readonly metricsStore: MetricsStoreKind;
  readonly lake: LakeConfig;
}

export const STORE_CONTEXT_KEYS = [
  'metricsStore',
  'lakeBufferIntervalSeconds',
  'lakeBufferSizeMiB',
  'lakeQueryScanLimitGb',
  'lakeRecentHorizonDays',
  'lakeRecentCompleteSince',
] as const;
type StoreKey = (typeof STORE_CONTEXT_KEYS)[number];
type NumberKey = Exclude<StoreKey, 'metricsStore' | 'lakeRecentCompleteSince'>;

export const STORE_DEFAULTS = {
  metricsStore: 'timestream',
  lakeBufferIntervalSeconds: 60,
  lakeBufferSizeMiB: 64,
  lakeQueryScanLimitGb: 10,
  lakeRecentHorizonDays: 40,
} as const;

const metricsStore = z.enum(METRICS_STORES, { error: `one of ${METRICS_STORES.join(', ')}` });
const INSTANT = 'an ISO 8601 instant with a zone, such as 2026-12-06T00:00:00Z';
const instant = z
  .string({ error: INSTANT })
  .regex(/(Z|[+-]\d{2}:\d{2})$/, { error: INSTANT })
  .refine((text) => Number.isSafeInteger(Date.parse(text)) && Date.parse(text) >= 0, { error: INSTANT })
  .transform((text) => Date.parse(text));

function integer(
  context: Partial<Record<StoreKey, unknown>>,
  key: NumberKey,
  min: number,
  max: number,
): number {
  return contextValue(key, integerSetting(min, max), context[key] ?? STORE_DEFAULTS[key]);
}

export function parseStoreConfig(context: Partial<Record<StoreKey, unknown>>): StoreConfig {
  const since = context.lakeRecentCompleteSince;
  return {
    metricsStore: contextValue(
      'metricsStore',
      metricsStore,
      context.metricsStore ?? STORE_DEFAULTS.metricsStore,
    ),
    lake: {
      bufferIntervalSeconds: integer(context, 'lakeBufferIntervalSeconds', 0, 900),
      bufferSizeMiB: integer(context, 'lakeBufferSizeMiB', 1, 128),
      queryScanLimitGb: integer(context, 'lakeQueryScanLimitGb', 1, 100_000),
      recentHorizonDays: integer(context, 'lakeRecentHorizonDays', 1, 366),
      ...(since === undefined
        ? {}
        : { recentCompleteSince: contextValue('lakeRecentCompleteSince', instant, since) }),
    },
  };
}
