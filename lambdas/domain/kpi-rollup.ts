/**
 * The KPI rollup's arithmetic and ports (docs/kpi-rollup.md). Pure.
 *
 * Counter increases (docs/contract.md section 3) are summarized per fixed
 * 15-minute UTC slot and per series (line and metric), from the slot's own
 * readings only:
 * - `first` and `last`: the slot's earliest and latest GOOD readings;
 * - `inner`: the exact partials (exact-sum.ts) of the steps between the
 *   slot's consecutive GOOD readings, by the counterSteps rule.
 * The step from one slot's `last` into the next non-empty slot's `first` (or
 * from the series' last GOOD reading before the range) is taken at query time,
 * by the same rule, and attributed to that `first` reading. These are exactly
 * the steps counterSteps takes over the raw readings, grouped by slot; with
 * exact sums each bucket gets the identical double (computeKpisFromSlots ==
 * computeKpisForBuckets).
 *
 * A slot's summary depends on its own readings only, so late data and
 * corrections re-roll exactly the slots they land in: the writer marks them
 * (KpiSlotMarker) before it writes, and a scheduled job re-rolls them once
 * they have settled (KpiRollupWriter). Readers use the summaries of current
 * slots and the raw readings of the others (KpiRollupReader).
 *
 * Slots tile plant-local hours and days whenever the zone's UTC offset is a
 * multiple of 15 minutes (every IANA zone since 1979-10-01; the argument is in
 * docs/kpi-rollup.md). `bucketsAlignWithSlots` checks the buckets at hand, and
 * callers read raw readings when they do not align. Ticket tonnages per slot
 * live in kpi-movement-slots.ts.
 */
import { counterSteps } from './counters.ts';
import { ExactSum } from './exact-sum.ts';
import type { MovementParts, MovementSlot } from './kpi-movement-slots.ts';
import {
  type CounterIncrement,
  computeKpisFromIncrements,
  isKpiCounter,
  KPI_COUNTER_METRICS,
  type KpiCounterMetric,
  type KpiMovement,
  type KpiPoint,
  type KpiReading,
  type KpiTotals,
  kpiTotalsFromIncrements,
} from './kpis.ts';
import type { Reading } from './telemetry.ts';
import { HOUR_MS, MINUTE_MS } from './time.ts';

/** Length of a slot: 15 minutes, aligned to the UTC epoch. */
export const SLOT_MS = 15 * MINUTE_MS;

/** Start of the slot holding `ts`. */
export function slotStartOf(ts: number): number {
  return Math.floor(ts / SLOT_MS) * SLOT_MS;
}

export function isSlotAligned(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms % SLOT_MS === 0;
}

/** True when every bucket starts and ends on a slot boundary, so buckets are unions of slots. */
export function bucketsAlignWithSlots(
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
): boolean {
  return buckets.every((b) => isSlotAligned(b.start) && isSlotAligned(b.end));
}

/** Slot starts covering [from, to), both slot-aligned. */
export function slotStartsIn(from: number, to: number): number[] {
  const starts: number[] = [];
  for (let start = from; start < to; start += SLOT_MS) starts.push(start);
  return starts;
}

/** A GOOD counter reading at a slot's edge. */
export interface SlotEdge {
  readonly ts: number;
  readonly value: number;
}

/** One counter series (line and metric) in one slot, when the slot has GOOD readings of it. */
export interface SeriesSlot {
  readonly line: string;
  readonly metric: KpiCounterMetric;
  readonly first: SlotEdge;
  readonly last: SlotEdge;
  /** Partials of the exact sum of the steps inside the slot; empty when that sum is 0. */
  readonly inner: readonly number[];
}

export interface KpiSlot {
  readonly start: number;
  /** In `compareSeries` order; series without a GOOD reading in the slot are absent. */
  readonly series: readonly SeriesSlot[];
  /** The slot's ticket tonnages (kpi-movement-slots.ts); absent when not known (read them raw). */
  readonly movements?: MovementParts;
}

