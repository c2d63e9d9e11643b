/**
 * Weighbridge tonnages of the KPI rollup (docs/kpi-rollup.md). Pure.
 *
 * A 15-minute slot's tickets are kept as the exact partials (exact-sum.ts) of
 * each movement total of KpiTotals, each ticket counted by `addMovement`. A
 * bucket's tonnage is the exact sum of its tickets, rounded once, whether the
 * tickets come one by one (raw reads) or pre-summed per slot (the rollup):
 * both paths give the identical double, in any order and any grouping.
 */
import { ExactSum } from './exact-sum.ts';
import {
  addMovement,
  type CounterIncrement,
  emptyTotals,
  type KpiMovement,
  type KpiTotals,
  kpiTotalsFromIncrements,
} from './kpis.ts';

/** The KpiTotals fields that come from tickets, in the order of MovementParts. */
export const MOVEMENT_TOTALS = ['received_t', 'landfilled_t', 'recycled_t', 'unburnt_out_t'] as const;

/** Exact partials of a slot's ticket tonnages, one array per MOVEMENT_TOTALS entry (missing or empty: 0). */
export type MovementParts = ReadonlyArray<readonly number[]>;

/** The tickets of one slot (slots without tickets need no entry). */
export interface MovementSlot {
  readonly start: number;
  readonly parts: MovementParts;
}

type Bucket = { readonly start: number; readonly end: number };

const newSums = (): ExactSum[] => MOVEMENT_TOTALS.map(() => new ExactSum());

/** Adds what one ticket adds to each total (addMovement: the rule lives in one place). */
function addTicket(sums: readonly ExactSum[], movement: KpiMovement): void {
  const added = emptyTotals();
  addMovement(added, movement);
  MOVEMENT_TOTALS.forEach((total, i) => {
    sums[i]?.add(added[total]);
  });
}

/** The movement parts of the slots `movements` fall in (slotOf: the slot start of a ts), by start. */
export function summarizeMovementSlots(
  movements: Iterable<KpiMovement>,
  slotOf: (ts: number) => number,
): MovementSlot[] {
  const slots = new Map<number, ExactSum[]>();
  for (const movement of movements) {
    const start = slotOf(movement.ts);
    let sums = slots.get(start);
    if (!sums) {
      sums = newSums();
      slots.set(start, sums);
    }
    addTicket(sums, movement);
  }
  return [...slots]
    .sort((a, b) => a[0] - b[0])
    .map(([start, sums]) => ({ start, parts: sums.map((sum) => sum.partials()) }));
}

/**
 * Sets the ticket tonnages of each bucket's totals (ordered, contiguous
 * buckets) to the exact sum of its tickets: given one by one, or as slot
 * parts (slots inside one bucket each), or both.
 */
export function withMovementTotals(
  buckets: readonly Bucket[],
  totals: KpiTotals[],
  movements: Iterable<KpiMovement>,
  slots: Iterable<MovementSlot> = [],
): KpiTotals[] {
  const sums = totals.map(newSums);
  const at = (ts: number): readonly ExactSum[] | undefined => {
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((buckets[mid] as Bucket).start <= ts) lo = mid;
      else hi = mid - 1;
    }
    const bucket = buckets[lo];
    return bucket && ts >= bucket.start && ts < bucket.end ? sums[lo] : undefined;
  };
  for (const movement of movements) {
    const bucket = at(movement.ts);
    if (bucket) addTicket(bucket, movement);
  }
  for (const slot of slots) {
    const bucket = at(slot.start);
    if (bucket)
      slot.parts.forEach((parts, i) => {
        bucket[i]?.addAll(parts);
      });
  }
  for (const [i, total] of totals.entries())
    for (const [j, field] of MOVEMENT_TOTALS.entries()) total[field] = sums[i]?.[j]?.value() ?? 0;
  return totals;
}

/**
 * The totals of each bucket with every field an exact sum: the counters'
 * increments and the tickets' tonnages. What the KPI reads compute on every
 * path (lambdas/app/kpi-query.ts), raw or from the rollup.
 */
export function exactKpiTotals(
  buckets: readonly Bucket[],
  increments: Iterable<CounterIncrement>,
  movements: Iterable<KpiMovement>,
): KpiTotals[] {
  return withMovementTotals(buckets, kpiTotalsFromIncrements(buckets, increments, []), movements);
}
