/**
 * Local mode's state store in a process of its own: it serves the DynamoDB
 * protocol, keeps what it was given on disk across a restart, stops with
 * close, starts a child that died again on its port, and reports one that keeps
 * dying (never silent); close waits for a restart in flight.
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  it('starts a child that died again on its port, with its data, and reports one that keeps dying', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wte-dynalite-')), 'dynamo');
    const restarted: Array<{ code: number | null; signal: string | null }> = [];
    let gone: { code: number | null; signal: string | null } | undefined;
    const running = await startDynalite({
      path,
      ownProcess: true,
      onRestart: (exit) => restarted.push(exit),
      onExit: (exit) => {
        gone = exit;
      },
    });
    try {
      await createStateTable(running.client, TABLE);
      await running.client.send(
        new PutItemCommand({ TableName: TABLE, Item: { ...KEY, note: { S: 'kept' } } }),
      );
      const waitFor = async (done: () => boolean) => {
        for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
      };

      const first = running.pid as number;
      process.kill(first, 'SIGKILL');
      await waitFor(() => restarted.length === 1 && running.pid !== first);
      expect(restarted[0]?.signal).toBe('SIGKILL');
      expect(alive(running.pid as number)).toBe(true);
      // The same endpoint serves again, from the same files.
      const got = await running.client.send(new GetItemCommand({ TableName: TABLE, Key: KEY }));
      expect(got.Item?.note).toEqual({ S: 'kept' });

      // Three restarts a minute at most: the fourth death in a row is reported, not restarted.
      for (let kill = 2; kill <= 4; kill++) {
        const pid = running.pid as number;
        process.kill(pid, 'SIGKILL');
        await waitFor(() => gone !== undefined || (restarted.length === kill && running.pid !== pid));
      }
      expect(restarted).toHaveLength(3);
      expect(gone?.signal).toBe('SIGKILL');
    } finally {
      await running.close();
    }
  });
  it('waits for a restart in flight on close, so no child runs once close has resolved', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wte-dynalite-')), 'dynamo');
    const restartedAfterClose: unknown[] = [];
    let closed = false;
    const running = await startDynalite({
      path,
      ownProcess: true,
      onRestart: (exit) => {
        if (closed) restartedAfterClose.push(exit);
      },
    });
    const first = running.pid as number;
    process.kill(first, 'SIGKILL');
    // Once the child is reaped the parent has seen its exit and the supervisor is spawning again.
    while (alive(first)) await sleep(2);
    await running.close();
    closed = true;
    const pidAtClose = running.pid;
    let lateChild: number | undefined;
    for (let i = 0; i < 300 && lateChild === undefined; i++) {
      await sleep(10);
      if (running.pid !== pidAtClose && alive(running.pid as number)) lateChild = running.pid;
    }
    // Let the supervisor stop it, so this test leaks nothing.
    await sleep(1500);
    expect({ restartedAfterClose: restartedAfterClose.length, lateChild }).toEqual({
      restartedAfterClose: 0,
      lateChild: undefined,
    });
  });
});