/** The KPI counters of a slot-aligned range, as a store with a rollup answers them. */
export interface KpiCounterSlots {
  /** The last GOOD reading of each series before the range, as `readLastBefore` would give it. */
  readonly before: readonly KpiReading[];
  /** Summaries of the range's slots; slots without GOOD counter readings may be left out. */
  readonly slots: readonly KpiSlot[];
  /** The range's tickets as slot parts (any order), when the store answers them too (else read movements). */
  readonly movements?: readonly MovementSlot[];
}

export const seriesKey = (line: string, metric: string): string => `${line}\u0000${metric}`;

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Metric in KPI_COUNTER_METRICS order, then line. */
export function compareSeries(
  a: { readonly line: string; readonly metric: string },
  b: { readonly line: string; readonly metric: string },
): number {
  const rank = (metric: string) => (KPI_COUNTER_METRICS as readonly string[]).indexOf(metric);
  return rank(a.metric) - rank(b.metric) || compareText(a.line, b.line);
}

/**
 * Summaries of the slots `readings` fall in. Readings of other metrics are
 * ignored; per (line, metric, ts) the last GOOD finite reading given counts,
 * as in counterSteps (stores hand over one reading per instant anyway).
 */
export function summarizeSlots(readings: Iterable<KpiReading>): KpiSlot[] {
  const bySlot = new Map<
    number,
    Map<string, { line: string; metric: KpiCounterMetric; values: Map<number, number> }>
  >();
  for (const reading of readings) {
    if (!isKpiCounter(reading.metric) || reading.quality !== 'GOOD' || !Number.isFinite(reading.value))
      continue;
    const start = slotStartOf(reading.ts);
    let slot = bySlot.get(start);
    if (!slot) {
      slot = new Map();
      bySlot.set(start, slot);
    }
    const key = seriesKey(reading.line, reading.metric);
    let series = slot.get(key);
    if (!series) {
      series = { line: reading.line, metric: reading.metric, values: new Map() };
      slot.set(key, series);
    }
    series.values.set(reading.ts, reading.value);
  }
  const slots: KpiSlot[] = [];
  for (const [start, slot] of bySlot) {
    const series: SeriesSlot[] = [];
    for (const { line, metric, values } of slot.values()) {
      const points = [...values.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([ts, value]) => ({ ts, value, quality: 'GOOD' as const }));
      const first = points[0];
      const last = points.at(-1);
      if (!first || !last) continue;
      const inner = new ExactSum();
      for (const step of counterSteps(points)) inner.add(step.increase);
      series.push({
        line,
        metric,
        first: { ts: first.ts, value: first.value },
        last: { ts: last.ts, value: last.value },
        inner: inner.partials(),
      });
    }
    slots.push({ start, series: series.sort(compareSeries) });
  }
  return slots.sort((a, b) => a.start - b.start);
}

/** The counterSteps step from `previous` onto `current` (a drop is a reset). */
function stepBetween(previous: SlotEdge, current: SlotEdge): number {
  const [step] = counterSteps([
    { ts: 0, value: previous.value, quality: 'GOOD' },
    { ts: 1, value: current.value, quality: 'GOOD' },
  ]);
  return step?.increase ?? 0;
}

/**
 * The counter increments of slot summaries: each slot's inner steps (at the
 * slot's start) and the step into its first reading from the series' previous
 * GOOD reading (at that first reading's ts).
 */
export function slotIncrements(counters: KpiCounterSlots): CounterIncrement[] {
  const previous = new Map<string, SlotEdge>();
  for (const reading of counters.before) {
    if (!isKpiCounter(reading.metric) || reading.quality !== 'GOOD' || !Number.isFinite(reading.value))
      continue;
    const key = seriesKey(reading.line, reading.metric);
    const current = previous.get(key);
    if (current === undefined || reading.ts >= current.ts)
      previous.set(key, { ts: reading.ts, value: reading.value });
  }
  const increments: CounterIncrement[] = [];
  const ordered = [...counters.slots].sort((a, b) => a.start - b.start);
  for (const slot of ordered) {
    for (const series of slot.series) {
      const key = seriesKey(series.line, series.metric);
      const prior = previous.get(key);
      if (prior !== undefined)
        increments.push({
          metric: series.metric,
          ts: series.first.ts,
          parts: [stepBetween(prior, series.first)],
        });
      if (series.inner.length > 0)
        increments.push({ metric: series.metric, ts: slot.start, parts: series.inner });
      previous.set(key, series.last);
    }
  }
  return increments;
}

