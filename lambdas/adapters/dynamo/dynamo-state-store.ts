/**
 * The state store on DynamoDB (dynalite locally): one table, string keys
 * `pk`/`sk`, two global secondary indexes, and no transactions (dynalite has
 * none), so every write that must be idempotent is a single-item conditional
 * write on a deterministic key.
 *
 * | item          | pk                     | sk                 | gsi1pk / gsi1sk (collection)          | gsi2pk / gsi2sk (by plant)                       |
 * | ------------- | ---------------------- | ------------------ | ------------------------------------- | ------------------------------------------------ |
 * | plant config  | PLANT#{plantId}        | CONFIG             | PLANT / {plantId}                     | -                                                |
 * | ledger ticket | PLANT#{plantId}        | TICKET#{ticketId}  | -                                     | -                                                |
 * | gateway token | TOKEN#{tokenId}        | TOKEN              | TOKEN / {tokenId}                     | -                                                |
 * | quarantine    | QUARANTINE#{id}        | ENTRY              | QUARANTINE / {at}#{id}                | PLANT#{plantId} / QUARANTINE#{at}#{id}           |
 *
 * `{at}` is `quarantinedAt` in epoch ms, zero-padded to 16 digits so string
 * order is time order. Every item also carries `entity` (plant, movement,
 * token, quarantine) and the domain object's fields as top-level attributes;
 * a ledger ticket adds `fingerprint` (identity.ts) for inspection and
 * `formerTs` when it ever moved (ledger-ticket-item.ts). A
 * quarantine entry keeps its `item` as JSON text, because a refused reading
 * may hold a number DynamoDB cannot (magnitude above 1e126 or below 1e-130).
 *
 * Why this shape: point reads go to an item of their own (no hot partition
 * for the authorizer's token reads or the processor's ledger writes), and
 * lists are Queries on an index that DynamoDB maintains atomically with the
 * item, which index items written alongside could not be without a
 * transaction. Index reads are eventually consistent on AWS: a list right
 * after a write may miss it for a moment; point reads are strongly consistent.
 */
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { CallOptions } from '../../domain/deadline.ts';
import { movementKey } from '../../domain/identity.ts';
import type { PlantConfig } from '../../domain/plant.ts';
import {
  type GatewayToken,
  type LedgerOutcome,
  type LedgerResult,
  type Page,
  type QuarantineEntry,
  type StateStore,
  type StoredMovement,
  UnavailableError,
} from '../../domain/ports.ts';
import { judgeTicket } from '../../domain/ticket-ledger.ts';
import { mapLimited } from '../map-limited.ts';
import { fromItem, type Item, toItem } from './attribute-values.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { COLLECTION, DynamoPlantReader, plantKey } from './dynamo-plant-reader.ts';
import { decodeHeldTicket, replaceCondition, ticketItem } from './ledger-ticket-item.ts';
import { checkLimit, collectionListing, type ListedRecords, plantListing, queryPage } from './listing.ts';
import { putQuarantineItems } from './quarantine-writes.ts';
import { COLLECTION_INDEX, COLLECTION_PK, COLLECTION_SK, PK, PLANT_PK, PLANT_SK } from './state-table.ts';
import { key, type StateTableProps } from './state-table-store.ts';
import { decodeMovement, decodeQuarantine, decodeToken } from './stored-items.ts';

export { InvalidCursorError } from './listing.ts';
export { createStateTable, StateTableMismatchError, stateTableDefinition } from './state-table.ts';
export { StoredItemError } from './stored-items.ts';

/**
 * A round fails only when another version of the ticket was written between
 * its read and its write, and each version is written once: deliveries of k
 * versions racing end within k + 1 rounds. More means something is wrong,
 * so give up and let the message retry later.
 */
