/**
 * `wte migrate-to-lake`, the core: copies the history of a Timestream for
 * LiveAnalytics metrics store into the lake, plant by plant, window by
 * window, metric by metric (no AWS client is built here: the command file
 * composes the source and the destination).
 *
 * - Each item travels with its version, so a correction stays a correction:
 *   the source answers the latest version of each reading and ticket, and the
 *   lake's readers keep the highest version and collapse exact copies. So a
 *   window written twice (a resumed run, an overlap with what the processor
 *   already wrote to the lake) changes no answer.
 * - Bounded memory: one metric of one window of one plant is held at a time,
 *   written in chunks of `chunkSize`.
 * - A checkpoint records the last completed (plant, window); a run resumes
 *   after it, so at most the interrupted window is written again.
 * - Transient faults (`UnavailableError`) are retried with capped, jittered
 *   backoff; then the run stops with the checkpoint intact. Refusals of the
 *   destination are counted and kept (a bounded sample) with their reasons.
 */
import { LAKE_PRICES } from '../bench/lake-cost.ts';
import { METRIC_NAMES, type MetricName } from '../lambdas/domain/catalog.ts';
import type { MetricsStore } from '../lambdas/domain/metrics-ports.ts';
import {
  type RejectionKind,
  type StoredMovement,
  type StoredReading,
  type StoreRejection,
  UnavailableError,
} from '../lambdas/domain/ports.ts';
import { UsageError } from './io.ts';
import {
  CHECKPOINT_SCHEMA,
  type CheckpointStore,
  type MigrationCheckpoint,
  type MigrationTotals,
} from './migrate-checkpoint.ts';

export const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 7;
export const DEFAULT_CHUNK_SIZE = 5_000;
/** Refusals kept in the report with their reasons (all are counted). */
export const MAX_REFUSAL_SAMPLES = 50;

export type MigrationSource = Pick<MetricsStore, 'readReadings' | 'readMovements'>;
export type MigrationDestination = Pick<MetricsStore, 'writeReadings' | 'writeMovements'>;

/**
 * Timestream query prices behind the estimate. The per-TCU-hour price is
 * [unverified] (docs/kpi-rollup.md leaves it open; a third-party summary
 * quotes $0.518 in us-east-1); the 4 TCU and 30 s minimums are in AWS's TCU guide.
 */
export const TIMESTREAM_QUERY_PRICES = {
  usdPerTcuHour: 0.5,
  minimumTcus: 4,
  minimumSeconds: 30,
} as const;

export interface RetryPolicy {
  /** Attempts per read or write, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 30_000 };

export interface MigrationPlan {
  /** Distinct plant ids; the run goes through them in sorted order. */
  readonly plants: readonly string[];
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly windowDays: number;
  readonly dryRun: boolean;
  /** @default every metric of the catalog */
  readonly metrics?: readonly MetricName[];
  /** @default 5,000 */
  readonly chunkSize?: number;
}