/**
 * KPI points from slot summaries: identical to computeKpisForBuckets over the
 * raw readings the summaries were made from (the `before` readings included).
 * Buckets must align with slots, slots must lie in the buckets' range and
 * `before` readings before it.
 */
export function computeKpisFromSlots(
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  now: number,
  counters: KpiCounterSlots,
  movements: Iterable<KpiMovement>,
): KpiPoint[] {
  const first = buckets[0];
  const last = buckets.at(-1);
  if (!first || !last) return [];
  checkSlots(buckets, counters);
  return computeKpisFromIncrements(buckets, now, slotIncrements(counters), movements);
}

/** The totals behind `computeKpisFromSlots`, one per bucket (months and years sum their days'). */
export function kpiTotalsFromSlots(
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  counters: KpiCounterSlots,
  movements: Iterable<KpiMovement>,
): KpiTotals[] {
  checkSlots(buckets, counters);
  return kpiTotalsFromIncrements(buckets, slotIncrements(counters), movements);
}

function checkSlots(
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  counters: KpiCounterSlots,
): void {
  const first = buckets[0];
  const last = buckets.at(-1);
  if (!first || !last) return;
  if (!bucketsAlignWithSlots(buckets))
    throw new RangeError('computeKpisFromSlots: buckets must align with slots');
  for (const slot of counters.slots) {
    if (!isSlotAligned(slot.start) || slot.start < first.start || slot.start >= last.end)
      throw new RangeError(`computeKpisFromSlots: slot ${slot.start} is not a slot of the buckets' range`);
  }
  for (const reading of counters.before) {
    if (reading.ts >= first.start)
      throw new RangeError(`computeKpisFromSlots: a reading before the range has ts ${reading.ts}`);
  }
}

/**
 * The last GOOD reading of each series in `series` before `from`, looking
 * back to `windowStart`, from slot summaries; both bounds slot-aligned.
 * `unknown` lists the slots the walk met without a summary while some series
 * was still unresolved: until they are filled in (from raw readings), a later
 * reading may hide there and `before` is not final.
 */
export function lastReadingsBefore(
  slots: ReadonlyMap<number, KpiSlot>,
  series: ReadonlySet<string>,
  from: number,
  windowStart: number,
): { before: KpiReading[]; unknown: number[] } {
  const unresolved = new Set(series);
  const unknown: number[] = [];
  const before: KpiReading[] = [];
  for (let start = from - SLOT_MS; start >= windowStart && unresolved.size > 0; start -= SLOT_MS) {
    const slot = slots.get(start);
    if (slot === undefined) {
      unknown.push(start);
      continue;
    }
    for (const s of slot.series) {
      if (!unresolved.delete(seriesKey(s.line, s.metric))) continue;
      before.push({ line: s.line, metric: s.metric, ts: s.last.ts, value: s.last.value, quality: 'GOOD' });
    }
  }
  return { before: before.sort(compareSeries), unknown: unknown.reverse() };
}

/** Every series with a summary in `slots`. */
export function seriesOf(slots: Iterable<KpiSlot>): Set<string> {
  const keys = new Set<string>();
  for (const slot of slots) for (const s of slot.series) keys.add(seriesKey(s.line, s.metric));
  return keys;
}

// ---------------------------------------------------------------------------
// Marking and settling
// ---------------------------------------------------------------------------

/** Slots of one plant a write touches. */
export interface TouchedSlots {
  readonly plantId: string;
  /** Ascending, unique. */
  readonly slotStarts: readonly number[];
}

