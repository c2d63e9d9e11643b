/**
 * The shape of bench/results.json: the fields issue #8 asks for, plus the
 * spreads, the inputs and what limits each figure. `resultsProblems` checks a
 * parsed file against it (the smoke test uses it).
 */
import type { LakeCost, StoreCostComparison } from './lake-cost.ts';
import type { MemoryResult } from './memory-bench.ts';
import type { MeteringFigures } from './metering.ts';
import type { Spread } from './stats.ts';

export interface ProcessorResult {
  /** Median over repeats, readings per CPU second, the process pinned to one core. */
  readonly readingsPerSec: number;
  readonly jsonParseReadingsPerSec: number;
  /** Median over repeats of processor time per reading / JSON.parse time per reading. */
  readonly costVsParse: number;
  readonly readingsPerSecSpread: Spread;
  readonly jsonParseReadingsPerSecSpread: Spread;
  readonly costVsParseSpread: Spread;
  readonly wallReadingsPerSec: number;
  readonly messages: number;
  readonly readings: number;
  readonly batches: number;
  readonly repeats: number;
  readonly pinnedToOneCore: boolean;
}

/** The metering figures as measured (less the batch count), then the ratios and costs. */
export interface TimestreamResult extends Omit<MeteringFigures, 'batches'> {
  /** Our records' bytes over the whole run, rounded up once: what ideal packing into calls would bill. */
  readonly recordsPackedBilledKiB: number;
  readonly movementCalls: number;
  readonly movementBilledKiB: number;
  readonly callsVsNaive: number;
  readonly billedKiBVsNaive: number;
  readonly iotRuleVsOurs: number;
  readonly oursVsFloor: number;
  /** Billed KiB over recordsPackedBilledKiB: what per-call rounding and per-call attributes add. */
  readonly oursVsRecordsPacked: number;
  /** Dollars a month at $0.50 per million KiB, this day repeated 30 times. */
  readonly monthlyWriteCostUsd: {
    readonly ours: number;
    readonly naive: number;
    readonly iotRule: number;
    readonly floor: number;
  };
  /** The lake's monthly cost for the same readings (bench/lake-cost.ts). */
  readonly lakeCost: LakeCost;
  /** Lake, Timestream for LiveAnalytics (writes) and the smallest Timestream for InfluxDB, dollars a month. */
  readonly monthlyStoreCostUsd: StoreCostComparison;
}

export interface BundleResult {
  readonly name: string;
  readonly bytes: number;
  readonly initMs: number;
  readonly baselineInitMs: number;
  readonly initVsBaseline: number;
  readonly initSpread: Spread;
  readonly baselineInitSpread: Spread;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  /** The SDK-only baseline: the same clients (those with code in the bundle), imported and constructed. */
  readonly baselineBytes: number;
  /** bytes - baselineBytes, the goal's figure (bench/bundles.ts). */
  readonly overBaselineBytes?: number;
  readonly sdkClients: readonly string[];
  readonly topPackages: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
}

/** The memory section is defined beside its suite (bench/memory-bench.ts). */
export type { MemoryResult };

export interface LocalPhase {
  readonly offeredReadingsPerSec: number | 'max';
  readonly durationS: number;
  /** Seconds the gateways were sending: the window, or less when all of them ran out of messages. */
  readonly sendingS: number;
  readonly exhaustedGateways: number;
  readonly messagesAccepted: number;
  readonly readingsAccepted: number;
  /** Accepted readings per second of sending. */
  readonly readingsPerSec: number;
  /** Readings queryable by the end of the load window, per second of it. */
  readonly queryableReadingsPerSec: number;
  readonly p50IngestToQueryableMs: number;
  readonly p99IngestToQueryableMs: number;
  readonly maxIngestToQueryableMs: number;
  /** Accepted messages still not queryable when the drain timeout ran out (counted at the timeout). */
  readonly notQueryable: number;
  readonly p50PostMs: number;
  readonly p99PostMs: number;
  readonly refused: number;
}

