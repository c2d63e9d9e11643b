/**
 * KPIs from the metrics store, and the scheduled KPI rollup that keeps long
 * KPI queries cheap (docs/kpi-rollup.md). The query API, the alert engine
 * and backtests share `loadKpis`, so every path computes KPIs the same way.
 *
 * This is the one place that decides how counters are read:
 * - from slot summaries, when the store keeps the KPI rollup
 *   (`readKpiCounterSlots`, Timestream on AWS) and the buckets are unions of
 *   15-minute slots (every IANA zone since 1979);
 * - otherwise from the raw readings: each counter's readings in the range
 *   plus its last reading before it, so the first bucket's first step counts
 *   (DuckDB in local mode, which scans cheaply).
 * Tickets come with the slots when the store answers them there (the
 * rollup keeps each slot's ticket tonnages), else from `readMovements`.
 * Both give identical KPIs for the same stored data: the summaries hold
 * exactly the steps of the raw readings (counter fields are exact sums) and
 * the raw tickets' terms in the raw path's order (kpi-rollup.ts,
 * kpi-movement-slots.ts).
 * Hourly answers leave out the movement ratios on either path (docs/kpis.md).
 */

import { type CallOptions, timeLeft } from '../domain/deadline.ts';
import { summarizeMovementSlots, withMovementTotals } from '../domain/kpi-movement-slots.ts';
import {
  bucketsAlignWithSlots,
  type KpiRollupWriter,
  type KpiSlotMarker,
  kpiTotalsFromSlots,
  type PendingSlot,
  SLOT_MS,
  slotStartOf,
  slotStartsIn,
  summarizeSlots,
} from '../domain/kpi-rollup.ts';
import {
  counterIncrements,
  KPI_COUNTER_METRICS,
  type KpiPoint,
  type KpiTotals,
  kpiBuckets,
  kpisFromDays,
  kpiTotalsFromIncrements,
  kpiValues,
  withRatiosFor,
} from '../domain/kpis.ts';
import type { MetricsStore } from '../domain/metrics-ports.ts';
import type { Clock, StoredReading } from '../domain/ports.ts';
import type { KpiInterval } from '../domain/time.ts';

export type KpiSource = Pick<
  MetricsStore,
  'readReadings' | 'readLastBefore' | 'readMovements' | 'readKpiCounterSlots'
> & {
  /**
   * Hours and days over at most this span are read raw even with a rollup: a
   * local store scans them in milliseconds, while recent slots are not rolled
   * up yet and the rollup would only add its reads (docs/kpi-rollup.md,
   * "Local mode"). Months, years and longer spans always use the rollup.
   */
  readonly rawRangeMaxMs?: number;
  /**
   * The raw path's counter readings in one call: each counter line's last
   * GOOD reading before `from`, then its readings in [from, to), counter by
   * counter in KPI_COUNTER_METRICS order: the sequence the per-counter
   * `readLastBefore` and `readReadings` give, from two queries instead of eight.
   */
  readonly readKpiCounterReadings?: (plantId: string, from: number, to: number) => Promise<StoredReading[]>;
};

/**
 * KPI points for explicit buckets (calendar buckets or one arbitrary window),
 * every ratio computed: for callers that judge windows themselves (alerts).
 */
export async function loadKpisForBuckets(
  metrics: KpiSource,
  plantId: string,
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  now: number,
): Promise<KpiPoint[]> {
  const totals = await loadKpiTotals(metrics, plantId, buckets, false);
  return buckets.map((bucket, i) => ({
    start: bucket.start,
    end: bucket.end,
    ...kpiValues(totals[i] as KpiTotals),
    complete: now >= bucket.end,
  }));
}

/**
 * The totals of each bucket, from slot summaries when the store keeps them
 * and the buckets align (for a short span of hours or days, only when the
 * store does not read those raw: `rawRangeMaxMs`; `calendar` months and
 * years always).
 */
