/**
 * A ledger ticket as a state table item (dynamo-state-store.ts): the
 * movement's fields as top-level attributes, `fingerprint` for inspection,
 * and `formerTs`, a list of numbers oldest first, the ts the ticket held
 * before (ticket-ledger.ts), only when it ever moved. Items written before
 * the ledger kept `formerTs` read as never moved.
 */
import * as z from 'zod/mini';
import { movementFingerprint } from '../../domain/identity.ts';
import type { StoredMovement } from '../../domain/ports.ts';
import { type Item, toItem } from './attribute-values.ts';
import { decodeMovement, decoder } from './stored-items.ts';

/** What the ledger holds for a ticket. */
export interface HeldTicket {
  readonly movement: StoredMovement;
  readonly formerTs: readonly number[];
}

export function ticketItem(movement: StoredMovement, formerTs: readonly number[], key: Item): Item {
  return {
    ...toItem(movement),
    ...key,
    entity: { S: 'movement' },
    fingerprint: { S: movementFingerprint(movement) },
    ...(formerTs.length > 0 ? { formerTs: { L: formerTs.map((ts) => ({ N: String(ts) })) } } : {}),
  };
}

const decodeFormerTs = /* @__PURE__ */ decoder('ticket former ts', () =>
  z.object({ formerTs: z.optional(z.array(z.int())) }),
);

/** The ticket an item holds (fromItem's plain object); a malformed item is a StoredItemError. */
export function decodeHeldTicket(data: unknown): HeldTicket {
  return { movement: decodeMovement(data), formerTs: decodeFormerTs(data).formerTs ?? [] };
}

/**
 * The condition under which a write replaces `held`, so that the former ts
 * judged from `held` are those of what it replaces. A correction that keeps
 * the ticket where it was and has no former ts (nearly all: a tonnage fixed)
 * only needs the ticket still there and below its version, so corrections
 * racing on one ticket all get through in one round. Otherwise the write
 * needs the very version it judged against. (DynamoDB can compare lists,
 * dynalite cannot: the list itself is never compared.)
 */
export function replaceCondition(
  held: HeldTicket,
  movement: StoredMovement,
): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
} {
  if (held.formerTs.length > 0 || held.movement.ts !== movement.ts) {
    return {
      ConditionExpression: '#version = :heldVersion',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':heldVersion': { N: String(held.movement.version) } },
    };
  }
  return {
    ConditionExpression: '#version < :version AND #ts = :heldTs AND attribute_not_exists(#formerTs)',
    ExpressionAttributeNames: { '#version': 'version', '#ts': 'ts', '#formerTs': 'formerTs' },
    ExpressionAttributeValues: {
      ':version': { N: String(movement.version) },
      ':heldTs': { N: String(held.movement.ts) },
    },
  };
}
