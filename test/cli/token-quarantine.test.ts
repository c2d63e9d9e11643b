import { SendMessageBatchCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/wte.ts';
import { quarantineCommand } from '../../cli/quarantine-command.ts';
import { queueFrom } from '../../cli/targets.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { verifyGatewayToken } from '../../lambdas/auth/gateway-tokens.ts';
import type { QuarantineEntry } from '../../lambdas/domain/ports.ts';
import { decodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';

let dynalite: RunningDynalite;
let store: DynamoStateStore;
const TABLE = 'cli-state';

beforeAll(async () => {
  dynalite = await startDynalite();
  await createStateTable(dynalite.client, TABLE);
  store = new DynamoStateStore({ client: dynalite.client, tableName: TABLE });
});
afterAll(async () => {
  await dynalite.close();
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--endpoint', dynalite.endpoint, '--table', TABLE], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('wte token', () => {
  it('creates a token that verifies, lists it without its hash, and revokes it', async () => {
    const created = await run('token', 'create', '--gateway', 'gw-ast-01', '--plant', 'kz-ast-01', '--json');
    expect(created.code).toBe(0);
    const { token, tokenId } = JSON.parse(created.out) as { token: string; tokenId: string };
    expect(await verifyGatewayToken(store, token)).toMatchObject({ ok: true });

    const listed = await run('token', 'list', '--json');
    expect(listed.out).toContain(tokenId);
    expect(listed.out).not.toContain('secretHash');
    expect(listed.out).not.toContain(token);

    expect((await run('token', 'revoke', tokenId)).code).toBe(0);
    expect(await verifyGatewayToken(store, token)).toEqual({ ok: false, reason: 'revoked' });
    expect((await run('token', 'revoke', 'nosuchtoken')).code).toBe(1);
  });

  it('explains what create needs', async () => {
    const missing = await run('token', 'create', '--gateway', 'gw-1');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--plant');
  });
});

describe('wte quarantine', () => {
  const entry: QuarantineEntry = {
    quarantineId: 'q0123456789abcdef0123456789abcdef',
    plantId: 'kz-ast-01',
    messageId: 'gw:42',
    itemKind: 'reading',
    pointer: '/readings/3',
    type: 'urn:wte:problem:conflict',
    reason: 'a different value is already stored',
    item: {
      plantId: 'kz-ast-01',
      line: 'boiler-1',
      metric: 'furnace_temperature',
      kind: 'gauge',
      ts: Date.parse('2026-11-01T00:00:00Z'),
      value: 901,
      unit: 'degC',
      quality: 'GOOD',
      correction: false,
      version: 1,
    },
    quarantinedAt: Date.parse('2026-11-01T00:00:05Z'),
  };

  it('lists entries with their reasons', async () => {
    await store.putQuarantine([entry]);
    const listed = await run('quarantine', 'list', '--plant', 'kz-ast-01');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(entry.quarantineId);
    expect(listed.out).toContain('conflict');
  });

  it('replays an entry as a correction through the queue and removes it', async () => {
    await store.putQuarantine([entry]);
    const sqsClient = new SQSClient({ region: 'local' });
    const sqs = mockClient(sqsClient);
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const configs: SQSClientConfig[] = [];
    const queue = () =>
      queueFrom({ 'queue-url': 'https://sqs.local/q', region: 'eu-central-1' }, {}, (config) => {
        configs.push(config);
        return sqsClient;
      });
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const args = { action: 'replay', id: entry.quarantineId, limit: 50, asCorrection: true, json: false };
    const code = await quarantineCommand(
      io,
      store,
      queue,
      { now: () => Date.parse('2026-11-02T00:00:00Z') },
      args,
    );
    expect(code).toBe(0);
    expect(configs).toEqual([{ region: 'eu-central-1' }]);
    const [call] = sqs.commandCalls(SendMessageBatchCommand);
    expect(call?.args[0].input.QueueUrl).toBe('https://sqs.local/q');
    const decoded = decodeQueued(call?.args[0].input.Entries?.[0]?.MessageBody ?? '');
    if (!decoded.ok || !decoded.parsed.ok) throw new Error('replay did not decode');
    expect(decoded.envelope.source).toBe('replay');
    expect(decoded.parsed.message.readings).toEqual([
      expect.objectContaining({ metric: 'furnace_temperature', value: 901, correction: true }),
    ]);
    expect(await store.getQuarantine(entry.quarantineId)).toBeUndefined();
  });

  it('finds the queue in WTE_TELEMETRY_QUEUE_URL and the region in AWS_REGION, and needs one', async () => {
    const regions: Array<string | undefined> = [];
    const client = (config: SQSClientConfig) => {
      regions.push(config.region as string | undefined);
      return new SQSClient(config);
    };
    queueFrom({}, { WTE_TELEMETRY_QUEUE_URL: 'https://sqs.local/q', AWS_REGION: 'ap-south-1' }, client);
    queueFrom(
      { 'queue-url': 'https://sqs.local/q', region: 'eu-west-1' },
      { AWS_REGION: 'ap-south-1' },
      client,
    );
    expect(regions).toEqual(['ap-south-1', 'eu-west-1']);
    expect(() => queueFrom({}, {}, client)).toThrow('--queue-url URL or WTE_TELEMETRY_QUEUE_URL');
  });
});