export interface MigrationDeps {
  readonly source: MigrationSource;
  readonly destination: MigrationDestination;
  readonly checkpoint: CheckpointStore;
  /** One line of progress (stderr in the CLI). */
  readonly progress: (line: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter. */
  readonly random: () => number;
  /** @default DEFAULT_RETRY */
  readonly retry?: RetryPolicy;
}

export interface RefusedItem {
  readonly item: string;
  readonly kind: RejectionKind;
  readonly reason: string;
}

export interface MigrationEstimate {
  /** (plant, window) pairs this run has left. */
  readonly windows: number;
  /** One read per metric and one for movements in each window; each read is one Timestream query. */
  readonly queries: number;
  /** queries x minimum TCUs x minimum seconds x price per TCU-hour / 3,600. */
  readonly timestreamMinimumUsd: number;
  readonly formula: string;
}

export interface MigrationReport {
  readonly status: 'complete' | 'stopped';
  readonly dryRun: boolean;
  readonly plants: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly windowDays: number;
  readonly windowsPerPlant: number;
  /** Windows done before this run (checkpoint) and in this run. */
  readonly windowsSkipped: number;
  readonly windowsDone: number;
  /** This run's counts (a dry run: what would move). */
  readonly readings: number;
  readonly movements: number;
  readonly queries: number;
  readonly refused: { readonly count: number; readonly byKind: Partial<Record<RejectionKind, number>> };
  readonly refusedSamples: readonly RefusedItem[];
  /** Over every run that advanced the checkpoint (absent on a dry run). */
  readonly totals?: MigrationTotals;
  readonly estimate: MigrationEstimate;
  /** Firehose bills each record rounded up to 5 KB: (readings + movements) x 5 KB x price per GB. */
  readonly firehoseUsd: number;
  readonly checkpoint: string;
  readonly stoppedAt?: { readonly plantId: string; readonly windowStart: string };
  readonly error?: string;
}

interface Window {
  readonly plantId: string;
  readonly start: number;
  readonly end: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const GB = 1024 ** 3;

/** The windows of [from, to), each `windowDays` long except perhaps the last. */
export function windowsOf(from: number, to: number, windowDays: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = from; start < to; start += windowDays * DAY_MS)
    out.push([start, Math.min(to, start + windowDays * DAY_MS)]);
  return out;
}

export function estimateMigration(windows: number, metrics: number): MigrationEstimate {
  const { usdPerTcuHour, minimumTcus, minimumSeconds } = TIMESTREAM_QUERY_PRICES;
  const queries = windows * (metrics + 1);
  return {
    windows,
    queries,
    timestreamMinimumUsd: (queries * minimumTcus * minimumSeconds * usdPerTcuHour) / 3600,
    formula:
      `${windows} plant-windows x (${metrics} metrics + movements) = ${queries} queries; ` +
      `at least ${queries} x ${minimumTcus} TCU x ${minimumSeconds} s x $${usdPerTcuHour}/TCU-hour / 3,600 s`,
  };
}

export function firehoseCostUsd(records: number): number {
  return (records * LAKE_PRICES.firehoseIncrementBytes * LAKE_PRICES.firehoseUsdPerGB) / GB;
}

function describeItem(item: StoredReading | StoredMovement): string {
  return 'ticketId' in item
    ? `movement ${item.plantId}/${item.ticketId} ts ${iso(item.ts)} version ${item.version}`
    : `reading ${item.plantId}/${item.line}/${item.metric} ts ${iso(item.ts)} version ${item.version}`;
}

/** The checkpoint belongs to this run (same range, window and plants), else a usage error naming both. */
function checkSameRun(
  checkpoint: MigrationCheckpoint,
  plan: MigrationPlan,
  plants: readonly string[],
  where: string,
) {
  const mine = { from: iso(plan.from), to: iso(plan.to), windowDays: plan.windowDays, plants };
  const theirs = {
    from: checkpoint.from,
    to: checkpoint.to,
    windowDays: checkpoint.windowDays,
    plants: checkpoint.plants,
  };
  if (JSON.stringify(mine) !== JSON.stringify(theirs))
    throw new UsageError(
      `the checkpoint ${where} belongs to another run (${JSON.stringify(theirs)}), not ${JSON.stringify(mine)}; ` +
        'run with the same --from, --to, --window-days and plants to resume, or name another --checkpoint',
    );
}

export async function migrateToLake(plan: MigrationPlan, deps: MigrationDeps): Promise<MigrationReport> {
  const plants = [...new Set(plan.plants)].sort();
  const metrics = plan.metrics ?? METRIC_NAMES;
  const chunkSize = plan.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const retry = deps.retry ?? DEFAULT_RETRY;
  if (plants.length === 0) throw new UsageError('no plant to migrate');
  const spans = windowsOf(plan.from, plan.to, plan.windowDays);
  const all: Window[] = plants.flatMap((plantId) => spans.map(([start, end]) => ({ plantId, start, end })));

  const saved = await deps.checkpoint.load();
  if (saved !== undefined) checkSameRun(saved, plan, plants, deps.checkpoint.location);
  const resumeAfter = saved?.done
    ? all.length
    : saved?.last === undefined
      ? 0
      : all.findIndex((w) => w.plantId === saved.last?.plantId && iso(w.start) === saved.last.windowStart) +
        1;
  if (resumeAfter === 0 && saved?.last !== undefined)
    throw new UsageError(`the checkpoint ${deps.checkpoint.location} names a window this run does not have`);
  const todo = all.slice(resumeAfter);

  const estimate = estimateMigration(todo.length, metrics.length);
  deps.progress(
    `migrate-to-lake${plan.dryRun ? ' (dry run: nothing is written)' : ''}: ${plants.length} plants x ` +
      `${spans.length} windows of ${plan.windowDays} days in [${iso(plan.from)}, ${iso(plan.to)}); ` +
      `${resumeAfter} windows done before (${deps.checkpoint.location}), ${todo.length} to go; ` +
      `${estimate.queries} Timestream queries, at least $${estimate.timestreamMinimumUsd.toFixed(2)}`,
  );

  const counts = { readings: 0, movements: 0, queries: 0, refused: 0 };
  const byKind: Partial<Record<RejectionKind, number>> = {};
  const samples: RefusedItem[] = [];
  let totals: MigrationTotals = saved?.totals ?? { readings: 0, movements: 0, refused: 0, queries: 0 };
  let windowsDone = 0;

  const attempt = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    for (let n = 1; ; n++) {
      try {
        return await op();
      } catch (error) {
        if (!(error instanceof UnavailableError) || n >= retry.attempts) throw error;
        const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (n - 1));
        const delay = Math.round(deps.random() * ceiling);
        deps.progress(`  ${what}: ${error.message}; attempt ${n + 1} of ${retry.attempts} in ${delay} ms`);
        await deps.sleep(delay);
      }
    }
  };

  const refuse = <T extends StoredReading | StoredMovement>(rejected: ReadonlyArray<StoreRejection<T>>) => {
    for (const { item, kind, reason } of rejected) {
      counts.refused++;
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      if (samples.length < MAX_REFUSAL_SAMPLES) samples.push({ item: describeItem(item), kind, reason });
    }
  };

  /** Writes `items` in chunks of `chunkSize` (a dry run writes nothing). */
  const write = async <T extends StoredReading | StoredMovement>(
    what: string,
    items: readonly T[],
    send: (chunk: readonly T[]) => Promise<{ rejected: ReadonlyArray<StoreRejection<T>> }>,
  ): Promise<void> => {
    if (plan.dryRun) return;
    for (let i = 0; i < items.length; i += chunkSize) {
      const { rejected } = await attempt(what, () => send(items.slice(i, i + chunkSize)));
      refuse(rejected);
    }
  };

  let current: Window | undefined;
  const report = (status: MigrationReport['status'], error?: unknown): MigrationReport => ({
    status,
    dryRun: plan.dryRun,
    plants,
    from: iso(plan.from),
    to: iso(plan.to),
    windowDays: plan.windowDays,
    windowsPerPlant: spans.length,
    windowsSkipped: resumeAfter,
    windowsDone,
    readings: counts.readings,
    movements: counts.movements,
    queries: counts.queries,
    refused: { count: counts.refused, byKind },
    refusedSamples: samples,
    ...(plan.dryRun ? {} : { totals }),
    estimate,
    firehoseUsd: firehoseCostUsd(counts.readings + counts.movements),
    checkpoint: deps.checkpoint.location,
    ...(status === 'stopped' && current
      ? { stoppedAt: { plantId: current.plantId, windowStart: iso(current.start) } }
      : {}),
    ...(error === undefined
      ? {}
      : { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  });

  try {
    for (const [index, window] of todo.entries()) {
      current = window;
      const label = `${window.plantId} [${iso(window.start)}, ${iso(window.end)})`;
      const before = { ...counts };
      for (const metric of metrics) {
        const query = { plantId: window.plantId, metric, from: window.start, to: window.end };
        counts.queries++;
        const readings = await attempt(`${label} ${metric}: read`, () => deps.source.readReadings(query));
        counts.readings += readings.length;
        await write(`${label} ${metric}: write`, readings, (chunk) => deps.destination.writeReadings(chunk));
      }
      counts.queries++;
      const movements = await attempt(`${label} movements: read`, () =>
        deps.source.readMovements(window.plantId, window.start, window.end),
      );
      counts.movements += movements.length;
      await write(`${label} movements: write`, movements, (chunk) => deps.destination.writeMovements(chunk));
      windowsDone++;
      const done = resumeAfter + index + 1 === all.length;
      if (!plan.dryRun) {
        totals = {
          readings: totals.readings + counts.readings - before.readings,
          movements: totals.movements + counts.movements - before.movements,
          refused: totals.refused + counts.refused - before.refused,
          queries: totals.queries + counts.queries - before.queries,
        };
        await deps.checkpoint.save({
          schema: CHECKPOINT_SCHEMA,
          from: iso(plan.from),
          to: iso(plan.to),
          windowDays: plan.windowDays,
          plants: [...plants],
          last: { plantId: window.plantId, windowStart: iso(window.start) },
          done,
          totals,
        });
      }
      deps.progress(
        `${label}: ${counts.readings - before.readings} readings, ${counts.movements - before.movements} movements, ` +
          `${counts.refused - before.refused} refused (${resumeAfter + index + 1}/${all.length})`,
      );
    }
  } catch (error) {
    return report('stopped', error);
  }
  return report('complete');
}
