/**
 * Local mode's state store checks who is asking (#22 item 3): a request whose
 * SigV4 signature was not made with this installation's key pair is refused
 * with DynamoDB's error shapes (a made-up key, the right key with a wrong
 * secret, no signature, a signed request whose body was changed, a date
 * outside the 15-minute window); one signed with the pair works, also after
 * refusals and after the state store's process was started again. The pair is made on first start, kept owner-only in the data
 * directory, and the same on the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTable } from '../../lambdas/adapters/dynamo/state-table.ts';
import { type RunningDynalite, startDynalite } from '../../lambdas/local/dynalite-server.ts';
import {
  STATE_STORE_CREDENTIALS_FILE,
  type StateStoreKeyPair,
  stateStoreKeyPairOf,
} from '../../lambdas/local/local-secrets.ts';
import { startLocal, tempDataDir } from '../support/local-mode.ts';

const TABLE = 'wte-local-state';
const KEY = { pk: { S: 'TOKEN#t1' }, sk: { S: 'TOKEN' } };

function clientWith(
  endpoint: string,
  credentials: StateStoreKeyPair,
  extra: { systemClockOffset?: number } = {},
) {
  return new DynamoDBClient({ region: 'local', endpoint, credentials, maxAttempts: 1, ...extra });
}

/** The error a call is refused with: its DynamoDB type and HTTP status. */
async function refusal(
  call: Promise<unknown>,
): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('the call was not refused');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const madeUp = (): StateStoreKeyPair => ({
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
});

describe('the state store in its own process, given a key pair', () => {
  let keys: StateStoreKeyPair;
  let store: RunningDynalite;
  let signed: DynamoDBClient;

  beforeAll(async () => {
    const dataDir = tempDataDir('sigv4');
    keys = await stateStoreKeyPairOf(dataDir);
    store = await startDynalite({ path: join(dataDir, 'dynamo'), ownProcess: true, credentials: keys });
    signed = clientWith(store.endpoint, keys);
    await createStateTable(signed, TABLE);
    await signed.send(new PutItemCommand({ TableName: TABLE, Item: { ...KEY, secret: { S: 'hash' } } }));
  });
  afterAll(async () => {
    signed?.destroy();
    await store?.close();
  });

  it('refuses a request signed with a made-up key and secret (or none), as DynamoDB refuses an unknown key', async () => {
    const forged = clientWith(store.endpoint, madeUp());
    expect(await refusal(forged.send(new GetItemCommand({ TableName: TABLE, Key: KEY })))).toEqual({
      name: 'UnrecognizedClientException',
      status: 400,
      message: 'The security token included in the request is invalid.',
    });
    // The dummy pair every local client used before is refused too.
    const dummy = clientWith(store.endpoint, { accessKeyId: 'local', secretAccessKey: 'local' });
    expect((await refusal(dummy.send(new ListTablesCommand({})))).name).toBe('UnrecognizedClientException');
    // And one without any signature, with the error JSON DynamoDB sends.
    const response = await fetch(store.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
      message: 'Request is missing Authentication Token',
    });
  });

  it('refuses the right key id with a wrong secret', async () => {
    const wrongSecret = clientWith(store.endpoint, { ...keys, secretAccessKey: madeUp().secretAccessKey });
    expect(await refusal(wrongSecret.send(new GetItemCommand({ TableName: TABLE, Key: KEY })))).toMatchObject(
      {
        name: 'InvalidSignatureException',
        status: 400,
        message: expect.stringContaining('does not match the signature you provided'),
      },
    );
  });

  it('refuses a signed request whose body was changed after signing, its hash header too or not', async () => {
    for (const rehash of [false, true]) {
      const tampering = clientWith(store.endpoint, keys);
      // After the signing step: the body sent is not the body signed.
      tampering.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { body?: unknown; headers: Record<string, string> };
          const changed = String(request.body).replace('TOKEN#t1', 'TOKEN#t2');
          request.body = changed;
          if (rehash)
            request.headers['x-amz-content-sha256'] = createHash('sha256').update(changed).digest('hex');
          return next(args);
        },
        { step: 'deserialize' },
      );
      // The body's hash no longer matches its header; or it does, and the signature over it does not.
      expect(await refusal(tampering.send(new GetItemCommand({ TableName: TABLE, Key: KEY })))).toMatchObject(
        {
          name: 'InvalidSignatureException',
          ...(rehash
            ? { message: expect.stringContaining('does not match the signature you provided') }
            : {}),
        },
      );
    }
  });

  it('refuses a signature dated more than 15 minutes away, either way', async () => {
    for (const [offset, why] of [
      [-20 * 60_000, 'Signature expired'],
      [20 * 60_000, 'Signature not yet current'],
    ] as const) {
      const skewed = clientWith(store.endpoint, keys, { systemClockOffset: offset });
      expect(await refusal(skewed.send(new ListTablesCommand({})))).toMatchObject({
        name: 'InvalidSignatureException',
        message: expect.stringContaining(why),
      });
    }
  });

  it('serves a request signed with the installation key pair, also after refusals', async () => {
    const got = await signed.send(new GetItemCommand({ TableName: TABLE, Key: KEY }));
    expect(got.Item?.secret).toEqual({ S: 'hash' });
    // Its own client (what local mode's stores use) signs with the pair too.
    const own = await store.client.send(new ListTablesCommand({}));
    expect(own.TableNames).toContain(TABLE);
  });
});