/** The tickets phase (bench/local-tickets.ts): 16 gateways, each message 50 tickets and 50 readings. */
export interface LocalTickets {
  readonly concurrency: number;
  readonly durationS: number;
  readonly ticketsPerMessage: number;
  readonly readingsPerMessage: number;
  readonly messagesAccepted: number;
  readonly ticketsAccepted: number;
  /** Counted in the KPIs at the end; above `ticketsAccepted` would be a double count. */
  readonly ticketsCounted: number;
  /** Accepted tickets over the time from the first send until every one was counted. */
  readonly ticketsPerSecCounted: number;
  /** From the last 202 until every accepted ticket was counted; null when some never were. */
  readonly countedAfterLast202Ms: number | null;
  readonly refused: number;
}

export interface LocalResult {
  /** Accepted readings per second with every gateway sending back to back. */
  readonly readingsPerSec: number;
  /** p99 from 202 to queryable at the goal's offered load (`paced`). */
  readonly p99IngestToQueryableMs: number;
  readonly concurrency: number;
  readonly saturated: LocalPhase;
  readonly paced: LocalPhase;
  readonly tickets?: LocalTickets;
}

export interface Goal {
  readonly id: string;
  readonly description: string;
  readonly target: string;
  readonly value: string;
  readonly met: boolean;
}

export interface BenchResults {
  readonly generatedAt: string;
  readonly mode: 'full' | 'quick';
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly arch: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryMB: number;
    /** 1-minute load average at the start and the end: other work on the machine skews every figure. */
    readonly loadAverage: { readonly start: number; readonly end: number };
  };
  readonly processor?: ProcessorResult;
  readonly timestream?: TimestreamResult;
  readonly bundles?: readonly BundleResult[];
  readonly memory?: MemoryResult;
  readonly local?: LocalResult;
  readonly goals: readonly Goal[];
  readonly errors: Readonly<Record<string, string>>;
}

const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  processor: ['readingsPerSec', 'jsonParseReadingsPerSec', 'costVsParse'],
  timestream: [
    'readings',
    'calls',
    'billedKiB',
    'naiveCalls',
    'naiveBilledKiB',
    'iotRuleBilledKiB',
    'floorBilledKiB',
  ],
  memory: ['batchMessages', 'peakRssMB', 'memorySizeMB', 'heapLimitMB'],
  local: ['readingsPerSec', 'p99IngestToQueryableMs', 'concurrency'],
};
const BUNDLE_FIELDS = ['bytes', 'baselineBytes', 'initMs', 'baselineInitMs'] as const;
const STORE_FIELDS = [
  'lake',
  'lakeIceberg',
  'lakeRecentTable',
  'timestreamLiveAnalyticsWrites',
  'influxDbSmallest',
] as const;

const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

/** What a results file lacks against the list of fields; empty when complete. */
export function resultsProblems(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null) return ['not an object'];
  const results = value as Record<string, unknown>;
  for (const [section, fields] of Object.entries(REQUIRED)) {
    const part = results[section];
    if (typeof part !== 'object' || part === null) {
      problems.push(`${section} is missing`);
      continue;
    }
    for (const field of fields)
      if (!isNumber((part as Record<string, unknown>)[field]))
        problems.push(`${section}.${field} is not a number`);
  }
  const bundles = results.bundles;
  if (!Array.isArray(bundles) || bundles.length === 0) problems.push('bundles is not a non-empty list');
  else
    for (const [i, bundle] of bundles.entries()) {
      const b = bundle as Record<string, unknown>;
      if (typeof b.name !== 'string') problems.push(`bundles[${i}].name is not a string`);
      for (const field of BUNDLE_FIELDS)
        if (!isNumber(b[field])) problems.push(`bundles[${i}].${field} is not a number`);
    }
  const stores = (results.timestream as { monthlyStoreCostUsd?: Record<string, unknown> } | undefined)
    ?.monthlyStoreCostUsd;
  for (const store of STORE_FIELDS)
    if (results.timestream && !isNumber(stores?.[store]))
      problems.push(`timestream.monthlyStoreCostUsd.${store} is not a number`);
  if (!Array.isArray(results.goals)) problems.push('goals is not a list');
  return problems;
}
