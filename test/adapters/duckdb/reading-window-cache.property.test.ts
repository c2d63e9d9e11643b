/**
 * The DuckDB store answers its pipeline's recent series reads from memory
 * (reading-window-cache.ts). Whatever the writes (new readings, corrections
 * of any version, in any order and chunking) and whether reads run alone or
 * beside writes, every read must answer what one read of the table gives:
 * the query API's reads, on their own connections, never use the cache.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import type { SeriesQuery } from '../../../lambdas/domain/metrics-ports.ts';
import { BASE_VERSION, type StoredReading } from '../../../lambdas/domain/ports.ts';
import { QUALITIES } from '../../../lambdas/domain/telemetry.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, NOW, PLANT, reading } from './fixtures.ts';

const LINES = ['boiler-1', 'boiler-2'] as const;
/** Reads the alert step makes (recent), one from before the kept horizon, and one line only. */
const QUERIES: readonly Omit<SeriesQuery, 'plantId' | 'metric'>[] = [
  { from: NOW - 60 * MINUTE, to: NOW },
  { from: NOW - 30 * MINUTE, to: NOW - 10 * MINUTE },
  { from: NOW - 20 * MINUTE, to: NOW + 10 * MINUTE, line: 'boiler-2' },
  { from: NOW - 5 * 60 * MINUTE, to: NOW },
];

interface Write {
  readonly line: string;
  readonly minute: number;
  readonly version: number;
  readonly value: number;
  readonly quality: (typeof QUALITIES)[number];
}

const write: fc.Arbitrary<Write[]> = fc.array(
  fc.record({
    line: fc.constantFrom(...LINES),
    minute: fc.integer({ min: -70, max: 10 }),
    version: fc.integer({ min: 0, max: 3 }),
    value: fc.double({ min: 500, max: 1200, noNaN: true }),
    quality: fc.constantFrom(...QUALITIES),
  }),
  { minLength: 1, maxLength: 6 },
);
const scenario = fc.array(fc.tuple(write, fc.integer({ min: 0, max: QUERIES.length - 1 })), {
  minLength: 1,
  maxLength: 15,
});

/** The readings of one (line, ts) in the versions written; the same version always has the same content. */
function itemsOf(ops: ReadonlyArray<readonly [Write[], number]>): StoredReading[][] {
  const first = new Map<string, StoredReading>();
  return ops.map(([batch]) =>
    batch.map((w) => {
      const version = w.version === 0 ? BASE_VERSION : BASE_VERSION + w.version;
      const key = `${w.line}|${w.minute}|${version}`;
      const known = first.get(key);
      if (known) return known;
      const r = reading({
        line: w.line,
        ts: NOW + w.minute * MINUTE,
        value: w.value,
        quality: w.quality,
        version,
        correction: version > BASE_VERSION,
      });
      first.set(key, r);
      return r;
    }),
  );
}

const view = (rs: readonly StoredReading[]) =>
  rs.map((r) => `${r.line}@${r.ts}v${r.version}:${r.value}:${r.quality}:${r.correction}:${r.kind}:${r.unit}`);

describe('DuckDB pipeline series kept in memory', () => {
  it('answer every read as the table does, whatever was written in between', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (ops) => {
        const store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
        try {
          const batches = itemsOf(ops);
          for (const [i, [, q]] of ops.entries()) {
            await store.writeReadings(batches[i] as StoredReading[]);
            const query = {
              plantId: PLANT,
              metric: 'furnace_temperature' as const,
              ...QUERIES[q],
            } as SeriesQuery;
            const kept = await store.readReadings(query);
            const table = await store.queries().readReadings(query);
            expect(view(kept)).toEqual(view(table));
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('answer reads run beside writes with a state the table held', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (ops) => {
        const store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
        try {
          const batches = itemsOf(ops);
          const pending: Promise<unknown>[] = [];
          for (const [i, [, q]] of ops.entries()) {
            pending.push(store.writeReadings(batches[i] as StoredReading[]));
            const query = {
              plantId: PLANT,
              metric: 'furnace_temperature' as const,
              ...QUERIES[q],
            } as SeriesQuery;
            pending.push(store.readReadings(query));
          }
          await Promise.all(pending);
          for (const q of QUERIES) {
            const query = { plantId: PLANT, metric: 'furnace_temperature' as const, ...q } as SeriesQuery;
            expect(view(await store.readReadings(query))).toEqual(
              view(await store.queries().readReadings(query)),
            );
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
