/**
 * The SQS telemetry queue and the ingest answer over it, with SQS mocked at
 * the SDK boundary: permanent refusals are not retried and answered apart,
 * transient failures are retried with backoff and answered as an outage.
 */
import {
  InvalidMessageContents,
  KmsAccessDenied,
  KmsDisabled,
  KmsThrottled,
  QueueDoesNotExist,
  RequestThrottled,
  SendMessageBatchCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPermanentSqsError, SqsTelemetryQueue } from '../../../lambdas/adapters/sqs-telemetry-queue.ts';
import { parseTelemetry } from '../../../lambdas/domain/parse-telemetry.ts';
import { type QueuedTelemetry, UnavailableError } from '../../../lambdas/domain/ports.ts';
import { QueueRefusedError } from '../../../lambdas/domain/queue-errors.ts';
import type { HttpEvent } from '../../../lambdas/handlers/http.ts';
import { makeIngestHandler } from '../../../lambdas/handlers/ingest.ts';
import { FixedClock } from '../../support/memory-ports.ts';

const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/wte-telemetry';
const NOW = Date.parse('2026-11-24T10:00:00Z');
const PLANT = 'kz-ast-01';
const $metadata = {};

const sdkError = (name: string, fault: 'client' | 'server', status: number) =>
  new SQSServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: name });

const PERMANENT: ReadonlyArray<[string, Error]> = [
  ['KmsAccessDenied', new KmsAccessDenied({ message: 'denied', $metadata })],
  ['KmsDisabled', new KmsDisabled({ message: 'disabled', $metadata })],
  ['QueueDoesNotExist', new QueueDoesNotExist({ message: 'gone', $metadata })],
  ['InvalidMessageContents', new InvalidMessageContents({ message: 'bad characters', $metadata })],
  ['AccessDeniedException', sdkError('AccessDeniedException', 'client', 403)],
  ['InvalidParameterValue', sdkError('InvalidParameterValue', 'client', 400)],
];

const TRANSIENT: ReadonlyArray<[string, Error]> = [
  ['RequestThrottled', new RequestThrottled({ message: 'slow down', $metadata })],
  ['KmsThrottled', new KmsThrottled({ message: 'slow down', $metadata })],
  ['ServiceUnavailable', sdkError('ServiceUnavailable', 'server', 503)],
  ['InternalError', sdkError('InternalError', 'server', 500)],
  ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
];

function queued(readings = 1): QueuedTelemetry {
  const parsed = parseTelemetry(
    {
      schema: 'wte.telemetry.v1',
      messageId: 'gw-ast-01:000123',
      plantId: PLANT,
      readings: Array.from({ length: readings }, (_, i) => ({
        ts: NOW - 60_000 + i,
        line: 'boiler-1',
        metric: 'furnace_temperature',
        value: 900 + i,
        unit: 'degC',
      })),
    },
    { now: NOW, plantId: PLANT },
  );
  if (!parsed.ok) throw new Error(parsed.problem.detail);
  return { message: parsed.message, source: 'http', receivedAt: NOW };
}

let sqs: AwsClientStub<SQSClient>;
let client: SQSClient;
let waits: number[];
let queue: SqsTelemetryQueue;

beforeEach(() => {
  client = new SQSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  sqs = mockClient(client);
  waits = [];
  queue = new SqsTelemetryQueue({
    client,
    queueUrl: QUEUE_URL,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
});
afterEach(() => {
  sqs.restore();
});

const calls = () => sqs.commandCalls(SendMessageBatchCommand);

describe('SqsTelemetryQueue', () => {
  it('does not retry an entry SQS refused as the sender fault', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents', Message: 'Invalid characters' }],
    });
    const error = await queue.enqueue([queued()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueRefusedError);
    expect(error).toMatchObject({ code: 'InvalidMessageContents', retryAfterSeconds: 60 });
    expect((error as Error).message).toContain('entry 0');
    expect(calls()).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('refuses at once when one entry of a batch is the sender fault, even if others only failed', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [
        { Id: '0', SenderFault: false, Code: 'InternalError' },
        { Id: '1', SenderFault: true, Code: 'MessageTooLong' },
      ],
    });
    await expect(queue.enqueue([queued(), queued()])).rejects.toMatchObject({ code: 'MessageTooLong' });
    expect(calls()).toHaveLength(1);
  });

  it.each(PERMANENT)('does not retry the call when SQS answers %s', async (code, error) => {
    sqs.on(SendMessageBatchCommand).rejects(error);
    const thrown = await queue.enqueue([queued()]).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(QueueRefusedError);
    expect(thrown).toMatchObject({ code, cause: error });
    expect(calls()).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it.each(TRANSIENT)('retries %s with backoff, then reports an outage', async (_code, error) => {
    sqs.on(SendMessageBatchCommand).rejects(error);
    const thrown = await queue.enqueue([queued()]).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect(thrown).toMatchObject({ retryAfterSeconds: 5, cause: error });
    expect(calls()).toHaveLength(3);
    expect(waits).toEqual([100, 400]);
  });

  it.each(TRANSIENT)('succeeds when %s clears on the next attempt', async (_code, error) => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(error)
      .resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }], Failed: [] });
    await queue.enqueue([queued()]);
    expect(calls()).toHaveLength(2);
    expect(waits).toEqual([100]);
  });

  it('sends again only the entries that failed without sender fault, after a backoff', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: 'x' }],
        Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }],
      })
      .resolves({ Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: 'x' }], Failed: [] });
    await queue.enqueue([queued(), queued(), queued()]);
    const [first, second] = calls().map((c) => c.args[0].input.Entries?.map((e) => e.Id));
    expect(first).toEqual(['0', '1', '2']);
    expect(second).toEqual(['1']);
    expect(waits).toEqual([100]);
  });

  it('classifies errors: client faults that are not throttles are permanent, anything unknown is not', () => {
    for (const [, error] of PERMANENT) expect(isPermanentSqsError(error)).toBe(true);
    for (const [, error] of TRANSIENT) expect(isPermanentSqsError(error)).toBe(false);
    expect(isPermanentSqsError(new Error('credential provider timed out'))).toBe(false);
    expect(isPermanentSqsError(sdkError('ThrottlingException', 'client', 400))).toBe(false);
  });
});

