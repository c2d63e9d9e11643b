/**
 * `wte token` against a running local mode whose state store checks
 * signatures (#22 item 3): it signs with the installation's key pair, found
 * in the data directory as `wte local` finds it (--data-dir, WTE_DATA_DIR) or
 * in a file named with --credentials-file; without the pair it is refused,
 * with a message that says where the pair is, and stores nothing.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/wte.ts';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { verifyGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import {
  formatStateStoreCredentials,
  STATE_STORE_CREDENTIALS_FILE,
  stateStoreKeyPairOf,
} from '../../lambdas/local/local-secrets.ts';
import type { LocalMode } from '../../lambdas/local/runtime.ts';
import { startLocal, tempDataDir } from '../support/local-mode.ts';

let dataDir: string;
let local: LocalMode;
let store: DynamoStateStore;

beforeAll(async () => {
  dataDir = tempDataDir('token-keys');
  local = await startLocal({ dataDir, devToken: 'token-keys-dev-token' });
  store = new DynamoStateStore({
    client: new DynamoDBClient({
      region: 'local',
      endpoint: local.dynamoEndpoint,
      credentials: { ...(await stateStoreKeyPairOf(dataDir)) },
    }),
    tableName: local.stateTable,
  });
}, 60_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  await local?.close();
});

async function token(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ['token', ...args, '--endpoint', local.dynamoEndpoint, '--table', local.stateTable],
    {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function created(...args: string[]): Promise<{ token: string; tokenId: string }> {
  const answer = await token('create', '--gateway', 'gw-keys', '--plant', 'kz-ast-01', '--json', ...args);
  expect(answer).toMatchObject({ code: 0 });
  return JSON.parse(answer.out) as { token: string; tokenId: string };
}

describe('wte token against local mode', () => {
  it('creates a working token with the key pair from --data-dir', async () => {
    const { token: bearer } = await created('--data-dir', dataDir);
    expect(await verifyGatewayToken(store, bearer)).toMatchObject({ ok: true });
  });

  it('finds the data directory in WTE_DATA_DIR as wte local does', async () => {
    vi.stubEnv('WTE_DATA_DIR', dataDir);
    try {
      const { token: bearer, tokenId } = await created();
      expect(await verifyGatewayToken(store, bearer)).toMatchObject({ ok: true });
      const listed = await token('list', '--json');
      expect(listed.out).toContain(tokenId);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('takes the key pair from a file named with --credentials-file', async () => {
    const file = join(tempDataDir('token-keys-file'), 'keys');
    writeFileSync(file, formatStateStoreCredentials(await stateStoreKeyPairOf(dataDir)), { mode: 0o600 });
    const { token: bearer } = await created('--credentials-file', file);
    expect(await verifyGatewayToken(store, bearer)).toMatchObject({ ok: true });
  });

  it('is refused, storing nothing, when signed with any other pair, and says where the pair is', async () => {
    const before = (await store.listTokens()).length;
    const otherDir = tempDataDir('token-keys-other');
    writeFileSync(
      join(otherDir, STATE_STORE_CREDENTIALS_FILE),
      formatStateStoreCredentials({
        accessKeyId: `WTELOCAL${randomBytes(6).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64url'),
      }),
    );
    const refused = await token('create', '--gateway', 'gw-forged', '--plant', '*', '--data-dir', otherDir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('UnrecognizedClientException');
    expect(refused.err).toContain('--data-dir');
    // No pair named and none in the default data directory: the dummy pair, refused the same way.
    vi.stubEnv('WTE_DATA_DIR', undefined);
    vi.stubEnv('WTE_STATE_STORE_CREDENTIALS', undefined);
    const unsigned = await token('create', '--gateway', 'gw-forged', '--plant', '*');
    expect(unsigned.code).toBe(1);
    expect(unsigned.err).toContain('refused');
    expect(await store.listTokens()).toHaveLength(before);
  });

  it('names the missing file when the data directory has no key pair', async () => {
    const empty = tempDataDir('token-keys-empty');
    const answer = await token('list', '--data-dir', empty);
    expect(answer.code).toBe(1);
    expect(answer.err).toContain(join(empty, STATE_STORE_CREDENTIALS_FILE));
  });
});