async function loadKpiTotals(
  metrics: KpiSource,
  plantId: string,
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  calendar: boolean,
): Promise<KpiTotals[]> {
  const first = buckets[0];
  const last = buckets.at(-1);
  if (!first || !last) return [];
  const short = metrics.rawRangeMaxMs !== undefined && last.end - first.start <= metrics.rawRangeMaxMs;
  if (metrics.readKpiCounterSlots !== undefined && (calendar || !short) && bucketsAlignWithSlots(buckets)) {
    const counters = await metrics.readKpiCounterSlots(plantId, first.start, last.end);
    if (counters.movements !== undefined)
      return withMovementTotals(buckets, kpiTotalsFromSlots(buckets, counters, []), counters.movements);
    return kpiTotalsFromSlots(buckets, counters, await metrics.readMovements(plantId, first.start, last.end));
  }
  const readings = metrics.readKpiCounterReadings
    ? await metrics.readKpiCounterReadings(plantId, first.start, last.end)
    : await counterReadingsOneByOne(metrics, plantId, first.start, last.end);
  const movements = await metrics.readMovements(plantId, first.start, last.end);
  return kpiTotalsFromIncrements(buckets, counterIncrements(readings), movements);
}

async function counterReadingsOneByOne(
  metrics: KpiSource,
  plantId: string,
  from: number,
  to: number,
): Promise<StoredReading[]> {
  const readings: StoredReading[] = [];
  for (const metric of KPI_COUNTER_METRICS) {
    // A loop, not push(...): a year of a counter is more readings than a call takes arguments.
    for (const r of await metrics.readLastBefore(plantId, metric, from)) readings.push(r);
    for (const r of await metrics.readReadings({ plantId, metric, from, to })) readings.push(r);
  }
  return readings;
}

/**
 * KPI points of calendar buckets of `interval` (a page of kpiBuckets in
 * `timeZone`), as the API answers them: hourly points carry the movement
 * ratios as `null` (withRatiosFor); months and years are the exact sums of
 * the plant-local days that tile them, their ratios computed from those sums
 * (kpisFromDays). Every KPI answer goes through here or `loadKpis`.
 */
export async function loadKpisOfInterval(
  metrics: KpiSource,
  plantId: string,
  interval: KpiInterval,
  timeZone: string,
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  now: number,
): Promise<KpiPoint[]> {
  const first = buckets[0];
  const last = buckets.at(-1);
  if ((interval === '1mo' || interval === '1y') && first && last) {
    const days = kpiBuckets('1d', timeZone, first.start, last.end);
    const totals = await loadKpiTotals(metrics, plantId, days, true);
    return kpisFromDays(
      buckets,
      days.map((day, i) => ({ ...day, totals: totals[i] as KpiTotals })),
      now,
    );
  }
  const points = await loadKpisForBuckets(metrics, plantId, buckets, now);
  return points.map((point) => withRatiosFor(interval, point));
}

/** KPI points of the plant-local hours, days, months or years covering [from, to), as the API answers them. */
export function loadKpis(
  metrics: KpiSource,
  plantId: string,
  interval: KpiInterval,
  timeZone: string,
  from: number,
  to: number,
  now: number,
): Promise<KpiPoint[]> {
  return loadKpisOfInterval(
    metrics,
    plantId,
    interval,
    timeZone,
    kpiBuckets(interval, timeZone, from, to),
    now,
  );
}

// ---------------------------------------------------------------------------
// The scheduled rollup
// ---------------------------------------------------------------------------

/** Raw KPI counter readings of a range (every quality, latest version of each), and its tickets. */
export interface CounterReadingSource extends Pick<MetricsStore, 'readMovements'> {
  readCounterReadings(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]>;
}

/** A counter reading source over any metrics store: one `readReadings` per KPI counter. */
export function counterReadingsOf(
  store: Pick<MetricsStore, 'readReadings' | 'readMovements'>,
): CounterReadingSource {
  return {
    readMovements: (plantId, from, to, options) => store.readMovements(plantId, from, to, options),
    async readCounterReadings(plantId, from, to, options) {
      const readings: StoredReading[] = [];
      for (const metric of KPI_COUNTER_METRICS)
        for (const r of await store.readReadings({ plantId, metric, from, to }, options)) readings.push(r);
      return readings;
    },
  };
}

export interface KpiRollupJobDeps {
  readonly rollup: KpiRollupWriter;
  readonly readings: CounterReadingSource;
  readonly clock: Clock;
  /** Pending slots taken per run. @default 2000 */
  readonly limit?: number;
  /** Pending slots of one plant at most this many slots apart are read in one query. @default 4 (1 hour) */
  readonly mergeGapSlots?: number;
  /** Slots one query covers at most, so a backfill never reads a year at once. @default 96 (1 day) */
  readonly maxRangeSlots?: number;
  /**
   * When this run must be done, epoch ms (the invocation's, per run: the job's
   * dependencies outlive it). Every read carries it, and the run takes no new
   * range once less than `deadlineMarginMs` is left. Absent: no deadline.
   */
  readonly deadline?: number;
  /** @default 10000 */
  readonly deadlineMarginMs?: number;
}

