/**
 * How the weighbridge ticket ledger judges a ticket against the one it holds
 * for the same (plantId, ticketId). Every ledger adapter applies this one
 * rule, so DynamoDB on AWS and DuckDB locally decide alike.
 *
 * Only a correction with a higher version replaces a stored ticket, so the
 * stored version never goes down and the highest version wins in any order.
 */
import { movementFingerprint } from './identity.ts';
import type { LedgerOutcome, StoredMovement } from './ports.ts';

export interface TicketDecision {
  /** The ledger must store `movement` (it is new, or a newer correction). */
  readonly write: boolean;
  readonly outcome: LedgerOutcome;
}

export function judgeTicket(movement: StoredMovement, current: StoredMovement | undefined): TicketDecision {
  if (current === undefined) return { write: true, outcome: { outcome: 'stored', movement } };
  const same = movementFingerprint(current) === movementFingerprint(movement);
  if (movement.correction && movement.version > current.version) {
    // A correction identical in content only raises the version: the ticket itself did not change.
    return {
      write: true,
      outcome: same
        ? { outcome: 'unchanged', movement }
        : { outcome: 'corrected', movement, previous: current },
    };
  }
  if (same) return { write: false, outcome: { outcome: 'unchanged', movement: current } };
  // An older version arriving late, be it an earlier correction or the original itself:
  // at-least-once delivery makes this routine, not a conflict.
  if (movement.version < current.version)
    return { write: false, outcome: { outcome: 'superseded', movement, current } };
  return { write: false, outcome: { outcome: 'conflict', movement, current } };
}
