/**
 * Gateway authentication in local mode, shared by the HTTP authorizer
 * emulation and the MQTT broker: real gateway tokens (`wte token create`)
 * verified exactly as on AWS, plus the local-only dev token (`WTE_DEV_TOKEN`),
 * accepted for every plant.
 */
import { timingSafeEqual } from 'node:crypto';
import { ALL_PLANTS, bearerToken, tokenAllowsPlant, verifyGatewayToken } from '../auth/gateway-tokens.ts';
import { type AuthorizerPolicy, allowPlantsPolicy } from '../auth/policy.ts';
import type { StateStore } from '../domain/ports.ts';
import { makeAuthorizerHandler } from '../handlers/authorizer.ts';
import type { Authorizer } from './gateway-emulation.ts';

export const DEV_GATEWAY_ID = 'dev';

export interface GatewayIdentity {
  readonly gatewayId: string;
  readonly plants: readonly string[];
  /** Authenticated with local mode's dev token (every plant, any username). */
  readonly dev?: true;
}

/**
 * The MQTT client ids a gateway token may connect with: its gateway id, or
 * its gateway id, `/` and any suffix (several connections of one gateway).
 * `/` is not in a gateway id, so no gateway can take another's id. On AWS the
 * IoT policy allows only the thing name itself: use the gateway id there.
 */
export function clientIdAllowed(identity: GatewayIdentity, clientId: string): boolean {
  return (
    identity.dev === true || clientId === identity.gatewayId || clientId.startsWith(`${identity.gatewayId}/`)
  );
}

export function identityAllowsPlant(identity: GatewayIdentity, plantId: string): boolean {
  return tokenAllowsPlant(identity, plantId);
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The HTTP authorizer of local mode: the dev token, or the deployed authorizer handler itself. */
export function localAuthorizer(tokens: Pick<StateStore, 'getToken'>, devToken: string): Authorizer {
  const deployed = makeAuthorizerHandler({ tokens });
  return async (event) => {
    const presented = bearerToken(
      Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization')?.[1],
    );
    if (presented !== undefined && sameSecret(presented, devToken)) {
      return allowPlantsPolicy(event.methodArn, DEV_GATEWAY_ID, [ALL_PLANTS], {
        gatewayId: DEV_GATEWAY_ID,
        tokenId: DEV_GATEWAY_ID,
        plants: ALL_PLANTS,
      }) satisfies AuthorizerPolicy;
    }
    return deployed(event);
  };
}

/**
 * MQTT CONNECT: the password is the token; the username must be the token's
 * gateway id (any username with the dev token).
 */
export async function authenticateGateway(
  tokens: Pick<StateStore, 'getToken'>,
  devToken: string,
  username: string,
  token: string,
): Promise<GatewayIdentity | undefined> {
  if (sameSecret(token, devToken))
    return { gatewayId: username || DEV_GATEWAY_ID, plants: [ALL_PLANTS], dev: true };
  const verification = await verifyGatewayToken(tokens, token);
  if (!verification.ok || verification.token.gatewayId !== username) return undefined;
  return { gatewayId: verification.token.gatewayId, plants: verification.token.plants };
}
