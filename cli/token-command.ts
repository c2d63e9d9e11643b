import { createGatewayToken } from '../lambdas/auth/gateway-tokens.ts';
import type { Clock, StateStore } from '../lambdas/domain/ports.ts';
import { type CliIo, UsageError } from './io.ts';

export type TokenStore = Pick<StateStore, 'putToken' | 'listTokens' | 'revokeToken'>;

export interface TokenArgs {
  readonly action: string | undefined;
  readonly gateway?: string;
  readonly plants: readonly string[];
  readonly label?: string;
  readonly tokenId?: string;
  readonly json: boolean;
}

/**
 * `wte token create|list|revoke`: gateway tokens. The token is printed once at
 * creation and never stored; only its hash is.
 */
export async function tokenCommand(
  io: CliIo,
  store: TokenStore,
  clock: Clock,
  args: TokenArgs,
): Promise<number> {
  switch (args.action) {
    case 'create': {
      if (!args.gateway) throw new UsageError('--gateway GATEWAY_ID is required');
      if (args.plants.length === 0) throw new UsageError('at least one --plant PLANT_ID is required');
      const { token, record } = createGatewayToken({
        gatewayId: args.gateway,
        plants: args.plants,
        now: clock.now(),
        ...(args.label ? { label: args.label } : {}),
      });
      await store.putToken(record);
      if (args.json) {
        io.out(
          JSON.stringify({
            token,
            tokenId: record.tokenId,
            gatewayId: record.gatewayId,
            plants: record.plants,
          }),
        );
      } else {
        io.out(token);
        io.err(
          `token ${record.tokenId} for gateway ${record.gatewayId}, plants ${record.plants.join(', ')}: store it now, it is not shown again`,
        );
      }
      return 0;
    }
    case 'list': {
      const tokens = (await store.listTokens()).sort((a, b) => a.createdAt - b.createdAt);
      if (args.json) {
        io.out(JSON.stringify(tokens.map(({ secretHash: _hash, ...rest }) => rest)));
        return 0;
      }
      for (const t of tokens) {
        const state = t.revokedAt === undefined ? 'active' : `revoked ${new Date(t.revokedAt).toISOString()}`;
        io.out(
          `${t.tokenId}  ${t.gatewayId}  ${t.plants.join(',')}  ${new Date(t.createdAt).toISOString()}  ${state}${t.label ? `  ${t.label}` : ''}`,
        );
      }
      return 0;
    }
    case 'revoke': {
      if (!args.tokenId)
        throw new UsageError('the token id to revoke is required: wte token revoke TOKEN_ID');
      const found = await store.revokeToken(args.tokenId, clock.now());
      if (!found) {
        io.err(`no token ${JSON.stringify(args.tokenId)}`);
        return 1;
      }
      io.err(`token ${args.tokenId} revoked`);
      return 0;
    }
    default:
      throw new UsageError(
        'usage: wte token create --gateway ID --plant P [--plant P2] [--label TEXT] | list | revoke ID',
      );
  }
}
