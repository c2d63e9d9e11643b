/**
 * `readKpiCounterSlots` for metrics stores that read a KPI rollup
 * (docs/kpi-rollup.md): the Timestream reader and the lake reader share it.
 * Current slots come from the rollup; every other slot (not rolled up yet,
 * marked since, or older than the rollup) from the store's raw counter
 * readings, in at most `maxRawRanges` reads; the last GOOD reading of each
 * series before `from`, within the look back, from the same slots, as
 * readLastBefore would find it. The answer describes exactly the readings
 * readReadings and readLastBefore return, so KPIs come out identical.
 * With `readMovements` the answer carries the range's ticket tonnages the
 * same way: slots whose item holds them from the rollup, the others (not
 * rolled up, marked since, or rolled up before tickets were) from raw
 * tickets, in at most `maxRawRanges` more reads.
 */
import { type MovementSlot, summarizeMovementSlots } from '../domain/kpi-movement-slots.ts';
import {
  isSlotAligned,
  type KpiCounterSlots,
  type KpiRollupReader,
  type KpiSlot,
  lastReadingsBefore,
  SLOT_MS,
  seriesOf,
  slotStartOf,
  slotStartsIn,
  summarizeSlots,
} from '../domain/kpi-rollup.ts';
import type { MetricsStore } from '../domain/metrics-ports.ts';
import type { StoredReading } from '../domain/ports.ts';

/** Raw reads one KPI counter read makes at most. */
export const DEFAULT_MAX_RAW_RANGES = 4;

export interface KpiCounterSlotsSource {
  readonly rollup: KpiRollupReader;
  /** Every reading of the KPI counters in [from, to), every quality, latest version of each: one read. */
  readCounterReadings(plantId: string, from: number, to: number): Promise<StoredReading[]>;
  /** The store's tickets; with it the answer holds the range's ticket tonnages (`movements`). */
  readonly readMovements?: MetricsStore['readMovements'];
  /**
   * How far readMovements reads around its range (ticketShiftHorizonMs):
   * ticket ranges closer than twice this merge, as their scans overlap. @default 0
   */
  readonly ticketHorizonMs?: number;
  /** The store's readLastBefore look back; a multiple of SLOT_MS. */
  readonly lookbackMs: number;
  /** At least 1. */
  readonly maxRawRanges: number;
}

/** A reader's look back must be whole slots to walk back through summaries (checked in its constructor). */
export function checkRollupLookback(lookbackMs: number): void {
  if (lookbackMs % SLOT_MS !== 0)
    throw new RangeError(
      `lastBeforeLookbackMs must be a multiple of ${SLOT_MS} ms with a rollup, got ${lookbackMs}`,
    );
}

/**
 * The bound of [from, to) a reader cannot take for KPI counter slots: one
 * off the slot grid, negative or past `latest`; undefined when both are fine.
 * Readers turn it into their own refusal before any call.
 */
export function misplacedSlotBound(
  from: number,
  to: number,
  latest: number,
): { readonly field: 'from' | 'to'; readonly value: number; readonly reason: string } | undefined {
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!isSlotAligned(value) || value < 0 || value > latest)
      return { field, value, reason: `must be epoch milliseconds on a ${SLOT_MS} ms slot boundary` };
  }
  return undefined;
}

/**
 * The KPI counters of [from, to) as slot summaries. The caller has checked
 * the plant id and that both bounds are slot-aligned epoch milliseconds.
 */
export async function readKpiCounterSlots(
  source: KpiCounterSlotsSource,
  plantId: string,
  from: number,
  to: number,
): Promise<KpiCounterSlots> {
  if (!isSlotAligned(from) || !isSlotAligned(to))
    throw new RangeError(`from and to must be on the ${SLOT_MS} ms slot grid, got ${from} and ${to}`);
  if (from >= to) return { before: [], slots: [] };
  const windowStart = Math.max(0, from - source.lookbackMs);
  const slots = new Map(await source.rollup.readRolledSlots(plantId, windowStart, to));
  const range = slotStartsIn(from, to);
  await summarizeRaw(
    source,
    plantId,
    slots,
    range.filter((start) => !slots.has(start)),
  );
  const inRange = range.map((start) => slots.get(start)).filter((slot) => slot !== undefined);
  const needed = seriesOf(inRange);
  let walk = lastReadingsBefore(slots, needed, from, windowStart);
  if (walk.unknown.length > 0) {
    await summarizeRaw(source, plantId, slots, walk.unknown);
    walk = lastReadingsBefore(slots, needed, from, windowStart);
  }
  const counters = inRange
    .filter((slot) => slot.series.length > 0)
    .map((slot) => ({ start: slot.start, series: slot.series }));
  const readMovements = source.readMovements;
  if (readMovements === undefined) return { before: walk.before, slots: counters };
  // Tickets: the parts of current items; the other slots' tickets raw, ranges within twice the horizon merged.
  const movements: MovementSlot[] = [];
  const unknown: number[] = [];
  for (const start of range) {
    const parts = slots.get(start)?.movements;
    if (parts === undefined) unknown.push(start);
    else if (parts.length > 0) movements.push({ start, parts });
  }
  for (const [lo, hi] of rawRanges(unknown, source.maxRawRanges, 2 * (source.ticketHorizonMs ?? 0)))
    for (const slot of summarizeMovementSlots(await readMovements(plantId, lo, hi), slotStartOf))
      if (slots.get(slot.start)?.movements === undefined) movements.push(slot);
  return { before: walk.before, slots: counters, movements };
}

/** Summarizes the slots `starts` from raw readings into `slots`, leaving slots already there alone. */
async function summarizeRaw(
  source: KpiCounterSlotsSource,
  plantId: string,
  slots: Map<number, KpiSlot>,
  starts: readonly number[],
): Promise<void> {
  for (const [from, to] of rawRanges(starts, source.maxRawRanges)) {
    const summaries = new Map(
      summarizeSlots(await source.readCounterReadings(plantId, from, to)).map((slot) => [slot.start, slot]),
    );
    for (const start of slotStartsIn(from, to))
      if (!slots.has(start)) slots.set(start, summaries.get(start) ?? { start, series: [] });
  }
}

/**
 * Slot starts as [from, to) ranges: contiguous slots (or at most `gapMs`
 * apart) form one range, and the closest ranges merge until at most `max`
 * remain (one read each).
 */
export function rawRanges(starts: readonly number[], max: number, gapMs = 0): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const start of [...new Set(starts)].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && start - last[1] <= gapMs) last[1] = start + SLOT_MS;
    else ranges.push([start, start + SLOT_MS]);
  }
  while (ranges.length > Math.max(1, max)) {
    let closest = 0;
    for (let i = 1; i < ranges.length - 1; i++) {
      const gap = (ranges[i + 1] as [number, number])[0] - (ranges[i] as [number, number])[1];
      const best = (ranges[closest + 1] as [number, number])[0] - (ranges[closest] as [number, number])[1];
      if (gap < best) closest = i;
    }
    const [merged] = ranges.splice(closest + 1, 1) as [[number, number]];
    (ranges[closest] as [number, number])[1] = merged[1];
  }
  return ranges;
}
