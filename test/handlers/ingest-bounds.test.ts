/**
 * HTTP ingest and physical bounds (issue #17 item 3): one impossible reading
 * in a message is rejected by its pointer (202 with `rejected`) while the rest
 * is queued; a message with nothing possible in it is a 400 that names it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import { makeAuthorizerHandler } from '../../lambdas/handlers/authorizer.ts';
import type { HttpEvent } from '../../lambdas/handlers/http.ts';
import { makeIngestHandler } from '../../lambdas/handlers/ingest.ts';
import { invokeAuthorized } from '../../lambdas/local/gateway-emulation.ts';
import { FixedClock, MemoryQueue, MemoryTokens } from '../support/memory-ports.ts';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const PLANT = 'kz-ast-01';
const TS = NOW - 10_000;

let queue: MemoryQueue;
let send: (body: object) => ReturnType<typeof invokeAuthorized>;

beforeEach(async () => {
  queue = new MemoryQueue();
  const tokens = new MemoryTokens();
  const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
  const { token, record } = createGatewayToken({ gatewayId: 'gw-1', plants: [PLANT], now: NOW, random });
  await tokens.putToken(record);
  const authorizer = makeAuthorizerHandler({ tokens });
  const ingest = makeIngestHandler({ queue, clock: new FixedClock(NOW) });
  send = (body) => {
    const event: HttpEvent = {
      httpMethod: 'POST',
      path: `/v1/plants/${PLANT}/telemetry`,
      pathParameters: { plantId: PLANT },
      queryStringParameters: null,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      isBase64Encoded: false,
    };
    return invokeAuthorized(authorizer, ingest, event);
  };
});

const message = (readings: object[]) => ({ schema: 'wte.telemetry.v1', messageId: 'gw-1:42', readings });

describe('POST telemetry with readings outside their physical bounds', () => {
  it('answers 202, rejects the impossible reading by pointer and queues the others in canonical units', async () => {
    const response = await send(
      message([
        { ts: TS, line: 'boiler-1', metric: 'furnace_temperature', value: 1185.55, unit: 'K' },
        { ts: TS, line: 'boiler-1', metric: 'flue_gas_o2', value: 250, unit: '%' },
        { ts: TS, line: 'boiler-1', metric: 'steam_flow', value: 10, unit: 'kg/s' },
      ]),
    );
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      messageId: 'gw-1:42',
      acceptedReadings: 2,
      acceptedMovements: 0,
      rejected: [
        {
          pointer: '/readings/1/value',
          type: 'urn:wte:problem:value-out-of-range',
          detail: 'flue_gas_o2 250 % is above the physical maximum 100 %',
        },
      ],
    });
    expect(queue.items).toHaveLength(1);
    const queued = queue.items[0]?.message.readings.map((r) => [r.metric, r.value, r.unit]);
    expect(queued?.[0]?.[0]).toBe('furnace_temperature');
    expect(queued?.[0]?.[1]).toBeCloseTo(912.4, 9);
    expect(queued?.[1]).toEqual(['steam_flow', 36, 't/h']);
  });

  it('answers 400 no-valid-items, naming the message, when every reading is impossible', async () => {
    const response = await send(
      message([
        { ts: TS, line: 'boiler-1', metric: 'furnace_temperature', value: -5000, unit: 'K' },
        { ts: TS, line: 'boiler-2', metric: 'furnace_temperature', value: 1e308 },
      ]),
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({
      type: 'urn:wte:problem:no-valid-items',
      messageId: 'gw-1:42',
      errors: [
        {
          pointer: '/readings/0/value',
          detail: expect.stringContaining('below the physical minimum -273.15 degC'),
        },
        {
          pointer: '/readings/1/value',
          detail: expect.stringContaining('above the physical maximum 2000 degC'),
        },
      ],
    });
    expect(queue.items).toEqual([]);
  });
});
