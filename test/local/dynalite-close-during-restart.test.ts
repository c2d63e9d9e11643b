/**
 * close() while the supervisor is starting a dead child again: close waits
 * for that restart and stops the new child, so no child runs (holding the
 * port and the LevelDB directory) and no restart is reported once close has
 * resolved.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDynalite } from '../../lambdas/local/dynalite-server.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dynalite close during a restart', () => {
  it('starts no child once close has resolved', async () => {
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
