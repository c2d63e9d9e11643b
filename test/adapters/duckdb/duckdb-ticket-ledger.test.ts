/**
 * Local mode's ticket ledger in the metrics DuckDB file: it survives a
 * restart, and a file from before the ledger moved there (tickets only in
 * `movements`, the ledger in the local DynamoDB table) gets its ledger from
 * the movements, so a changed ticket is still a conflict after the upgrade.
 * It keeps where a corrected ticket was (former_ts), also in a file made
 * before that column.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, movement, NOW } from './fixtures.ts';

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

  it('keeps where a corrected ticket was across a restart, and tells it on every later outcome', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'duck-ledger-'));
    const file = path.join(dir, 'metrics.duckdb');
    const original = movement({ ts: NOW - 60 * MINUTE });
    const moved = movement({ ts: NOW - 30 * MINUTE, correction: true, version: NOW - 1000 });
    const first = await open(file);
    const [stored, corrected] = await first.recordMovements([original, moved]);
    expect(stored?.outcome).toBe('stored');
    expect(corrected).toEqual({
      outcome: 'corrected',
      movement: moved,
      previous: original,
      formerTs: [original.ts],
    });
    await first.close();

    const again = await open(file);
    try {
      const [redelivered, late, clash] = await again.recordMovements([
        { ...moved },
        original,
        { ...moved, netTonnes: 1 },
      ]);
      const formerTs = [original.ts];
      expect(redelivered).toEqual({ outcome: 'unchanged', movement: moved, formerTs });
      expect(late).toEqual({ outcome: 'superseded', movement: original, current: moved, formerTs });
      expect(clash).toMatchObject({ outcome: 'conflict', formerTs });
      const back = movement({ ts: original.ts, correction: true, version: NOW });
      expect(await again.recordMovements([back])).toEqual([
        { outcome: 'corrected', movement: back, previous: moved, formerTs: [moved.ts] },
      ]);
    } finally {
      await again.close();
    }
  });

  it('reads the tickets of a file made before former_ts as never moved, and keeps it from then on', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'duck-ledger-'));
    const file = path.join(dir, 'metrics.duckdb');
    const original = movement({ ts: NOW - 60 * MINUTE });
    const before = await open(file);
    await before.recordMovements([original]);
    await before.close();
    // What the previous version left: a ledger with the movements' columns only.
    const old = await DuckDBInstance.create(file);
    const c = await old.connect();
    await c.run('ALTER TABLE ticket_ledger DROP COLUMN former_ts');
    c.closeSync();
    old.closeSync();

    const upgraded = await open(file);
    const moved = movement({ ts: NOW - 30 * MINUTE, correction: true, version: NOW });
    try {
      expect(await upgraded.recordMovements([{ ...original }])).toEqual([
        { outcome: 'unchanged', movement: original },
      ]);
      expect((await upgraded.recordMovements([moved]))[0]).toMatchObject({ formerTs: [original.ts] });
    } finally {
      await upgraded.close();
    }
    const reopened = await open(file);
    try {
      expect(await reopened.recordMovements([original])).toEqual([
        { outcome: 'superseded', movement: original, current: moved, formerTs: [original.ts] },
      ]);
    } finally {
      await reopened.close();
    }
  });
});
