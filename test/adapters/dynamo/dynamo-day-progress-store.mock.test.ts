/**
 * What dynalite cannot be made to do on cue: the scheduled run settling
 * (deleting) a day between the two writes of a late arrival. The SDK is
 * mocked at the client, nothing of ours is.
 */
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoDayProgressStore } from '../../../lambdas/adapters/dynamo/dynamo-day-progress-store.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';

const refused = () => new ConditionalCheckFailedException({ message: 'refused', $metadata: {} });
const DAY = { start: 0, end: 86_400_000, late: true };

describe('DynamoDayProgressStore.recordArrival of a late day that is settled meanwhile', () => {
  it('records the day afresh, never leaving a record without its arrival time', async () => {
    const dynamo = mockClient(DynamoDBClient);
    dynamo
      .on(UpdateItemCommand)
      // A later arrival is recorded...
      .rejectsOnce(refused())
      // ...but the day is settled before the lateness is marked...
      .rejectsOnce(refused())
      // ...so the arrival is recorded again, on a new record, and then the frontiers.
      .resolves({});
    const store = new DynamoDayProgressStore({ client: new DynamoDBClient({}), tableName: 'state' });
    await store.recordArrival('p1', [DAY], 5_000, 100, false);
    const updates = dynamo.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(updates[1]).toMatchObject({
      UpdateExpression: 'SET #late = :true',
      ConditionExpression: 'attribute_exists(#r)',
    });
    expect(updates[2]?.UpdateExpression).toContain('#r = :r');
    expect(updates[2]?.ExpressionAttributeValues?.[':r']).toEqual({ N: '5000' });
    dynamo.restore();
  });

  it('gives up as unavailable when the day keeps changing', async () => {
    const dynamo = mockClient(DynamoDBClient);
    dynamo.on(UpdateItemCommand).rejects(refused());
    const store = new DynamoDayProgressStore({ client: new DynamoDBClient({}), tableName: 'state' });
    await expect(store.recordArrival('p1', [DAY], 5_000, 100, false)).rejects.toBeInstanceOf(
      UnavailableError,
    );
    dynamo.restore();
  });
});
