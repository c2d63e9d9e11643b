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
import type { PlantConfig } from '../../domain/plant.ts';
import type { GatewayToken, Page, QuarantineEntry, StateStore } from '../../domain/ports.ts';
import { fromItem, toItem } from './attribute-values.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { DynamoPipelineState, plantItem, QUARANTINE_PREFIX, quarantineKey } from './dynamo-pipeline-state.ts';
import { COLLECTION } from './dynamo-plant-reader.ts';
import { checkLimit, collectionListing, type ListedRecords, plantListing, queryPage } from './listing.ts';
import { COLLECTION_INDEX, COLLECTION_PK, COLLECTION_SK } from './state-table.ts';
import { key, type StateTableProps } from './state-table-store.ts';
import { decodeQuarantine, decodeToken } from './stored-items.ts';

export { DynamoPipelineState, plantItem } from './dynamo-pipeline-state.ts';
export { InvalidCursorError } from './listing.ts';
export { createStateTable, StateTableMismatchError, stateTableDefinition } from './state-table.ts';
export { StoredItemError } from './stored-items.ts';

/** The largest quarantine page; a cursor continues past it. */
export const MAX_QUARANTINE_PAGE = 1000;

/** A new token reuses the id of a different stored token (a different secret). */
export class TokenIdInUseError extends Error {
  override readonly name = 'TokenIdInUseError';
}

export type DynamoStateStoreProps = StateTableProps;

const tokenKey = (tokenId: string) => key(`TOKEN#${tokenId}`, 'TOKEN');
/** What the quarantine listings return. */
const QUARANTINE_RECORDS: ListedRecords = { pkPrefix: QUARANTINE_PREFIX, sk: 'ENTRY' };

/**
 * The whole state store: the pipeline's writes (DynamoPipelineState) plus
 * plants put at deploy time, gateway tokens and the quarantine's listing,
 * for the authorizer, the plants API, the CLI and local mode.
 */
export class DynamoStateStore extends DynamoPipelineState implements StateStore {
  // Plants

  async putPlant(config: PlantConfig): Promise<void> {
    await dynamoCall('putPlant', () =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: plantItem(config) })),
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