export interface KpiRollupRun {
  /** Settled pending slots found. */
  readonly pending: number;
  /** Slots whose summary is now stored and current. */
  readonly rolled: number;
  /** Slots marked again while they were being rolled up: still pending, the next run takes them. */
  readonly superseded: number;
  /** Ranges read raw: their counters and their tickets, one query each on Timestream. */
  readonly reads: number;
  /** Slots left for the next run because the deadline came near. */
  readonly deferred: number;
}

/** Pending slots of one plant, grouped into ranges read with one query each. */
function rangesOf(
  slots: readonly PendingSlot[],
  mergeGapSlots: number,
  maxRangeSlots: number,
): PendingSlot[][] {
  const sorted = [...slots].sort((a, b) => a.start - b.start);
  const ranges: PendingSlot[][] = [];
  for (const slot of sorted) {
    const range = ranges.at(-1);
    const first = range?.[0];
    const previous = range?.at(-1);
    if (
      range &&
      first &&
      previous &&
      slot.start - previous.start <= (mergeGapSlots + 1) * SLOT_MS &&
      slot.start - first.start < maxRangeSlots * SLOT_MS
    )
      range.push(slot);
    else ranges.push([slot]);
  }
  return ranges;
}

/**
 * Re-rolls the settled pending slots: reads their raw counter readings and
 * tickets (a few queries per plant, never a slot at a time), summarizes each slot and
 * stores the summary for the generation it was read at. A slot marked again
 * in the meantime keeps pending (the store refuses the stale summary), so a
 * late write is never lost to a concurrent run.
 */
export async function rollUpPendingSlots(deps: KpiRollupJobDeps): Promise<KpiRollupRun> {
  const limit = deps.limit ?? 2000;
  const mergeGap = deps.mergeGapSlots ?? 4;
  const maxRange = deps.maxRangeSlots ?? 96;
  const margin = deps.deadlineMarginMs ?? 10_000;
  const options: CallOptions = deps.deadline === undefined ? {} : { deadline: deps.deadline };
  const pending = await deps.rollup.pendingSlots(deps.clock.now(), limit);
  const byPlant = new Map<string, PendingSlot[]>();
  for (const slot of pending) byPlant.set(slot.plantId, [...(byPlant.get(slot.plantId) ?? []), slot]);

  let rolled = 0;
  let superseded = 0;
  let reads = 0;
  let deferred = 0;
  for (const [plantId, slots] of byPlant) {
    for (const range of rangesOf(slots, mergeGap, maxRange)) {
      const from = (range[0] as PendingSlot).start;
      const to = (range.at(-1) as PendingSlot).start + SLOT_MS;
      if (timeLeft(options, deps.clock.now()) < margin) {
        deferred += range.length;
        continue;
      }
      const readings = await deps.readings.readCounterReadings(plantId, from, to, options);
      const tickets = await deps.readings.readMovements(plantId, from, to, options);
      reads++;
      const summaries = new Map(summarizeSlots(readings).map((slot) => [slot.start, slot.series]));
      const tonnages = new Map(summarizeMovementSlots(tickets, slotStartOf).map((s) => [s.start, s.parts]));
      for (const slot of range) {
        const saved = await deps.rollup.saveSlot(
          slot,
          summaries.get(slot.start) ?? [],
          tonnages.get(slot.start) ?? [],
        );
        if (saved) rolled++;
        else superseded++;
      }
    }
  }
  return { pending: pending.length, rolled, superseded, reads, deferred };
}

/**
 * Marks every slot of [from, to) of a plant, so the scheduled rollup rolls
 * them up: for data written before the rollup existed (slots older than the
 * rollup's start are read raw until then).
 */
export async function backfillKpiSlots(
  marker: KpiSlotMarker,
  plantId: string,
  from: number,
  to: number,
): Promise<number> {
  const first = Math.floor(from / SLOT_MS) * SLOT_MS;
  const starts = slotStartsIn(first, to);
  for (let i = 0; i < starts.length; i += 500)
    await marker.markTouched([{ plantId, slotStarts: starts.slice(i, i + 500) }]);
  return starts.length;
}
