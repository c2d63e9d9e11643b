/**
 * What dynalite cannot be made to do on cue: throttling and server errors on
 * every alert store call, and the exact shape of the one head write. The SDK
 * is mocked at the client; nothing of ours is.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAlertStore } from '../../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { acknowledge, alert, open } from '../alerts/alert-fixtures.ts';

const $metadata = {};
let dynamo: AwsClientStub<DynamoDBClient>;
let store: DynamoAlertStore;

beforeEach(() => {
  const client = new DynamoDBClient({
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  dynamo = mockClient(client);
  store = new DynamoAlertStore({ client, tableName: 'wte-state' });
});
afterEach(() => {
  dynamo.restore();
});

const headItem = () => {
  const a = alert();
  return {
    pk: { S: `ALERTHEAD#${a.plantId}#${a.type}#${a.subject}` },
    sk: { S: 'HEAD' },
    alert: { S: JSON.stringify(a) },
    outbox: {
      L: [
        {
          M: {
            transitionId: { S: `${a.alertId}#1` },
            at: { S: String(a.updatedAt).padStart(16, '0') },
            transition: { S: JSON.stringify(open().transition) },
          },
        },
      ],
    },
  };
};
const recordItem = () => ({
  pk: { S: 'ALERT#x' },
  sk: { S: 'ALERT' },
  alert: { S: JSON.stringify(alert()) },
});

const calls: Array<[string, (s: DynamoAlertStore) => Promise<unknown>]> = [
  ['getActive', (s) => s.getActive('kz-ast-01', 'DIVERSION_BELOW_TARGET', 'plant')],
  ['getAlert', (s) => s.getAlert('diversion-below-target-00000000000000a1')],
  ['applyTransition', (s) => s.applyTransition(open().next, 0, open().transition)],
  ['listAlerts', (s) => s.listAlerts({ limit: 5 })],
  ['pendingTransitions', (s) => s.pendingTransitions(5)],
  ['markPublished', (s) => s.markPublished('diversion-below-target-00000000000000a1#1')],
];

function serverError(status: number): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: 'InternalFailure',
    $fault: 'server',
    $metadata: { httpStatusCode: status },
    message: 'We encountered an internal error. Please try again.',
  });
}

describe('SDK errors in domain terms', () => {
  it.each(calls)('turns throttling in %s into UnavailableError that keeps the cause', async (_name, call) => {
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata });
    dynamo.on(GetItemCommand).rejects(throttled);
    dynamo.on(QueryCommand).rejects(throttled);
    dynamo.on(UpdateItemCommand).rejects(throttled);
    dynamo.on(PutItemCommand).rejects(throttled);
    const failure = await call(store).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect((failure as UnavailableError).cause).toBe(throttled);
  });

  it.each(calls)('turns an HTTP 503 in %s into UnavailableError', async (_name, call) => {
    const error = serverError(503);
    dynamo.on(GetItemCommand).rejects(error);
    dynamo.on(QueryCommand).rejects(error);
    dynamo.on(UpdateItemCommand).rejects(error);
    dynamo.on(PutItemCommand).rejects(error);
    await expect(call(store)).rejects.toBeInstanceOf(UnavailableError);
  });

  it('turns a throttled record write after the head write into UnavailableError (the head already holds the change)', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(PutItemCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata }));
    await expect(store.applyTransition(open().next, 0, open().transition)).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('throttling while marking published leaves the entry: no removal was attempted', async () => {
    dynamo
      .on(GetItemCommand, { Key: { pk: { S: 'ALERT#diversion-below-target-00000000000000a1' } } })
      .resolves({
        Item: recordItem(),
      });
    dynamo.on(GetItemCommand).resolves({ Item: headItem() });
    dynamo.on(PutItemCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata }));
    await expect(store.markPublished('diversion-below-target-00000000000000a1#1')).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('answers false, not an error, when the condition fails', async () => {
    dynamo
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata }));
    dynamo.on(GetItemCommand).resolves({ Item: headItem() }); // the head still holds the alert before this step
    const step = acknowledge(alert(), Date.UTC(2026, 10, 24, 9));
    expect(await store.applyTransition(step.next, step.expected, step.transition)).toBe(false);
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('answers true when the condition fails because the head already holds exactly this alert (a retried write)', async () => {
    dynamo
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata }));
    dynamo.on(GetItemCommand).resolves({ Item: headItem() });
    dynamo.on(PutItemCommand).resolves({});
    expect(await store.applyTransition(open().next, 0, open().transition)).toBe(true);
  });

  it('lets errors that retrying cannot fix through unchanged', async () => {
    const missing = new ResourceNotFoundException({ message: 'Requested resource not found', $metadata });
    dynamo.on(GetItemCommand).rejects(missing);
    dynamo.on(UpdateItemCommand).rejects(missing);
    await expect(store.getActive('kz-ast-01', 'DIVERSION_BELOW_TARGET', 'plant')).rejects.toBe(missing);
    await expect(store.applyTransition(open().next, 0, open().transition)).rejects.toBe(missing);
  });
});

describe('the head write', () => {
  it('is one conditional UpdateItem that sets the alert and appends the transition to the outbox together', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});
    const step = acknowledge(alert(), Date.UTC(2026, 10, 24, 9));
    expect(await store.applyTransition(step.next, step.expected, step.transition)).toBe(true);

    const updates = dynamo.commandCalls(UpdateItemCommand);
    expect(updates).toHaveLength(1);
    const input = updates[0]?.args[0].input;
    expect(input?.Key).toEqual({
      pk: { S: 'ALERTHEAD#kz-ast-01#DIVERSION_BELOW_TARGET#plant' },
      sk: { S: 'HEAD' },
    });
    expect(input?.UpdateExpression).toMatch(/#alert = :alert/);
    expect(input?.UpdateExpression).toMatch(
      /#outbox = list_append\(if_not_exists\(#outbox, :empty\), :entry\)/,
    );
    expect(input?.ConditionExpression).toMatch(/#seq = :expected/);
    expect(input?.ExpressionAttributeValues?.[':expected']).toEqual({ N: String(step.expected) });
    expect(JSON.parse(input?.ExpressionAttributeValues?.[':alert']?.S ?? '')).toEqual(step.next);
    const entry = input?.ExpressionAttributeValues?.[':entry']?.L?.[0]?.M;
    expect(JSON.parse(entry?.transition?.S ?? '')).toEqual(step.transition);
    // Every write after the head is the record: PutItem, on the record key only.
    for (const put of dynamo.commandCalls(PutItemCommand)) {
      expect(put.args[0].input.Item?.pk?.S).toBe(`ALERT#${step.next.alertId}`);
    }
  });

  it('asks for no existing head, or a resolved other alert, when the expected sequence is 0', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    dynamo.on(PutItemCommand).resolves({});
    await store.applyTransition(open().next, 0, open().transition);
    const input = dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe(
      'attribute_not_exists(#pk) OR (#state = :resolved AND #alertId <> :alertId)',
    );
  });
});
