/**
 * Weighbridge tonnages of the KPI rollup (docs/kpi-rollup.md). Pure.
 *
 * The raw path adds a bucket's tickets one by one, in the order every store's
 * `readMovements` returns them (ts, then ticket id), with `addMovement`
 * (kpis.ts). A slot therefore keeps, per movement total, the terms its
 * tickets add, in that order; a bucket adds its slots' terms in slot order,
 * which is the same sequence of the same additions: the identical double.
 */
import { addMovement, emptyTotals, type KpiMovement, type KpiTotals } from './kpis.ts';

/** The KpiTotals fields that come from tickets, in the order of MovementParts. */
export const MOVEMENT_TOTALS = ['received_t', 'landfilled_t', 'recycled_t', 'unburnt_out_t'] as const;

/** Per MOVEMENT_TOTALS entry, the non-zero terms a slot's tickets add, in (ts, ticket id) order. */
export type MovementParts = ReadonlyArray<readonly number[]>;

/** The tickets of one slot (slots without tickets need no entry). */
export interface MovementSlot {
  readonly start: number;
  readonly parts: MovementParts;
}

type Bucket = { readonly start: number; readonly end: number };

/**
 * The movement parts of the slots `movements` fall in (slotOf: the slot start
 * of a ts), by start; `movements` in the order readMovements returns them.
 */
export function summarizeMovementSlots(
  movements: Iterable<KpiMovement>,
  slotOf: (ts: number) => number,
): MovementSlot[] {
  const slots = new Map<number, number[][]>();
  for (const movement of movements) {
    const start = slotOf(movement.ts);
    let terms = slots.get(start);
    if (!terms) {
      terms = MOVEMENT_TOTALS.map(() => []);
      slots.set(start, terms);
    }
    // What the ticket adds to each total, by the raw path's own rule.
    const added = emptyTotals();
    addMovement(added, movement);
    for (const [i, total] of MOVEMENT_TOTALS.entries()) if (added[total] !== 0) terms[i]?.push(added[total]);
  }
  return [...slots].sort((a, b) => a[0] - b[0]).map(([start, parts]) => ({ start, parts }));
}

/**
 * Sets the ticket tonnages of each bucket's totals (ordered, contiguous
 * buckets; each slot inside one) from slot parts: the sums the raw path
 * (kpiTotalsFromIncrements over the slots' tickets) computes, to the bit.
 */
export function withMovementTotals(
  buckets: readonly Bucket[],
  totals: KpiTotals[],
  slots: Iterable<MovementSlot>,
): KpiTotals[] {
  for (const total of totals) for (const field of MOVEMENT_TOTALS) total[field] = 0;
  let b = 0;
  for (const slot of [...slots].sort((x, y) => x.start - y.start)) {
    while (b < buckets.length && (buckets[b] as Bucket).end <= slot.start) b++;
    const bucket = buckets[b];
    const total = totals[b];
    if (!bucket || !total || slot.start < bucket.start) continue;
    for (const [i, field] of MOVEMENT_TOTALS.entries())
      for (const term of slot.parts[i] ?? []) total[field] += term;
  }
  return totals;
}
