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
    // The frontiers are written beside the day (their own item): only the day's writes are scripted.
    const dayAnswers = [
      // A later arrival is recorded...
      () => Promise.reject(refused()),
      // ...but the day is settled before the lateness is marked...
      () => Promise.reject(refused()),
    ];
    dynamo
      .on(UpdateItemCommand)
      .callsFake((input: { UpdateExpression?: string }) =>
        input.UpdateExpression === 'SET #f = :f' ? {} : (dayAnswers.shift()?.() ?? {}),
      );
    const store = new DynamoDayProgressStore({ client: new DynamoDBClient({}), tableName: 'state' });
    await store.recordArrival('p1', [DAY], 5_000, 100, false);
    // ...so the arrival is recorded again, on a new record.
    const updates = dynamo
      .commandCalls(UpdateItemCommand)
      .map((c) => c.args[0].input)
      .filter((input) => input.UpdateExpression !== 'SET #f = :f');
    expect(updates).toHaveLength(3);
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
