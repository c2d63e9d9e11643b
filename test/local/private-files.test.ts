/**
 * Local mode's data directory is owner-only (#22 item 4): started with a
 * permissive umask over a directory an older run left readable, every
 * directory under it is 0700 and every file 0600 once it has stored a
 * message (journal, DuckDB, the state store's LevelDB, alerts, dev token).
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  killChildren,
  postTelemetry,
  spawnLocal,
  tempDataDir,
  waitForEmptyQueue,
} from '../support/local-mode.ts';

const TOKEN = 'private-files-token-0123456789';
afterAll(() => killChildren());

/** Every path under `dir` that is not owner-only, with its mode. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) found.push(`${path} ${mode.toString(8)}`);
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if (mode !== 0o600) found.push(`${path} ${mode.toString(8)}`);
  };
  walk(dir);
  return found;
}

describe('local mode data directory', () => {
  it('is owner-only, every file and directory in it, whatever the umask', async () => {
    const dataDir = tempDataDir('private-files');
    // What an older run left: a readable directory and file.
    mkdirSync(join(dataDir, 'queue'), { recursive: true });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'queue'), 0o755);
    writeFileSync(join(dataDir, 'alerts.jsonl'), '', { mode: 0o644 });
    const before = process.umask(0o022);
    try {
      const local = await spawnLocal({ dataDir, devToken: TOKEN });
      const ts = new Date(Date.now() - 60_000).toISOString();
      const answer = await postTelemetry(
        local.httpUrl,
        'kz-private-1',
        {
          schema: 'wte.telemetry.v1',
          messageId: 'private-1',
          plantId: 'kz-private-1',
          readings: [{ ts, line: 'boiler-1', metric: 'steam_flow', value: 42 }],
          movements: [{ ticketId: 'PF-1', ts, direction: 'in', netTonnes: 9.5, material: 'mixed_waste' }],
        },
        { token: TOKEN },
      );
      expect(answer.status).toBe(202);
      await waitForEmptyQueue(local.httpUrl);
      expect(openToOthers(dataDir)).toEqual([]);
      local.child.kill('SIGTERM');
      await local.exited;
    } finally {
      process.umask(before);
    }
    expect(openToOthers(dataDir)).toEqual([]);
  });
});
