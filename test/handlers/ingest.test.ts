import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import { decodeQueued, encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { makeAuthorizerHandler } from '../../lambdas/handlers/authorizer.ts';
import type { HttpEvent } from '../../lambdas/handlers/http.ts';
import { makeIngestHandler } from '../../lambdas/handlers/ingest.ts';
import { invokeAuthorized } from '../../lambdas/local/gateway-emulation.ts';
import { FixedClock, MemoryQueue, MemoryTokens } from '../support/memory-ports.ts';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const PLANT = 'kz-ast-01';

function message(overrides: Record<string, unknown> = {}) {
  return {
    schema: 'wte.telemetry.v1',
    messageId: 'gw-ast-01:000123',
    plantId: PLANT,
    sentAt: '2026-11-24T10:00:00Z',
    readings: [
      {
        ts: '2026-11-24T09:59:50Z',
        line: 'boiler-1',
        metric: 'furnace_temperature',
        value: 912.4,
        unit: 'degC',
      },
      { ts: NOW - 10_000, line: 'turbine', metric: 'electricity_exported', value: 18250.5, unit: 'MWh' },
    ],
    movements: [
      {
        ticketId: 'WB-2026-000981',
        ts: '2026-11-24T09:41:00+05:00',
        direction: 'out',
        netTonnes: 18.2,
        material: 'bottom_ash',
        destination: 'landfill',
        operationCode: 'D1',
      },
    ],
    ...overrides,
  };
}

interface Setup {
  queue: MemoryQueue;
  tokens: MemoryTokens;
  send: (
    plant: string,
    body: string,
    headers?: Record<string, string>,
  ) => ReturnType<typeof invokeAuthorized>;
  token: string;
  revokedToken: string;
  otherPlantToken: string;
}

async function setup(): Promise<Setup> {
  const queue = new MemoryQueue();
  const tokens = new MemoryTokens();
  let seed = 1;
  const random = (n: number) =>
    Uint8Array.from({ length: n }, () => {
      seed = (seed * 48271) % 2147483647;
      return seed & 0xff;
    });
  const mk = async (plants: string[], revoked = false) => {
    const { token, record } = createGatewayToken({ gatewayId: 'gw-1', plants, now: NOW, random });
    await tokens.putToken(revoked ? { ...record, revokedAt: NOW } : record);
    return token;
  };
  const token = await mk([PLANT, 'kz-ala-01']);
  const revokedToken = await mk([PLANT], true);
  const otherPlantToken = await mk(['kz-shy-01']);
  const authorizer = makeAuthorizerHandler({ tokens });
  const ingest = makeIngestHandler({ queue, clock: new FixedClock(NOW) });
  const send = (plant: string, body: string, headers: Record<string, string> = {}) => {
    const event: HttpEvent = {
      httpMethod: 'POST',
      path: `/v1/plants/${plant}/telemetry`,
      pathParameters: { plantId: plant },
      queryStringParameters: null,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body,
      isBase64Encoded: false,
    };
    return invokeAuthorized(authorizer, ingest, event);
  };
  return { queue, tokens, send, token, revokedToken, otherPlantToken };
}

describe('POST /v1/plants/{plantId}/telemetry', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });

  it('answers 202 with accepted counts and enqueues one message', async () => {
    const response = await s.send(PLANT, JSON.stringify(message()));
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      messageId: 'gw-ast-01:000123',
      acceptedReadings: 2,
      acceptedMovements: 1,
      rejected: [],
    });
    expect(s.queue.items).toHaveLength(1);
    expect(s.queue.items[0]).toMatchObject({ source: 'http', receivedAt: NOW });
  });

  it('keeps valid items and lists the invalid ones by JSON pointer', async () => {
    const body = message({
      readings: [
        { ts: NOW, line: 'boiler-1', metric: 'furnace_temperature', value: 900 },
        { ts: NOW, line: 'boiler-1', metric: 'furnace_temp', value: 900 },
      ],
    });
    const response = await s.send(PLANT, JSON.stringify(body));
    expect(response.statusCode).toBe(202);
    const parsed = JSON.parse(response.body);
    expect(parsed.acceptedReadings).toBe(1);
    expect(parsed.rejected).toEqual([
      expect.objectContaining({ pointer: '/readings/1/metric', type: 'urn:wte:problem:unknown-metric' }),
    ]);
    expect(s.queue.items[0]?.message.readings).toHaveLength(1);
  });

  it.each([
    ['no Authorization header', { authorization: '' }, 401],
    ['a malformed token', { authorization: 'Bearer nope' }, 401],
    [
      'a token of the right shape that does not exist',
      { authorization: `Bearer wte_aaaaaaaaaaaa_${'A'.repeat(43)}` },
      401,
    ],
    ['another scheme', { authorization: 'Basic Zm9vOmJhcg==' }, 401],
  ])('refuses %s with 401 and writes nothing', async (_name, headers, status) => {
    const response = await s.send(PLANT, JSON.stringify(message()), headers);
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(s.queue.items).toHaveLength(0);
  });

  it('refuses a revoked token with 401', async () => {
    const response = await s.send(PLANT, JSON.stringify(message()), {
      authorization: `Bearer ${s.revokedToken}`,
    });
    expect(response.statusCode).toBe(401);
    expect(s.queue.items).toHaveLength(0);
  });

  it("refuses another plant's token with 403", async () => {
    const response = await s.send(PLANT, JSON.stringify(message()), {
      authorization: `Bearer ${s.otherPlantToken}`,
    });
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ status: 403, type: 'urn:wte:problem:forbidden' });
    expect(s.queue.items).toHaveLength(0);
  });

  it('lets one token write every plant it is bound to', async () => {
    const response = await s.send('kz-ala-01', JSON.stringify(message({ plantId: 'kz-ala-01' })));
    expect(response.statusCode).toBe(202);
  });

  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['application/json; charset=utf-8', 202],
    ['application/merge-patch+json', 202],
  ])('content type %s answers %d', async (contentType, status) => {
    const response = await s.send(PLANT, JSON.stringify(message()), { 'content-type': contentType });
    expect(response.statusCode).toBe(status);
  });

  it.each([
    ['invalid JSON', '{"schema": ', 400],
    ['an empty body', '', 400],
    ['a body over 256 KiB', JSON.stringify(message({ pad: 'x'.repeat(262_144) })), 413],
    ['a plant mismatch', JSON.stringify(message({ plantId: 'kz-ala-01' })), 400],
    ['no valid item', JSON.stringify(message({ readings: [{ metric: 'x' }], movements: [] })), 400],
  ])('refuses %s with problem details', async (_name, body, status) => {
    const response = await s.send(PLANT, body);
    expect(response.statusCode).toBe(status);
    const problem = JSON.parse(response.body);
    expect(problem).toMatchObject({ status });
    expect(typeof problem.type).toBe('string');
    expect(typeof problem.title).toBe('string');
    expect(typeof problem.detail).toBe('string');
    expect(s.queue.items).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the queue is down, and loses nothing on the retry', async () => {
    s.queue.failNext = 1;
    const down = await s.send(PLANT, JSON.stringify(message()));
    expect(down.statusCode).toBe(503);
    expect(down.headers?.['retry-after']).toBe('7');
    const retry = await s.send(PLANT, JSON.stringify(message()));
    expect(retry.statusCode).toBe(202);
    expect(s.queue.items).toHaveLength(1);
  });

  it('never answers 5xx other than 503 nor crashes, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          const response = await s.send(PLANT, body);
          expect([202, 400, 413]).toContain(response.statusCode);
          expect(response.body.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500, seed: 42 },
    );
  });
});