const MAX_LEDGER_ATTEMPTS = 6;
/** Tickets written at once per recordMovements call (a batch of 25 messages may carry 12,500). */
const LEDGER_CONCURRENCY = 16;
/** The largest quarantine page; a cursor continues past it. */
export const MAX_QUARANTINE_PAGE = 1000;

/** A new token reuses the id of a different stored token (a different secret). */
export class TokenIdInUseError extends Error {
  override readonly name = 'TokenIdInUseError';
}

export type DynamoStateStoreProps = StateTableProps;

const ticketKey = (m: Pick<StoredMovement, 'plantId' | 'ticketId'>) =>
  key(`PLANT#${m.plantId}`, `TICKET#${m.ticketId}`);
const tokenKey = (tokenId: string) => key(`TOKEN#${tokenId}`, 'TOKEN');
const quarantineKey = (quarantineId: string) => key(`QUARANTINE#${quarantineId}`, 'ENTRY');

const QUARANTINE_PREFIX = 'QUARANTINE#';
/** What the quarantine listings return. */
const QUARANTINE_RECORDS: ListedRecords = { pkPrefix: QUARANTINE_PREFIX, sk: 'ENTRY' };

export class DynamoStateStore extends DynamoPlantReader implements StateStore {
  // Plants

  async putPlant(config: PlantConfig): Promise<void> {
    await dynamoCall('putPlant', () =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: plantItem(config) })),
    );
  }

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

  // Gateway tokens

  async putToken(token: GatewayToken): Promise<void> {
    const item = {
      ...toItem(token),
      ...tokenKey(token.tokenId),
      [COLLECTION_PK]: { S: COLLECTION.token },
      [COLLECTION_SK]: { S: token.tokenId },
      entity: { S: 'token' },
    };
    try {
      // A redelivered create must not bring a revoked token back, nor replace another gateway's secret.
      await dynamoCall('putToken', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression:
              'attribute_not_exists(pk) OR (secretHash = :secretHash AND attribute_not_exists(revokedAt))',
            ExpressionAttributeValues: { ':secretHash': { S: token.secretHash } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const stored = await this.getToken(token.tokenId);
      if (stored?.secretHash === token.secretHash) return;
      throw new TokenIdInUseError(`token id ${token.tokenId} already belongs to another token`);
    }
  }

  async getToken(tokenId: string): Promise<GatewayToken | undefined> {
    const item = await this.get('getToken', tokenKey(tokenId));
    return item && decodeToken(fromItem(item));
  }

  async listTokens(): Promise<GatewayToken[]> {
    const items = await this.queryAll('listTokens', COLLECTION_INDEX, COLLECTION_PK, COLLECTION.token);
    return items.map((item) => decodeToken(fromItem(item)));
  }

  async revokeToken(tokenId: string, at: number): Promise<boolean> {
    try {
      await dynamoCall('revokeToken', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: tokenKey(tokenId),
            // The first revocation time stands; revoking again changes nothing.
            UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': { N: String(at) } },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
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

  async listQuarantine(
    plantId: string | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<QuarantineEntry>> {
    checkLimit(limit);
    const pageSize = Math.min(limit, MAX_QUARANTINE_PAGE);
    const listing =
      plantId === undefined
        ? collectionListing(COLLECTION.quarantine, QUARANTINE_RECORDS)
        : plantListing(plantId, QUARANTINE_PREFIX, QUARANTINE_RECORDS);
    return queryPage(this.client, this.tableName, {
      operation: 'listQuarantine',
      listing,
      pageSize,
      cursor,
      decode: (item) => decodeQuarantine(fromItem(item)),
    });
  }

  async getQuarantine(quarantineId: string): Promise<QuarantineEntry | undefined> {
    const item = await this.get('getQuarantine', quarantineKey(quarantineId));
    return item && decodeQuarantine(fromItem(item));
  }

  async deleteQuarantine(quarantineId: string): Promise<void> {
    await dynamoCall('deleteQuarantine', () =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: quarantineKey(quarantineId) }),
      ),
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
