/**
 * How the weighbridge ticket ledger judges a ticket against the one it holds
 * for the same (plantId, ticketId). Every ledger adapter applies this one
 * rule, so DynamoDB on AWS and DuckDB locally decide alike.
 *
 * Only a correction with a higher version replaces a stored ticket, so the
 * stored version never goes down and the highest version wins in any order.
 *
 * The ledger also keeps the ticket's former `ts` values (the KPI slots it
 * left): a redelivery after a lost mark of such a slot finds the correction
 * `unchanged` or `superseded`, and only this list still names the slot
 * (docs/kpi-rollup.md, "A correction's old slot").
 */
import { movementFingerprint } from './identity.ts';
import type { LedgerOutcome, StoredMovement } from './ports.ts';

/**
 * The former ts values a ledger keeps per ticket. A ticket is corrected a
 * few times at most (a wrong date, a wrong scale); 16 keeps every real case
 * and bounds the item (DynamoDB's 400 KB) against a gateway that corrects
 * one ticket forever. The oldest fall off: their slots were marked long ago.
 */
export const MAX_FORMER_TS = 16;

export interface TicketDecision {
  /** The ledger must store `movement` (it is new, or a newer correction) with `formerTs`. */
  readonly write: boolean;
  readonly outcome: LedgerOutcome;
  /** The former ts the ledger holds for the ticket after this decision (to store when `write`). */
  readonly formerTs: readonly number[];
}

/**
 * Judges `movement` against `current`, the ticket the ledger holds, whose
 * former ts are `formerTs` (none for items written before the ledger kept
 * them). Every outcome about a held ticket carries the former ts when there
 * are any, so the processor can mark their slots again.
 */
export function judgeTicket(
  movement: StoredMovement,
  current: StoredMovement | undefined,
  formerTs: readonly number[] = [],
): TicketDecision {
  if (current === undefined) return { write: true, outcome: { outcome: 'stored', movement }, formerTs: [] };
  const same = movementFingerprint(current) === movementFingerprint(movement);
  if (movement.correction && movement.version > current.version) {
    const after = formerTsAfter(formerTs, current.ts, movement.ts);
    const former = withFormer(after);
    // A correction identical in content only raises the version: the ticket itself did not change.
    return {
      write: true,
      outcome: same
        ? { outcome: 'unchanged', movement, ...former }
        : { outcome: 'corrected', movement, previous: current, ...former },
      formerTs: after,
    };
  }
  const former = withFormer(formerTs);
  if (same)
    return { write: false, outcome: { outcome: 'unchanged', movement: current, ...former }, formerTs };
  // An older version arriving late, be it an earlier correction or the original itself:
  // at-least-once delivery makes this routine, not a conflict.
  if (movement.version < current.version)
    return { write: false, outcome: { outcome: 'superseded', movement, current, ...former }, formerTs };
  return { write: false, outcome: { outcome: 'conflict', movement, current, ...former }, formerTs };
}

/**
 * The former ts after the ticket moves from `heldTs` to `nextTs`: `heldTs`
 * joins as the most recent (once), `nextTs` is current and leaves the list,
 * and only the MAX_FORMER_TS most recently left remain.
 */
export function formerTsAfter(formerTs: readonly number[], heldTs: number, nextTs: number): number[] {
  const kept = formerTs.filter((ts) => ts !== heldTs && ts !== nextTs);
  if (heldTs !== nextTs) kept.push(heldTs);
  return kept.slice(-MAX_FORMER_TS);
}

/** The outcome's field: absent when the ticket never moved, so the common case stays as it was. */
const withFormer = (formerTs: readonly number[]) => (formerTs.length > 0 ? { formerTs } : {});
