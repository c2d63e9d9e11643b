/**
 * The outbox relay's lease on the state table: one item, changed only by
 * conditional writes, so two relays never both hold it (dynalite locally,
 * DynamoDB on AWS; no transactions needed).
 *
 * | item  | pk                  | sk    | attributes                               |
 * | ----- | ------------------- | ----- | ---------------------------------------- |
 * | lease | LEASE#alert-outbox  | LEASE | owner, token (raised per grant), expiresAt |
 *
 * Expiry is judged by the acquiring caller's clock against the holder's
 * `expiresAt`; the relay stops publishing a safety margin before that, which
 * covers clock skew between callers and its longest publish (leased-relay.ts).
 */
import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { LeaseGrant, RelayLease } from '../../domain/ports.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { PK } from './state-table.ts';
import { key, StateTableStore } from './state-table-store.ts';

const LEASE_KEY = key('LEASE#alert-outbox', 'LEASE');

export class DynamoRelayLease extends StateTableStore implements RelayLease {
  async acquire(
    owner: string,
    now: number,
    ttlMs: number,
  ): Promise<{ readonly granted: LeaseGrant } | { readonly heldUntil: number }> {
    checkOwner(owner);
    const expiresAt = expiryOf(now, ttlMs);
    try {
      const out = await dynamoCall('acquireRelayLease', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: LEASE_KEY,
            UpdateExpression:
              'SET #entity = :entity, #owner = :owner, #expiresAt = :expiresAt ADD #token :one',
            ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
            ExpressionAttributeNames: {
              '#pk': PK,
              '#entity': 'entity',
              '#owner': 'owner',
              '#expiresAt': 'expiresAt',
              '#token': 'token',
            },
            ExpressionAttributeValues: {
              ':entity': { S: 'relay-lease' },
              ':owner': { S: owner },
              ':expiresAt': { N: String(expiresAt) },
              ':now': { N: String(now) },
              ':one': { N: '1' },
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { granted: { owner, token: Number(out.Attributes?.token?.N ?? 'NaN'), expiresAt } };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // dynalite does not return the old item on a failed condition: then assume a full lease from now.
      const item = (error as { Item?: Record<string, { N?: string }> }).Item;
      const heldUntil = Number(item?.expiresAt?.N ?? Number.NaN);
      return { heldUntil: Number.isFinite(heldUntil) ? heldUntil : expiresAt };
    }
  }

  async renew(grant: LeaseGrant, now: number, ttlMs: number): Promise<LeaseGrant | undefined> {
    const expiresAt = expiryOf(now, ttlMs);
    try {
      await dynamoCall('renewRelayLease', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: LEASE_KEY,
            UpdateExpression: 'SET #expiresAt = :expiresAt',
            ConditionExpression: '#owner = :owner AND #token = :token',
            ExpressionAttributeNames: { '#owner': 'owner', '#token': 'token', '#expiresAt': 'expiresAt' },
            ExpressionAttributeValues: {
              ':owner': { S: grant.owner },
              ':token': { N: String(grant.token) },
              ':expiresAt': { N: String(expiresAt) },
            },
          }),
        ),
      );
      return { ...grant, expiresAt };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async release(grant: LeaseGrant): Promise<void> {
    try {
      // Expire rather than delete, so the token keeps counting up across grants.
      await dynamoCall('releaseRelayLease', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: LEASE_KEY,
            UpdateExpression: 'SET #expiresAt = :zero',
            ConditionExpression: '#owner = :owner AND #token = :token',
            ExpressionAttributeNames: { '#owner': 'owner', '#token': 'token', '#expiresAt': 'expiresAt' },
            ExpressionAttributeValues: {
              ':owner': { S: grant.owner },
              ':token': { N: String(grant.token) },
              ':zero': { N: '0' },
            },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Drops whatever lease is stored. Only for a process that is the sole relay
   * of its table (local mode: one process per data directory), at start, so a
   * lease left by a crashed run does not hold alerts back until it expires.
   */
  async clear(): Promise<void> {
    await dynamoCall('clearRelayLease', () =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: LEASE_KEY })),
    );
  }
}

function checkOwner(owner: string): void {
  if (owner.length < 1 || owner.length > 256) {
    throw new RangeError(`lease owner must be 1 to 256 characters; got ${JSON.stringify(owner)}`);
  }
}

function expiryOf(now: number, ttlMs: number): number {
  if (!Number.isSafeInteger(now) || now < 0) throw new RangeError(`now must be epoch ms; got ${now}`);
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) {
    throw new RangeError(`ttlMs must be a positive integer; got ${ttlMs}`);
  }
  return now + ttlMs;
}
