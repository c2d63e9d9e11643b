/**
 * The DuckDB store keeps its last movement reads and reads again only what a
 * write may have changed (movement-read-cache.ts). Whatever the writes (new
 * tickets, corrections that move a ticket into, out of or within a range),
 * in any order and chunking, and whether reads run alone or beside writes,
 * every read must answer exactly what one read of the stored rows gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { BASE_VERSION, type StoredMovement } from '../../../lambdas/domain/ports.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, movement, NOW, PLANT } from './fixtures.ts';

const HOUR = 60 * MINUTE;
const DAY = { from: NOW - 12 * HOUR, to: NOW };
/** The ranges read: the alert step's day, its halves, and one across the day's start. */
const RANGES = [
  DAY,
  { from: DAY.from, to: DAY.from + 6 * HOUR },
  { from: DAY.from + 6 * HOUR, to: DAY.to },
  { from: DAY.from - 2 * HOUR, to: DAY.from + 2 * HOUR },
] as const;
const TICKETS = ['WB-01', 'WB-02', 'WB-03', 'WB-04', 'WB-05', 'WB-06', 'WB-07', 'WB-08'] as const;

/** A time inside, before or after the day, on whole minutes so several tickets share an instant. */
const ts = fc.integer({ min: -3 * 60, max: 12 * 60 + 60 }).map((m) => DAY.from + m * MINUTE);

/** Each ticket's versions in order; each version may move the ticket and change its weight. */
const histories = fc.array(
  fc.record({ ticketId: fc.constantFrom(...TICKETS), ts, netTonnes: fc.integer({ min: 1, max: 40 }) }),
  { minLength: 1, maxLength: 30 },
);

type Op = { kind: 'write'; items: StoredMovement[] } | { kind: 'read'; range: (typeof RANGES)[number] };

/** Versions numbered per ticket in the order generated, grouped into write calls, with reads between. */
const scenario = histories.chain((versions) => {
  const seen = new Map<string, number>();
  const items = versions.map((v) => {
    const version = (seen.get(v.ticketId) ?? 0) + 1;
    seen.set(v.ticketId, version);
    return movement({
      ticketId: v.ticketId,
      ts: v.ts,
      netTonnes: v.netTonnes,
      version: version === 1 ? BASE_VERSION : BASE_VERSION + version,
      correction: version > 1,
    });
  });
  return fc
    .array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom(...RANGES)), {
      minLength: items.length,
      maxLength: items.length,
    })
    .map((cuts) => {
      const ops: Op[] = [];
      let at = 0;
      for (const [size, range] of cuts) {
        if (at >= items.length) break;
        ops.push({ kind: 'write', items: items.slice(at, at + size) });
        at += size;
        ops.push({ kind: 'read', range });
      }
      for (const range of RANGES) ops.push({ kind: 'read', range });
      return ops;
    });
});

/** What one read of [from, to) must give after `writes`: each ticket's highest version, by ts then ticket. */
function expected(writes: readonly StoredMovement[], range: { from: number; to: number }): StoredMovement[] {
  const latest = new Map<string, StoredMovement>();
  for (const m of writes) {
    const known = latest.get(m.ticketId);
    if (!known || m.version > known.version) latest.set(m.ticketId, m);
  }
  return [...latest.values()]
    .filter((m) => m.ts >= range.from && m.ts < range.to)
    .sort((a, b) => a.ts - b.ts || (a.ticketId < b.ticketId ? -1 : 1));
}

const view = (ms: readonly StoredMovement[]) =>
  ms.map((m) => `${m.ticketId}@${m.ts}v${m.version}:${m.netTonnes}`);

/** Each pool keeps its own reads: the pipeline's (the store itself) and the query API's. */
const POOLS = [
  { pool: 'pipeline', readerOf: (store: DuckDbMetricsStore) => store },
  { pool: 'queries', readerOf: (store: DuckDbMetricsStore) => store.queries() },
] as const;

describe.each(POOLS)('DuckDB movement reads kept between reads ($pool)', ({ readerOf }) => {
  it('answer every read as one whole read would, whatever was written in between', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (ops) => {
        const store = await DuckDbMetricsStore.open({
          path: ':memory:',
          clock: new FixedClock(NOW + 2 * HOUR),
        });
        try {
          const written: StoredMovement[] = [];
          for (const op of ops) {
            if (op.kind === 'write') {
              const result = await store.writeMovements(op.items);
              expect(result.rejected).toEqual([]);
              written.push(...op.items);
            } else {
              const got = await readerOf(store).readMovements(PLANT, op.range.from, op.range.to);
              expect(view(got)).toEqual(view(expected(written, op.range)));
            }
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('never mixes two states when reads run while writes move tickets', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (ops) => {
        const store = await DuckDbMetricsStore.open({
          path: ':memory:',
          clock: new FixedClock(NOW + 2 * HOUR),
        });
        try {
          // Writes apply in call order (one write connection); a read sees the state committed when it was
          // called or a later one (reads do not wait for writes in flight).
          const states: StoredMovement[][] = [[]];
          let committed = 0;
          const pending: Promise<void>[] = [];
          for (const op of ops) {
            if (op.kind === 'write') {
              const before = states[states.length - 1] as StoredMovement[];
              states.push([...before, ...op.items]);
              pending.push(
                store.writeMovements(op.items).then(() => {
                  committed++;
                }),
              );
            } else {
              const from = committed;
              const { range } = op;
              pending.push(
                readerOf(store)
                  .readMovements(PLANT, range.from, range.to)
                  .then((got) => {
                    const possible = states.slice(from).map((s) => view(expected(s, range)).join(' '));
                    expect(possible).toContain(view(got).join(' '));
                  }),
              );
            }
          }
          await Promise.all(pending);
          for (const range of RANGES) {
            const got = await readerOf(store).readMovements(PLANT, range.from, range.to);
            expect(view(got)).toEqual(view(expected(states[states.length - 1] ?? [], range)));
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