/** The items as the processor stores them: each reading with its version (none is a correction here). */
const withVersions = (items: readonly object[]) =>
  items.map((item) => ('metric' in item ? { ...item, version: 1 } : item));

describe('queue codec', () => {
  it('round-trips a queued message to the same items, with their versions', async () => {
    const s = await setup();
    await s.send(PLANT, JSON.stringify(message()));
    const queued = s.queue.items[0];
    if (!queued) throw new Error('nothing queued');
    const [body] = encodeQueued(queued);
    const decoded = decodeQueued(body ?? '');
    expect(decoded.ok && decoded.parsed.ok && decoded.parsed.message).toEqual({
      ...queued.message,
      readings: withVersions(queued.message.readings),
    });
  });

  it('splits a message over the limit into parts that together hold every item once', async () => {
    const readings = Array.from({ length: 1000 }, (_, i) => ({
      ts: NOW - i * 1000,
      line: 'boiler-1',
      metric: 'furnace_temperature',
      value: 900 + i / 7,
    }));
    const s = await setup();
    await s.send(PLANT, JSON.stringify(message({ readings })));
    const queued = s.queue.items[0];
    if (!queued) throw new Error('nothing queued');
    const parts = encodeQueued(queued, 16 * 1024);
    expect(parts.length).toBeGreaterThan(4);
    const items = parts.flatMap((part) => {
      expect(new TextEncoder().encode(part).byteLength).toBeLessThanOrEqual(16 * 1024);
      const decoded = decodeQueued(part);
      if (!decoded.ok || !decoded.parsed.ok) throw new Error('part did not decode');
      expect(decoded.parsed.message.messageId).toBe('gw-ast-01:000123');
      return [...decoded.parsed.message.readings, ...decoded.parsed.message.movements];
    });
    expect(items).toEqual(withVersions([...queued.message.readings, ...queued.message.movements]));
  });

  it('decodes the IoT rule form: the raw MQTT payload in base64', () => {
    const payload = Buffer.from(JSON.stringify(message({ plantId: undefined }))).toString('base64');
    const decoded = decodeQueued(
      JSON.stringify({ v: 1, source: 'mqtt', plantId: PLANT, receivedAt: NOW, payload }),
    );
    expect(decoded.ok && decoded.parsed.ok && decoded.parsed.message.plantId).toBe(PLANT);
  });

  it('reports an undecodable queue message without throwing', () => {
    expect(decodeQueued('not json')).toEqual({ ok: false, reason: 'queue message is not JSON' });
    expect(decodeQueued('{"v":2}').ok).toBe(false);
  });
});

describe('ingest metrics', () => {
  it('counts accepted messages, readings and rejected items', async () => {
    const counts = new Map<string, number>();
    const handler = makeIngestHandler({
      queue: new MemoryQueue(),
      clock: new FixedClock(NOW),
      count: (name, value) => counts.set(name, (counts.get(name) ?? 0) + value),
    });
    const body = message({
      readings: [
        { ts: NOW, line: 'boiler-1', metric: 'furnace_temperature', value: 900 },
        { ts: NOW, line: 'boiler-1', metric: 'unknown_metric', value: 1 },
      ],
    });
    const response = await handler({
      httpMethod: 'POST',
      path: `/v1/plants/${PLANT}/telemetry`,
      pathParameters: { plantId: PLANT },
      queryStringParameters: null,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: { authorizer: { plants: PLANT } },
    });
    expect(response.statusCode).toBe(202);
    expect(Object.fromEntries(counts)).toEqual({
      MessagesAccepted: 1,
      ReadingsAccepted: 1,
      MovementsAccepted: 1,
      ItemsRejected: 1,
    });
  });
});
