/**
 * A throttled ticket fails alone: the DynamoDB ledger records the other
 * tickets of the batch, and holds back every later item of the failed ticket
 * (they would apply out of order), so only the messages carrying them retry.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { correction, movement, T0 } from '../dynamo/fixtures.ts';

const dynamo = mockClient(DynamoDBClient);
afterEach(() => dynamo.reset());

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

describe('DynamoDB ticket ledger, partial failure', () => {
  it('fails the throttled ticket and its later items, and records the rest', async () => {
    dynamo.on(PutItemCommand).callsFake((input: { Item: { sk: { S: string } } }) => {
      if (input.Item.sk.S === 'TICKET#WB-2') return Promise.reject(throttled());
      return Promise.resolve({});
    });
    const ledger = new DynamoStateStore({ client: new DynamoDBClient({}), tableName: 'wte-state' });
    const batch = [
      movement({ ticketId: 'WB-1' }),
      movement({ ticketId: 'WB-2' }),
      movement({ ticketId: 'WB-3' }),
      correction(T0 + 1000, { ticketId: 'WB-2', netTonnes: 3 }),
    ];
    const results = await ledger.recordMovements(batch);
    expect(results.map((r) => r.outcome)).toEqual(['stored', 'failed', 'stored', 'failed']);
    const failed = results[1];
    expect(failed?.outcome === 'failed' && failed.error).toBeInstanceOf(UnavailableError);
    // The correction of WB-2 was never sent: it waits for its ticket's retry.
    const sent = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item?.sk?.S);
    expect(sent.filter((sk) => sk === 'TICKET#WB-2')).toHaveLength(1);
  });

  it('answers an empty batch without a call', async () => {
    const ledger = new DynamoStateStore({ client: new DynamoDBClient({}), tableName: 'wte-state' });
    expect(await ledger.recordMovements([])).toEqual([]);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
