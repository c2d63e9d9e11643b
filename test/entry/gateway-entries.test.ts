/**
 * The gateway's way in, as deployed: the authorizer entry reads the token
 * from the state table the stack names, and the ingest entry queues what it
 * accepted on the telemetry queue the stack names.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { createGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import { decodeQueued } from '../../lambdas/domain/queue-codec.ts';
import {
  apiEvent,
  BASE_ENV,
  type DynamoBoundary,
  dynamoBoundary,
  lambdaContext,
  loadEntry,
} from './entry-support.ts';

type Handler = (event: unknown, context?: unknown) => Promise<unknown>;
type HttpResult = { statusCode: number; headers?: Record<string, string>; body: string };

const PLANT = 'kz-ast-01';
const sqs = mockClient(SQSClient);
let dynamo: DynamoBoundary;

beforeAll(async () => {
  dynamo = await dynamoBoundary({ state: BASE_ENV.STATE_TABLE_NAME });
});
afterAll(async () => {
  sqs.restore();
  await dynamo.close();
});
beforeEach(() => {
  sqs.reset();
  dynamo.stub.resetHistory();
});

function telemetry(messageId: string) {
  const now = Date.now();
  return JSON.stringify({
    schema: 'wte.telemetry.v1',
    messageId,
    plantId: PLANT,
    sentAt: new Date(now).toISOString(),
    readings: [
      {
        ts: new Date(now - 10_000).toISOString(),
        line: 'boiler-1',
        metric: 'furnace_temperature',
        value: 912.4,
        unit: 'degC',
      },
      {
        ts: new Date(now - 10_000).toISOString(),
        line: 'boiler-1',
        metric: 'flue_gas_o2',
        value: 9,
        unit: '%',
      },
    ],
    movements: [],
  });
}

function postTelemetry(plantId: string, body: string, plants = `${PLANT},kz-ala-01`) {
  return apiEvent({
    method: 'POST',
    resource: '/v1/plants/{plantId}/telemetry',
    path: `/v1/plants/${plantId}/telemetry`,
    pathParameters: { plantId },
    headers: { 'content-type': 'application/json' },
    body,
    authorizer: { principalId: 'gw-ast-01', gatewayId: 'gw-ast-01', tokenId: 't1', plants },
  });
}

describe('ingest entry', () => {
  it('queues an accepted message on TELEMETRY_QUEUE_URL and answers 202 with its counts', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string }> }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `sqs-${e.Id}`, MD5OfMessageBody: '' })),
      Failed: [],
    }));
    const { handler } = await loadEntry<{ handler: Handler }>('ingest', BASE_ENV);
    const response = (await handler(
      postTelemetry(PLANT, telemetry('gw-ast-01:000981')),
      lambdaContext('ingest'),
    )) as HttpResult;

    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      messageId: 'gw-ast-01:000981',
      acceptedReadings: 2,
      acceptedMovements: 0,
      rejected: [],
    });
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(BASE_ENV.TELEMETRY_QUEUE_URL);
    const decoded = decodeQueued(input?.Entries?.[0]?.MessageBody ?? '');
    if (!decoded.ok || !decoded.parsed.ok) throw new Error('the queued body does not decode');
    expect(decoded.envelope).toMatchObject({ plantId: PLANT, source: 'http' });
    expect(decoded.parsed.message.messageId).toBe('gw-ast-01:000981');
    expect(decoded.parsed.message.readings.map((r) => r.metric)).toEqual([
      'furnace_temperature',
      'flue_gas_o2',
    ]);
  });

  it('refuses a plant the token does not cover with 403 problem details, queueing nothing', async () => {
    const { handler } = await loadEntry<{ handler: Handler }>('ingest', BASE_ENV);
    const response = (await handler(
      postTelemetry('kz-shy-01', telemetry('gw-ast-01:000982')),
      lambdaContext('ingest'),
    )) as HttpResult;
    expect(response.statusCode).toBe(403);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the queue refuses the message for good', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string }> }) => ({
      Successful: [],
      Failed: input.Entries.map((e) => ({ Id: e.Id, SenderFault: true, Code: 'KMS.AccessDeniedException' })),
    }));
    const { handler } = await loadEntry<{ handler: Handler }>('ingest', BASE_ENV);
    const response = (await handler(
      postTelemetry(PLANT, telemetry('gw-ast-01:000983')),
      lambdaContext('ingest'),
    )) as HttpResult;
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('60');
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.QueueUrl).toBe(
      BASE_ENV.TELEMETRY_QUEUE_URL,
    );
  });
});

describe('authorizer entry', () => {
  const NOW = Date.now();
  let valid: string;
  let revoked: string;

  beforeAll(async () => {
    const store = new DynamoStateStore({ client: dynamo.local.client, tableName: BASE_ENV.STATE_TABLE_NAME });
    const a = createGatewayToken({ gatewayId: 'gw-ast-01', plants: [PLANT, 'kz-ala-01'], now: NOW });
    const b = createGatewayToken({ gatewayId: 'gw-old-01', plants: [PLANT], now: NOW });
    await store.putToken(a.record);
    await store.putToken({ ...b.record, revokedAt: NOW });
    valid = a.token;
    revoked = b.token;
  });

  const methodArn = `arn:aws:execute-api:eu-central-1:123456789012:abc123/prod/POST/v1/plants/${PLANT}/telemetry`;
  const authorizerEvent = (authorization: string | undefined) => ({
    type: 'REQUEST',
    methodArn,
    resource: '/v1/plants/{plantId}/telemetry',
    path: `/v1/plants/${PLANT}/telemetry`,
    httpMethod: 'POST',
    headers: authorization === undefined ? {} : { Authorization: authorization },
    pathParameters: { plantId: PLANT },
    requestContext: { stage: 'prod' },
  });

  it('allows the token stored in STATE_TABLE_NAME, for its plants, with its gateway in the context', async () => {
    const { handler } = await loadEntry<{ handler: Handler }>('authorizer', BASE_ENV);
    dynamo.stub.resetHistory();
    const policy = (await handler(authorizerEvent(`Bearer ${valid}`))) as {
      principalId: string;
      policyDocument: { Statement: Array<{ Effect: string; Resource: string | string[] }> };
      context: Record<string, string>;
    };
    expect(policy.principalId).toBe('gw-ast-01');
    expect(policy.context).toMatchObject({ gatewayId: 'gw-ast-01', plants: `kz-ala-01,${PLANT}` });
    const allowed = policy.policyDocument.Statement.filter((s) => s.Effect === 'Allow').flatMap(
      (s) => s.Resource,
    );
    expect(allowed.some((r) => r.endsWith(`/plants/${PLANT}/telemetry`))).toBe(true);
    expect(allowed.some((r) => r.endsWith('/plants/kz-ala-01/telemetry'))).toBe(true);
    expect(new Set(dynamo.tablesCalled())).toEqual(new Set([BASE_ENV.STATE_TABLE_NAME]));
  });

  it.each([
    ['a revoked token', () => `Bearer ${revoked}`],
    ['an unknown token', () => `Bearer ${valid.slice(0, -4)}AAAA`],
    ['no token', () => undefined],
  ])('answers Unauthorized (401 at the gateway) for %s', async (_name, authorization) => {
    const { handler } = await loadEntry<{ handler: Handler }>('authorizer', BASE_ENV);
    await expect(handler(authorizerEvent(authorization()))).rejects.toThrow(/^Unauthorized$/);
  });
});
