/** The authorizer tells its entry why it refused a token (logged and counted there), never the token. */
import { describe, expect, it } from 'vitest';
import { createGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import { makeAuthorizerHandler, UNAUTHORIZED } from '../../lambdas/handlers/authorizer.ts';
import { MemoryTokens } from '../support/memory-ports.ts';

const NOW = Date.UTC(2026, 11, 6);
const ARN = 'arn:aws:execute-api:eu-central-1:123456789012:abc/prod/POST/v1/plants/kz-ast-01/telemetry';

describe('authorizer refusals', () => {
  it('reports missing, malformed, unknown and revoked tokens by reason, and allows a good one silently', async () => {
    const tokens = new MemoryTokens();
    let seed = 7;
    const random = (n: number) =>
      Uint8Array.from({ length: n }, () => {
        seed = (seed * 48271) % 2147483647;
        return seed & 0xff;
      });
    const good = createGatewayToken({ gatewayId: 'gw-1', plants: ['kz-ast-01'], now: NOW, random });
    const revoked = createGatewayToken({ gatewayId: 'gw-2', plants: ['kz-ast-01'], now: NOW, random });
    const unknown = createGatewayToken({ gatewayId: 'gw-3', plants: ['kz-ast-01'], now: NOW, random });
    await tokens.putToken(good.record);
    await tokens.putToken({ ...revoked.record, revokedAt: NOW });
    const reasons: string[] = [];
    const authorize = makeAuthorizerHandler({ tokens, refused: (reason) => reasons.push(reason) });
    const call = (authorization?: string) =>
      authorize({
        methodArn: ARN,
        headers: authorization === undefined ? {} : { Authorization: authorization },
      });

    for (const header of [
      undefined,
      'Bearer not-a-token',
      `Bearer ${unknown.token}`,
      `Bearer ${revoked.token}`,
    ])
      await expect(call(header)).rejects.toThrow(UNAUTHORIZED);
    await expect(call(`Bearer ${good.token}`)).resolves.toMatchObject({ principalId: 'gw-1' });
    expect(reasons).toEqual(['missing', 'malformed', 'unknown', 'revoked']);
  });
});
