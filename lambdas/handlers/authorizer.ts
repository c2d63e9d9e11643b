/**
 * Lambda REQUEST authorizer for gateway ingest. Valid tokens get a policy
 * that allows POSTing telemetry for exactly the plants the token is bound to;
 * missing, malformed, unknown and revoked tokens get 401 ("Unauthorized").
 */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { bearerToken, verifyGatewayToken } from '../auth/gateway-tokens.ts';
import { type AuthorizerPolicy, allowPlantsPolicy } from '../auth/policy.ts';
import type { StateStore } from '../domain/ports.ts';

export interface AuthorizerDeps {
  readonly tokens: Pick<StateStore, 'getToken'>;
  /** Hears of each refused token, with why (never the token itself). */
  readonly refused?: (reason: 'missing' | 'malformed' | 'unknown' | 'revoked') => void;
}

/** API Gateway maps exactly this error message to a 401 response. */
export const UNAUTHORIZED = 'Unauthorized';

function header(
  headers: Record<string, string | undefined> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function makeAuthorizerHandler(deps: AuthorizerDeps) {
  return async (
    event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'methodArn'>,
  ): Promise<AuthorizerPolicy> => {
    const verification = await verifyGatewayToken(
      deps.tokens,
      bearerToken(header(event.headers, 'authorization')),
    );
    if (!verification.ok) {
      deps.refused?.(verification.reason);
      throw new Error(UNAUTHORIZED);
    }
    const { token } = verification;
    return allowPlantsPolicy(event.methodArn, token.gatewayId, token.plants, {
      gatewayId: token.gatewayId,
      tokenId: token.tokenId,
      plants: token.plants.join(','),
    });
  };
}
