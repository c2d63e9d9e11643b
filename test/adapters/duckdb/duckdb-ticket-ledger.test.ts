/**
 * Local mode's ticket ledger in the metrics DuckDB file: it survives a
 * restart, and a file from before the ledger moved there (tickets only in
 * `movements`, the ledger in the local DynamoDB table) gets its ledger from
 * the movements, so a changed ticket is still a conflict after the upgrade.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { movement, NOW } from './fixtures.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const open = (file: string) => DuckDbMetricsStore.open({ path: file, clock: new FixedClock(NOW) });

describe('DuckDB ticket ledger', () => {
  it('keeps its tickets across a restart', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'duck-ledger-'));
    const file = path.join(dir, 'metrics.duckdb');
    const ticket = movement();
    const first = await open(file);
    expect((await first.recordMovements([ticket]))[0]?.outcome).toBe('stored');
    await first.close();

    const again = await open(file);
    try {
      const [same, changed] = await again.recordMovements([
        ticket,
        { ...ticket, netTonnes: ticket.netTonnes + 1 },
      ]);
      expect(same?.outcome).toBe('unchanged');
      expect(changed?.outcome).toBe('conflict');
    } finally {
      await again.close();
    }
  });

  it('is seeded from the movements of a file made before it', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'duck-ledger-'));
    const file = path.join(dir, 'metrics.duckdb');
    const ticket = movement();
    const before = await open(file);
    await before.writeMovements([ticket]);
    await before.close();
    // What an older version left: the movements, and no ledger table.
    const old = await DuckDBInstance.create(file);
    const c = await old.connect();
    await c.run('DROP TABLE ticket_ledger');
    c.closeSync();
    old.closeSync();

    const upgraded = await open(file);
    try {
      const [same, changed, other] = await upgraded.recordMovements([
        ticket,
        { ...ticket, netTonnes: ticket.netTonnes + 1 },
        { ...ticket, ticketId: 'WB-NEW' },
      ]);
      expect(same?.outcome).toBe('unchanged');
      expect(changed?.outcome === 'conflict' && changed.current).toEqual(ticket);
      expect(other?.outcome).toBe('stored');
    } finally {
      await upgraded.close();
    }
  });
});