describe('the state store started again after its process died', () => {
  it('listens on the same port and still refuses what it refused', async () => {
    const dataDir = tempDataDir('sigv4-restart');
    const keys = await stateStoreKeyPairOf(dataDir);
    let restarts = 0;
    const store = await startDynalite({
      path: join(dataDir, 'dynamo'),
      ownProcess: true,
      credentials: keys,
      onRestart: () => {
        restarts++;
      },
    });
    try {
      const first = store.pid as number;
      process.kill(first, 'SIGKILL');
      for (let i = 0; i < 500 && !(restarts === 1 && store.pid !== first); i++) await sleep(20);
      expect(restarts).toBe(1);
      const forged = clientWith(store.endpoint, madeUp());
      expect((await refusal(forged.send(new ListTablesCommand({})))).name).toBe(
        'UnrecognizedClientException',
      );
      expect((await store.client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('local mode', () => {
  it('makes the key pair on first start, owner-only, keeps it, and its state store refuses others', async () => {
    const dataDir = tempDataDir('sigv4-local');
    const first = await startLocal({ dataDir, devToken: 'sigv4-local-dev-token' });
    let keys: StateStoreKeyPair;
    try {
      const file = join(dataDir, STATE_STORE_CREDENTIALS_FILE);
      expect(first.stateStoreCredentialsFile).toBe(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      // A copy: the SDK marks the credentials objects it is given.
      keys = { ...(await stateStoreKeyPairOf(dataDir)) };
      expect(readFileSync(file, 'utf8')).toContain(`aws_secret_access_key = ${keys.secretAccessKey}`);

      const forged = clientWith(first.dynamoEndpoint, madeUp());
      expect((await refusal(forged.send(new ListTablesCommand({})))).name).toBe(
        'UnrecognizedClientException',
      );
      const signed = clientWith(first.dynamoEndpoint, { ...keys });
      expect((await signed.send(new ListTablesCommand({}))).TableNames).toContain(first.stateTable);
      signed.destroy();
    } finally {
      await first.close();
    }
    // A second start keeps the pair: clients configured with it keep working.
    const second = await startLocal({ dataDir, devToken: 'sigv4-local-dev-token' });
    try {
      expect(await stateStoreKeyPairOf(dataDir)).toEqual(keys);
      const signed = clientWith(second.dynamoEndpoint, { ...keys });
      expect((await signed.send(new ListTablesCommand({}))).TableNames).toContain(second.stateTable);
      signed.destroy();
    } finally {
      await second.close();
    }
  }, 120_000);
});
