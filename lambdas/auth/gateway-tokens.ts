/**
 * Gateway bearer tokens: `wte_<tokenId>_<secret>`. The token id locates the
 * stored record without a scan; only the SHA-256 of the whole token is
 * stored, and it is compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GatewayToken, StateStore } from '../domain/ports.ts';

export const ALL_PLANTS = '*';

const TOKEN_PATTERN = /^wte_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const GATEWAY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;
const PLANT_PATTERN = /^[a-z0-9-]{1,64}$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export class TokenInputError extends Error {
  override readonly name = 'TokenInputError';
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface NewToken {
  /** The bearer token: shown once, never stored. */
  readonly token: string;
  readonly record: GatewayToken;
}

export interface CreateTokenInput {
  readonly gatewayId: string;
  readonly plants: readonly string[];
  readonly now: number;
  readonly label?: string;
  /** Source of randomness; crypto.randomBytes unless a test injects one. */
  readonly random?: (bytes: number) => Uint8Array;
}

export function createGatewayToken(input: CreateTokenInput): NewToken {
  if (!GATEWAY_ID_PATTERN.test(input.gatewayId)) {
    throw new TokenInputError(
      `gateway id must be 1 to 64 characters of [A-Za-z0-9._:-]; got ${JSON.stringify(input.gatewayId)}`,
    );
  }
  if (input.plants.length === 0) throw new TokenInputError('a token must allow at least one plant');
  for (const plant of input.plants) {
    if (plant !== ALL_PLANTS && !PLANT_PATTERN.test(plant)) {
      throw new TokenInputError(
        `plant ids are 1 to 64 characters of [a-z0-9-]; got ${JSON.stringify(plant)}`,
      );
    }
  }
  const random = input.random ?? ((n: number) => randomBytes(n));
  const idBytes = random(12);
  const tokenId = Array.from(idBytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
  const secret = Buffer.from(random(32)).toString('base64url');
  const token = `wte_${tokenId}_${secret}`;
  return {
    token,
    record: {
      tokenId,
      gatewayId: input.gatewayId,
      plants: [...new Set(input.plants)].sort(),
      secretHash: hashToken(token),
      createdAt: input.now,
      ...(input.label ? { label: input.label } : {}),
    },
  };
}

export type Verification =
  | { readonly ok: true; readonly token: GatewayToken }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'unknown' | 'revoked' };

/** Reads `Bearer <token>` (scheme case-insensitive) from an Authorization header value. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Checks a bearer token against the store. */
export async function verifyGatewayToken(
  tokens: Pick<StateStore, 'getToken'>,
  token: string | undefined,
): Promise<Verification> {
  if (token === undefined || token === '') return { ok: false, reason: 'missing' };
  const match = TOKEN_PATTERN.exec(token);
  const tokenId = match?.[1];
  if (!tokenId) return { ok: false, reason: 'malformed' };
  const record = await tokens.getToken(tokenId);
  if (!record) return { ok: false, reason: 'unknown' };
  const expected = Buffer.from(record.secretHash, 'hex');
  const actual = Buffer.from(hashToken(token), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    return { ok: false, reason: 'unknown' };
  if (record.revokedAt !== undefined) return { ok: false, reason: 'revoked' };
  return { ok: true, token: record };
}

export function tokenAllowsPlant(token: Pick<GatewayToken, 'plants'>, plantId: string): boolean {
  return token.plants.includes(ALL_PLANTS) || token.plants.includes(plantId);
}
