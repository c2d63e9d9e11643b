/**
 * Weighbridge tonnages of the KPI rollup (docs/kpi-rollup.md). Pure.
 *
 * A 15-minute slot's tickets are kept as the exact partials (exact-sum.ts) of
 * each movement total of KpiTotals, the rule being `addMovement` itself. A
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

/** The KpiTotals fields that come from tickets. */
export const MOVEMENT_TOTALS = ['received_t', 'landfilled_t', 'recycled_t', 'unburnt_out_t'] as const;
export type MovementTotal = (typeof MOVEMENT_TOTALS)[number];

/** Exact partials of a slot's ticket tonnages per total; a total whose sum is 0 is absent. */
export type MovementParts = Readonly<Partial<Record<MovementTotal, readonly number[]>>>;

/** The tickets of one slot (slots without tickets need no entry). */
export interface MovementSlot {
  readonly start: number;
  readonly parts: MovementParts;
}

type Bucket = { readonly start: number; readonly end: number };

/** What one ticket adds to each total, by addMovement (so the rule lives in one place). */
function contribution(movement: KpiMovement): KpiTotals {
  const totals = emptyTotals();
  addMovement(totals, movement);
  return totals;
}

/** Exact sums per total, keyed by a group (a slot or a bucket index). */
function sumsBy<K>(
  movements: Iterable<KpiMovement>,
  keyOf: (ts: number) => K | undefined,
): Map<K, Map<MovementTotal, ExactSum>> {
  const groups = new Map<K, Map<MovementTotal, ExactSum>>();
  for (const movement of movements) {
    const key = keyOf(movement.ts);
    if (key === undefined) continue;
    let sums = groups.get(key);
    if (!sums) {
      sums = new Map();
      groups.set(key, sums);
    }
    const added = contribution(movement);
    for (const total of MOVEMENT_TOTALS) {
      if (added[total] === 0) continue;
      let sum = sums.get(total);
      if (!sum) {
        sum = new ExactSum();
        sums.set(total, sum);
      }
      sum.add(added[total]);
    }
  }
  return groups;
}

/** The movement parts of the slots `movements` fall in (slotOf: the slot start of a ts), by start. */
export function summarizeMovementSlots(
  movements: Iterable<KpiMovement>,
  slotOf: (ts: number) => number,
): MovementSlot[] {
  const slots: MovementSlot[] = [];
  for (const [start, sums] of sumsBy(movements, slotOf)) {
    const parts: Partial<Record<MovementTotal, readonly number[]>> = {};
    for (const [total, sum] of sums) {
      const partials = sum.partials();
      if (partials.length > 0) parts[total] = partials;
    }
    slots.push({ start, parts });
  }
  return slots.sort((a, b) => a.start - b.start);
}

/** Index of the bucket holding `ts` (ordered, contiguous buckets), or undefined outside them. */
function bucketIndex(buckets: readonly Bucket[]): (ts: number) => number | undefined {
  const first = buckets[0];
  const last = buckets.at(-1);
  return (ts) => {
    if (!first || !last || ts < first.start || ts >= last.end) return undefined;
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((buckets[mid] as Bucket).start <= ts) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
}

/** Writes the exact sums into the movement fields of `totals` (one per bucket). */
function fill(totals: KpiTotals[], sums: Map<number, Map<MovementTotal, ExactSum>>): KpiTotals[] {
  for (const [i, total] of totals.entries())
    for (const field of MOVEMENT_TOTALS) total[field] = sums.get(i)?.get(field)?.value() ?? 0;
  return totals;
}

/** Sets the ticket tonnages of each bucket's totals to the exact sums of its tickets. */
export function withMovementTotals(
  buckets: readonly Bucket[],
  totals: KpiTotals[],
  movements: Iterable<KpiMovement>,
): KpiTotals[] {
  return fill(totals, sumsBy(movements, bucketIndex(buckets)));
}

/** The same from slot parts: identical to `withMovementTotals` over the tickets the parts were made from. */
export function withMovementTotalsFromSlots(
  buckets: readonly Bucket[],
  totals: KpiTotals[],
  slots: Iterable<MovementSlot>,
): KpiTotals[] {
  const index = bucketIndex(buckets);
  const sums = new Map<number, Map<MovementTotal, ExactSum>>();
  for (const slot of slots) {
    const i = index(slot.start);
    if (i === undefined) continue;
    let bucket = sums.get(i);
    if (!bucket) {
      bucket = new Map();
      sums.set(i, bucket);
    }
    for (const total of MOVEMENT_TOTALS) {
      const parts = slot.parts[total];
      if (!parts || parts.length === 0) continue;
      let sum = bucket.get(total);
      if (!sum) {
        sum = new ExactSum();
        bucket.set(total, sum);
      }
      sum.addAll(parts);
    }
  }
  return fill(totals, sums);
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
