/**
 * The state store's writes the processor makes, and nothing else of it (a
 * class keeps every method, so the processor's bundle holds no tokens, no
 * quarantine listing: docs/bundles.md): plants registered on first sight,
 * the ticket ledger, and quarantine entries. The table's layout:
 * dynamo-state-store.ts.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { CallOptions } from '../../domain/deadline.ts';
import { movementKey } from '../../domain/identity.ts';
import type { PlantConfig } from '../../domain/plant.ts';
import {
  type LedgerOutcome,
  type LedgerResult,
  type QuarantineEntry,
  type StoredMovement,
  UnavailableError,
} from '../../domain/ports.ts';
import { judgeTicket } from '../../domain/ticket-ledger.ts';
import { mapLimited } from '../map-limited.ts';
import { fromItem, type Item, toItem } from './attribute-values.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { COLLECTION, DynamoPlantReader, plantKey } from './dynamo-plant-reader.ts';
import { decodeHeldTicket, replaceCondition, ticketItem } from './ledger-ticket-item.ts';
import { putQuarantineItems } from './quarantine-writes.ts';
import { COLLECTION_PK, COLLECTION_SK, PK, PLANT_PK, PLANT_SK } from './state-table.ts';
import { key } from './state-table-store.ts';
import { decodeMovement } from './stored-items.ts';

/**
 * A round fails only when another version of the ticket was written between
 * its read and its write, and each version is written once: deliveries of k
 * versions racing end within k + 1 rounds. More means something is wrong,
 * so give up and let the message retry later.
 */
const MAX_LEDGER_ATTEMPTS = 6;
/** Tickets written at once per recordMovements call (a batch of 25 messages may carry 12,500). */
const LEDGER_CONCURRENCY = 16;

const ticketKey = (m: Pick<StoredMovement, 'plantId' | 'ticketId'>) =>
  key(`PLANT#${m.plantId}`, `TICKET#${m.ticketId}`);
export const quarantineKey = (quarantineId: string) => key(`QUARANTINE#${quarantineId}`, 'ENTRY');
export const QUARANTINE_PREFIX = 'QUARANTINE#';

export class DynamoPipelineState extends DynamoPlantReader {
  // Plants

  async registerPlant(config: PlantConfig): Promise<boolean> {
    try {
      await dynamoCall('registerPlant', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: plantItem(config),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  // Movement ledger

  /**
   * Distinct tickets go to the table LEDGER_CONCURRENCY at a time; the items
   * of one ticket one after another, in the order given.
   */
  async recordMovements(movements: readonly StoredMovement[]): Promise<LedgerResult[]> {
    const byTicket = new Map<string, number[]>();
    movements.forEach((m, index) => {
      const id = movementKey(m);
      const indexes = byTicket.get(id);
      if (indexes) indexes.push(index);
      else byTicket.set(id, [index]);
    });
    const results = new Array<LedgerResult>(movements.length);
    await mapLimited([...byTicket.values()], LEDGER_CONCURRENCY, async (indexes) => {
      let failure: unknown;
      for (const index of indexes) {
        const movement = movements[index] as StoredMovement;
        if (failure !== undefined) {
          // A later item of a ticket that failed would apply out of order: it waits for the retry too.
          results[index] = { outcome: 'failed', movement, error: failure };
          continue;
        }
        try {
          results[index] = await this.recordMovement(movement);
        } catch (error) {
          failure = error;
          results[index] = { outcome: 'failed', movement, error };
        }
      }
    });
    return results;
  }

  /**
   * One ticket, judged by `judgeTicket` against what the table holds and
   * written with a condition that what was judged against is still there.
   * A ticket seen for the first time (the common case) is written without a
   * read, and read only when that write is refused. A correction reads
   * first: the ticket it replaces decides its former ts.
   */
  async recordMovement(movement: StoredMovement): Promise<LedgerOutcome> {
    const itemKey = ticketKey(movement);
    let read = movement.correction;
    for (let attempt = 1; attempt <= MAX_LEDGER_ATTEMPTS; attempt++) {
      const stored = read ? await this.get('recordMovement', itemKey) : undefined;
      read = true;
      const held = stored && decodeHeldTicket(fromItem(stored));
      const decision = judgeTicket(movement, held?.movement, held?.formerTs);
      if (!decision.write) return decision.outcome;
      try {
        const out = await dynamoCall('recordMovement', () =>
          this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: ticketItem(movement, decision.formerTs, itemKey),
              // Only a correction with a higher version replaces a stored ticket; so the stored
              // version never goes down, and the highest version wins in any order.
              ...(held
                ? { ...replaceCondition(held, movement), ReturnValues: 'ALL_OLD' }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            }),
          ),
        );
        if (!held || !out.Attributes) return decision.outcome;
        // What was replaced may differ from what was read in content only (the condition pins its ts
        // and former ts): the outcome is judged against it.
        return judgeTicket(movement, decodeMovement(fromItem(out.Attributes)), held.formerTs).outcome;
      } catch (error) {
        // Another delivery of this ticket wrote first: judge again against what it wrote.
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new UnavailableError(
      `ticket ${movement.plantId}/${movement.ticketId} kept changing under concurrent writes; retry later`,
    );
  }

  // Quarantine

  async putQuarantine(entries: readonly QuarantineEntry[], options?: CallOptions): Promise<void> {
    // Batched (quarantine-writes.ts): a held id keeps its entry, where it was listed.
    await putQuarantineItems(
      this.client,
      this.tableName,
      entries.map((entry) => {
        const sortKey = `${timeKey(entry.quarantinedAt)}#${entry.quarantineId}`;
        const entryKey = quarantineKey(entry.quarantineId);
        const item = {
          ...toItem({ ...entry, item: JSON.stringify(entry.item) }),
          ...entryKey,
          [COLLECTION_PK]: { S: COLLECTION.quarantine },
          [COLLECTION_SK]: { S: sortKey },
          [PLANT_PK]: { S: `PLANT#${entry.plantId}` },
          [PLANT_SK]: { S: `${QUARANTINE_PREFIX}${sortKey}` },
          entity: { S: 'quarantine' },
        };
        return { key: entryKey, item };
      }),
      options,
    );
  }
}

/** Epoch ms, zero-padded so that string order is time order. */
function timeKey(epochMs: number): string {
  if (!Number.isSafeInteger(epochMs) || epochMs < 0) {
    throw new RangeError(`quarantinedAt must be a non-negative integer of epoch ms; got ${epochMs}`);
  }
  return String(epochMs).padStart(16, '0');
}

/** The state table item of a plant (also written at deploy time by lib/constructs/plant-registry.ts). */
export function plantItem(config: PlantConfig): Item {
  return {
    ...toItem(config),
    ...plantKey(config.plantId),
    [COLLECTION_PK]: { S: COLLECTION.plant },
    [COLLECTION_SK]: { S: config.plantId },
    entity: { S: 'plant' },
  };
}
