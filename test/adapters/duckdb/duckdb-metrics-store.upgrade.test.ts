/**
 * A local DuckDB file made before the readers shared the lake's SQL has no
 * `fingerprint` column on `movements`: the store adds it when it opens the
 * file, and the tickets already there read and correct as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { movement, NOW, PLANT } from './fixtures.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('opening a file from before the fingerprint column', () => {
  it('adds the column and keeps serving the tickets stored without it', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'duck-upgrade-'));
    const file = path.join(dir, 'metrics.duckdb');
    const old = await DuckDBInstance.create(file);
    const c = await old.connect();
    await c.run(`CREATE TABLE movements (plant_id VARCHAR NOT NULL, ticket_id VARCHAR NOT NULL, ts BIGINT NOT NULL,
      direction VARCHAR NOT NULL, net_tonnes DOUBLE NOT NULL, material VARCHAR NOT NULL, destination VARCHAR,
      operation_code VARCHAR, version BIGINT NOT NULL, PRIMARY KEY (plant_id, ticket_id))`);
    const ticket = movement();
    await c.run(
      `INSERT INTO movements VALUES ('${PLANT}', '${ticket.ticketId}', ${ticket.ts}, 'in', ${ticket.netTonnes}, 'mixed_waste', NULL, NULL, 1)`,
    );
    c.closeSync();
    old.closeSync();

    const store = await DuckDbMetricsStore.open({ path: file, clock: new FixedClock(NOW) });
    try {
      expect(await store.readMovements(PLANT, 0, NOW)).toEqual([ticket]);
      const fix = { ...ticket, netTonnes: 13, version: NOW - 1000, correction: true };
      expect(await store.writeMovements([fix])).toEqual({ stored: 1, rejected: [] });
      expect(await store.readMovements(PLANT, 0, NOW)).toEqual([fix]);
    } finally {
      await store.close();
    }
  });
});
