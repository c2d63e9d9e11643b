/**
 * What dynalite cannot be made to do on cue: throttling, server errors, and a
 * ticket that changes between a refused write and the read after it. The SDK
 * is mocked at the client, nothing of ours is.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../../lambdas/adapters/dynamo/attribute-values.ts';
import { DynamoStateStore } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { correction, movement, T0 } from './fixtures.ts';

const $metadata = {};
let client: DynamoDBClient;
let dynamo: AwsClientStub<DynamoDBClient>;
let store: DynamoStateStore;

beforeEach(() => {
  client = new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  dynamo = mockClient(client);
  store = new DynamoStateStore({ client, tableName: 'wte-state' });
});
afterEach(() => {
  dynamo.restore();
});

function serverError(status: number): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: 'InternalFailure',
    $fault: 'server',
    $metadata: { httpStatusCode: status },
    message: 'We encountered an internal error. Please try again.',
  });
}

describe('SDK errors in domain terms', () => {
  const transient: Array<[string, () => Error]> = [
    ['ThrottlingException', () => new ThrottlingException({ message: 'Rate exceeded', $metadata })],
    [
      'ProvisionedThroughputExceededException',
      () => new ProvisionedThroughputExceededException({ message: 'throughput exceeded', $metadata }),
    ],
    ['RequestLimitExceeded', () => new RequestLimitExceeded({ message: 'account limit', $metadata })],
    ['InternalServerError', () => new InternalServerError({ message: 'internal', $metadata })],
    ['an HTTP 500', () => serverError(500)],
    ['an HTTP 503', () => serverError(503)],
    [
      'a refused connection',
      () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
  ];

  it.each(transient)('turns %s into UnavailableError that keeps the cause', async (_name, make) => {
    const error = make();
    dynamo.on(GetItemCommand).rejects(error);
    const failure = await store.getPlant('astana-1').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect((failure as UnavailableError).cause).toBe(error);
  });

  it('turns throttling on every kind of call into UnavailableError', async () => {
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata });
    dynamo.on(PutItemCommand).rejects(throttled);
    dynamo.on(QueryCommand).rejects(throttled);
    dynamo.on(UpdateItemCommand).rejects(throttled);
    await expect(store.recordMovement(movement())).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.listQuarantine(undefined, 10)).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.listTokens()).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.revokeToken('tok000000001', T0)).rejects.toBeInstanceOf(UnavailableError);
  });

  it('passes a client error through unchanged', async () => {
    const missing = new ResourceNotFoundException({ message: 'Requested resource not found', $metadata });
    dynamo.on(GetItemCommand).rejects(missing);
    await expect(store.getToken('tok000000001')).rejects.toBe(missing);
  });
});

describe('ledger races seen only through the SDK', () => {
  const refused = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata });

  it('writes again when the ticket that refused the write is gone by the time it is read', async () => {
    const first = movement();
    dynamo.on(PutItemCommand).rejectsOnce(refused()).resolves({});
    dynamo.on(GetItemCommand).resolves({});
    expect(await store.recordMovement(first)).toEqual({ outcome: 'stored', movement: first });
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(2);
  });

  it('writes a correction again when the ticket read after the refusal has a lower version', async () => {
    const original = movement();
    const fix = correction(T0 + 60_000, { netTonnes: 17.9 });
    const stored = { Item: toItem({ ...original, pk: 'PLANT#astana-1', sk: 'TICKET#WB-2026-000123' }) };
    dynamo.on(PutItemCommand).rejectsOnce(refused()).resolves({ Attributes: stored.Item });
    dynamo.on(GetItemCommand).resolves(stored);
    expect(await store.recordMovement(fix)).toEqual({
      outcome: 'corrected',
      movement: fix,
      previous: original,
    });
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(2);
  });

  it('judges a correction again when the ticket moved between its read and its write', async () => {
    const original = movement();
    const movedMeanwhile = correction(T0 + 60_000, { ts: T0 + 900_000 });
    const fix = correction(T0 + 120_000, { ts: T0 + 1_800_000 });
    const item = (m: typeof original, formerTs?: number[]) =>
      toItem({ ...m, pk: 'PLANT#astana-1', sk: 'TICKET#WB-2026-000123', ...(formerTs ? { formerTs } : {}) });
    dynamo
      .on(GetItemCommand)
      .resolvesOnce({ Item: item(original) })
      .resolves({ Item: item(movedMeanwhile, [original.ts]) });
    dynamo
      .on(PutItemCommand)
      .rejectsOnce(refused())
      .resolves({ Attributes: item(movedMeanwhile, [original.ts]) });
    expect(await store.recordMovement(fix)).toEqual({
      outcome: 'corrected',
      movement: fix,
      previous: movedMeanwhile,
      formerTs: [original.ts, movedMeanwhile.ts],
    });
    // each write pins the version it was judged against, and carries the list judged from it
    const puts = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.ExpressionAttributeValues?.[':heldVersion'])).toEqual([
      { N: '1' },
      { N: String(movedMeanwhile.version) },
    ]);
    expect(puts[1]?.Item?.formerTs).toEqual({
      L: [{ N: String(original.ts) }, { N: String(movedMeanwhile.ts) }],
    });
  });

  it('gives up with UnavailableError after a bounded number of rounds', async () => {
    dynamo.on(PutItemCommand).rejects(refused());
    dynamo.on(GetItemCommand).resolves({});
    await expect(store.recordMovement(movement())).rejects.toBeInstanceOf(UnavailableError);
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(6);
  });
});