describe('POST /v1/plants/{plantId}/telemetry over SQS', () => {
  const body = JSON.stringify({
    schema: 'wte.telemetry.v1',
    messageId: 'gw-ast-01:000124',
    readings: [
      { ts: NOW - 5_000, line: 'boiler-1', metric: 'furnace_temperature', value: 912.4, unit: 'degC' },
    ],
  });
  const event: HttpEvent = {
    httpMethod: 'POST',
    path: `/v1/plants/${PLANT}/telemetry`,
    pathParameters: { plantId: PLANT },
    queryStringParameters: null,
    headers: { 'content-type': 'application/json' },
    body,
    isBase64Encoded: false,
    requestContext: { authorizer: { plants: PLANT } },
  };

  function ingest() {
    const counts: Record<string, number> = {};
    const logs: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
    const handler = makeIngestHandler({
      queue,
      clock: new FixedClock(NOW),
      count: (name, value) => {
        counts[name] = (counts[name] ?? 0) + value;
      },
      log: (level, message, fields) => logs.push({ level, message, fields }),
    });
    return { handler, counts, logs };
  }

  it('answers a sender-fault refusal 503 with Retry-After 60, logged as an error and counted apart', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: true, Code: 'KMS.AccessDeniedException' }],
    });
    const { handler, counts, logs } = ingest();
    const response = await handler(event);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': '60',
    });
    const problem = JSON.parse(response.body);
    expect(problem).toMatchObject({ type: 'urn:wte:problem:unavailable', status: 503 });
    expect(problem.detail).toContain('Keep the message');
    expect(response.body).not.toContain('KMS');
    expect(calls()).toHaveLength(1);
    expect(counts).toEqual({ IngestUnavailable: 1, IngestQueueRefused: 1 });
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ code: 'KMS.AccessDeniedException' }),
      }),
    ]);
  });

  it.each(PERMANENT)('answers %s of the call the same way, after one call', async (code, error) => {
    sqs.on(SendMessageBatchCommand).rejects(error);
    const { handler, counts, logs } = ingest();
    const response = await handler(event);
    expect([response.statusCode, response.headers?.['retry-after']]).toEqual([503, '60']);
    expect(calls()).toHaveLength(1);
    expect(counts.IngestQueueRefused).toBe(1);
    expect(logs[0]?.fields.code).toBe(code);
  });

  it.each(TRANSIENT)(
    'answers %s as an outage: 503 with Retry-After 5 after three calls',
    async (_code, error) => {
      sqs.on(SendMessageBatchCommand).rejects(error);
      const { handler, counts } = ingest();
      const response = await handler(event);
      expect([response.statusCode, response.headers?.['retry-after']]).toEqual([503, '5']);
      expect(calls()).toHaveLength(3);
      expect(counts).toEqual({ IngestUnavailable: 1 });
    },
  );

  it('answers 202 once a throttled call goes through on retry', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(new RequestThrottled({ message: 'slow down', $metadata }))
      .resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }], Failed: [] });
    const { handler, counts } = ingest();
    const response = await handler(event);
    expect(response.statusCode).toBe(202);
    expect(counts.MessagesAccepted).toBe(1);
    expect(calls()).toHaveLength(2);
  });
});