/**
 * The slots of KPI counter readings (every quality) and of tickets (items without a metric; give a
 * correction's old ts too) in `items`, per plant.
 */
export function touchedKpiSlots(
  items: Iterable<Pick<Reading, 'plantId' | 'ts'> & { readonly metric?: string }>,
): TouchedSlots[] {
  const byPlant = new Map<string, Set<number>>();
  for (const reading of items) {
    if ((reading.metric !== undefined && !isKpiCounter(reading.metric)) || !Number.isFinite(reading.ts))
      continue;
    let starts = byPlant.get(reading.plantId);
    if (!starts) {
      starts = new Set();
      byPlant.set(reading.plantId, starts);
    }
    starts.add(slotStartOf(reading.ts));
  }
  return [...byPlant.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([plantId, starts]) => ({ plantId, slotStarts: [...starts].sort((a, b) => a - b) }));
}

/**
 * How long after a mark a slot's raw readings are surely queryable. Timestream
 * reads are eventually consistent, the write that follows a mark may run until
 * the writer's deadline, and writes into the magnetic store (older than the
 * memory store's retention) become queryable within 6 hours.
 */
export interface SettlePolicy {
  /** Writer deadline plus read consistency, for slots inside the memory store. */
  readonly settleMs: number;
  /** The same for slots written to the magnetic store (6 hours plus the writer deadline). */
  readonly magneticSettleMs: number;
  /** Memory-store retention of the readings table; unknown: every slot is treated as magnetic. */
  readonly memoryRetentionMs?: number;
}

export const DEFAULT_SETTLE_POLICY: SettlePolicy = {
  settleMs: 20 * MINUTE_MS,
  magneticSettleMs: 6 * HOUR_MS + 20 * MINUTE_MS,
};

/** When a slot marked at `markedAt` may be rolled up. */
export function settleTime(slotStart: number, markedAt: number, policy: SettlePolicy): number {
  const retention = policy.memoryRetentionMs;
  // The write may land up to settleMs after the mark, when the memory store has moved on by as much.
  const inMemory = retention !== undefined && slotStart >= markedAt + policy.settleMs - retention;
  return markedAt + (inMemory ? policy.settleMs : policy.magneticSettleMs);
}

// ---------------------------------------------------------------------------
// Ports of the rollup (DynamoDB on AWS, dynalite in local mode)
// ---------------------------------------------------------------------------

/** Marks slots whose raw readings a write is about to change. Every mark makes the slot pending again. */
export interface KpiSlotMarker {
  /** Rejects with `UnavailableError` when the marks could not all be stored (the writer then must not write). */
  markTouched(touched: readonly TouchedSlots[]): Promise<void>;
}

/** A slot waiting to be (re-)rolled up, as of one mark. */
export interface PendingSlot {
  readonly plantId: string;
  readonly start: number;
  /** Counts the marks; a summary is current only for the generation it was made for. */
  readonly generation: number;
  /** Not before this (epoch ms): see SettlePolicy. */
  readonly settleAt: number;
}

/** The scheduled rollup's side: which slots to re-roll, and storing their summaries. */
export interface KpiRollupWriter {
  /** Pending slots settled by `settledBy`, oldest settle time first. */
  pendingSlots(settledBy: number, limit: number): Promise<PendingSlot[]>;
  /** Stores the summary of `slot` made after reading its raw data; `false` when it was marked again since. */
  saveSlot(slot: PendingSlot, series: readonly SeriesSlot[], movements?: MovementParts): Promise<boolean>;
}

/** The readers' side. */
export interface KpiRollupReader {
  /**
   * Summaries of the slots in [from, to) (slot-aligned) that are current: not
   * marked since they were rolled up, or known to hold no data. Slots not in
   * the answer must be read from the raw readings.
   */
  readRolledSlots(plantId: string, from: number, to: number): Promise<ReadonlyMap<number, KpiSlot>>;
}
