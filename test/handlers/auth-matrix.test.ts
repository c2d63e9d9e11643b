import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_PLANTS, createGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import { makeAuthorizerHandler } from '../../lambdas/handlers/authorizer.ts';
import { makeIngestHandler } from '../../lambdas/handlers/ingest.ts';
import { invokeAuthorized } from '../../lambdas/local/gateway-emulation.ts';
import { FixedClock, MemoryQueue, MemoryTokens } from '../support/memory-ports.ts';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const PLANTS = ['kz-ast-01', 'kz-ala-01', 'kz-shy-01', 'kz-kar-01'];

type Credential =
  | { kind: 'bound'; plants: string[] }
  | { kind: 'revoked'; plants: string[] }
  | { kind: 'wildcard' }
  | { kind: 'unknown' }
  | { kind: 'tampered'; plants: string[] }
  | { kind: 'malformed'; header: string }
  | { kind: 'missing' };

const credential: fc.Arbitrary<Credential> = fc.oneof(
  fc.record({ kind: fc.constant('bound' as const), plants: fc.subarray(PLANTS, { minLength: 1 }) }),
  fc.record({ kind: fc.constant('revoked' as const), plants: fc.subarray(PLANTS, { minLength: 1 }) }),
  fc.record({ kind: fc.constant('wildcard' as const) }),
  fc.record({ kind: fc.constant('unknown' as const) }),
  fc.record({ kind: fc.constant('tampered' as const), plants: fc.subarray(PLANTS, { minLength: 1 }) }),
  fc.record({
    kind: fc.constant('malformed' as const),
    header: fc.oneof(
      fc.string(),
      fc.constant('Bearer'),
      fc.constant('Bearer wte_'),
      fc.constant('Basic abc'),
    ),
  }),
  fc.record({ kind: fc.constant('missing' as const) }),
);

describe('authorization matrix (authorizer, API Gateway policy evaluation, ingest)', () => {
  it('refuses every missing, unknown, tampered or revoked token with 401 and every other-plant write with 403; never enqueues them', async () => {
    let counter = 0;
    const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => (counter * 131 + i * 17) & 0xff);
    await fc.assert(
      fc.asyncProperty(credential, fc.constantFrom(...PLANTS), async (cred, plant) => {
        counter++;
        const tokens = new MemoryTokens();
        const queue = new MemoryQueue();
        let header: string | undefined;
        let expected: number;
        const issue = async (plants: string[], revoked = false) => {
          const { token, record } = createGatewayToken({
            gatewayId: `gw-${counter}`,
            plants,
            now: NOW,
            random,
          });
          await tokens.putToken(revoked ? { ...record, revokedAt: NOW } : record);
          return token;
        };
        switch (cred.kind) {
          case 'bound':
            header = `Bearer ${await issue(cred.plants)}`;
            expected = cred.plants.includes(plant) ? 202 : 403;
            break;
          case 'wildcard':
            header = `Bearer ${await issue([ALL_PLANTS])}`;
            expected = 202;
            break;
          case 'revoked':
            header = `Bearer ${await issue(cred.plants, true)}`;
            expected = 401;
            break;
          case 'unknown': {
            const { token } = createGatewayToken({ gatewayId: 'ghost', plants: [plant], now: NOW, random });
            header = `Bearer ${token}`; // well formed, never stored
            expected = 401;
            break;
          }
          case 'tampered': {
            const token = await issue(cred.plants);
            const last = token.at(-1) === 'A' ? 'B' : 'A';
            header = `Bearer ${token.slice(0, -1)}${last}`;
            expected = 401;
            break;
          }
          case 'malformed':
            header = cred.header;
            expected = 401;
            break;
          default:
            header = undefined;
            expected = 401;
        }
        const response = await invokeAuthorized(
          makeAuthorizerHandler({ tokens }),
          makeIngestHandler({ queue, clock: new FixedClock(NOW) }),
          {
            httpMethod: 'POST',
            path: `/v1/plants/${plant}/telemetry`,
            pathParameters: { plantId: plant },
            queryStringParameters: null,
            headers: {
              'content-type': 'application/json',
              ...(header === undefined ? {} : { Authorization: header }),
            },
            body: JSON.stringify({
              schema: 'wte.telemetry.v1',
              messageId: `m-${counter}`,
              plantId: plant,
              readings: [{ ts: NOW, line: 'boiler-1', metric: 'furnace_temperature', value: 900 }],
            }),
            isBase64Encoded: false,
          },
        );
        expect(response.statusCode).toBe(expected);
        expect(queue.items.length).toBe(expected === 202 ? 1 : 0);
        if (expected !== 202) expect(response.headers?.['content-type']).toBe('application/problem+json');
      }),
      { numRuns: 1_000, seed: 20261124 },
    );
  });
});
