/**
 * Local mode's state store in a process of its own: it serves the DynamoDB
 * protocol, keeps what it was given on disk across a restart, stops with
 * close, and a child that dies while in use is reported (never silent).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createStateTable } from '../../lambdas/adapters/dynamo/state-table.ts';
import { startDynalite } from '../../lambdas/local/dynalite-server.ts';

const TABLE = 'wte-local-state';
const KEY = { pk: { S: 'PLANT#kz-test' }, sk: { S: 'CONFIG' } };

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('dynalite in its own process', () => {
  it('serves, keeps its data across a restart, and stops with close', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wte-dynalite-')), 'dynamo');
    const first = await startDynalite({ path, ownProcess: true });
    expect(first.pid).toBeGreaterThan(0);
    expect(first.pid).not.toBe(process.pid);
    await createStateTable(first.client, TABLE);
    await first.client.send(new PutItemCommand({ TableName: TABLE, Item: { ...KEY, note: { S: 'kept' } } }));
    await first.close();
    expect(alive(first.pid as number)).toBe(false);

    const second = await startDynalite({ path, ownProcess: true });
    try {
      const got = await second.client.send(new GetItemCommand({ TableName: TABLE, Key: KEY }));
      expect(got.Item?.note).toEqual({ S: 'kept' });
    } finally {
      await second.close();
    }
  });

  it('reports a child that stopped while in use', async () => {
    let reported: { code: number | null; signal: string | null } | undefined;
    const running = await startDynalite({
      ownProcess: true,
      onExit: (exit) => {
        reported = exit;
      },
    });
    process.kill(running.pid as number, 'SIGKILL');
    const deadline = Date.now() + 5_000;
    while (reported === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(reported).toBeDefined();
    expect(reported?.code ?? reported?.signal).not.toBe(0);
    await running.close();
  });
});
