/**
 * The DuckDB store's kept series against its table, for what the property
 * tests do not generate: lines outside ASCII, where JavaScript's string order
 * (UTF-16 units) and DuckDB's (code points) differ, and invalid arguments,
 * refused on a kept series as the table refuses them.
 */
import { describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import type { SeriesQuery } from '../../../lambdas/domain/metrics-ports.ts';
import { BASE_VERSION } from '../../../lambdas/domain/ports.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, NOW, PLANT, reading } from './fixtures.ts';

const view = (rs: readonly { line: string; ts: number; version: number; value: number }[]) =>
  rs.map((r) => `${r.line}@${r.ts}v${r.version}:${r.value}`);

describe('reading window cache, non-ASCII lines', () => {
  it('answers as the table does after a correction', async () => {
    const store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
    try {
      const ts = NOW - 10 * MINUTE;
      const a = reading({ line: '\uFF21', ts, value: 800 });
      const b = reading({ line: '\u{1F600}', ts, value: 900 });
      expect((await store.writeReadings([a, b])).rejected).toEqual([]);
      const query: SeriesQuery = {
        plantId: PLANT,
        metric: 'furnace_temperature',
        from: NOW - 60 * MINUTE,
        to: NOW,
      };
      // Loads the series into the cache (table order: U+FF21 first, by UTF-8 bytes).
      expect(view(await store.readReadings(query))).toEqual(view(await store.queries().readReadings(query)));
      const fix = reading({ line: '\u{1F600}', ts, value: 950, version: BASE_VERSION + 1, correction: true });
      expect((await store.writeReadings([fix])).rejected).toEqual([]);
      const table = await store.queries().readReadings(query);
      expect(table).toHaveLength(2);
      expect(view(await store.readReadings(query))).toEqual(view(table));
    } finally {
      await store.close();
    }
  });
});

describe('reading window cache, invalid line on a kept series', () => {
  it('refuses a line with NUL as the table does', async () => {
    const store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
    try {
      await store.writeReadings([reading({ line: 'boiler-1', ts: NOW - 10 * MINUTE })]);
      const query: SeriesQuery = {
        plantId: PLANT,
        metric: 'furnace_temperature',
        from: NOW - 60 * MINUTE,
        to: NOW,
      };
      await store.readReadings(query); // loads the series
      const bad = { ...query, line: 'boiler-1\u0000' };
      await expect((async () => store.queries().readReadings(bad))()).rejects.toThrow(RangeError);
      await expect((async () => store.readReadings(bad))()).rejects.toThrow(RangeError);
    } finally {
      await store.close();
    }
  });
});
