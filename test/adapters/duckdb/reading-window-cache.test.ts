/**
 * ReadingWindowCache's bookkeeping, with a reader over an array the test
 * changes while a load is held open, as a write committing during the load
 * would (the store-level property test cannot time that race).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadingWindowCache, textBefore } from '../../../lambdas/adapters/duckdb/reading-window-cache.ts';
import type { SeriesQuery } from '../../../lambdas/domain/metrics-ports.ts';
import { BASE_VERSION, type StoredReading } from '../../../lambdas/domain/ports.ts';
import { MINUTE, NOW, PLANT, reading } from './fixtures.ts';

const METRIC = 'furnace_temperature' as const;

/** A table keyed by (line, ts) and a reader over it that records each query and can be held. */
function table(rows: StoredReading[]) {
  const asked: SeriesQuery[] = [];
  let hold: Promise<void> | undefined;
  const read = async (q: SeriesQuery): Promise<StoredReading[]> => {
    asked.push(q);
    const held = hold;
    hold = undefined;
    if (held) await held;
    return rows
      .filter((r) => r.ts >= q.from && r.ts < q.to && (q.line === undefined || r.line === q.line))
      .sort((a, b) => a.ts - b.ts || (a.line < b.line ? -1 : 1));
  };
  const put = (r: StoredReading) => {
    const i = rows.findIndex((x) => x.line === r.line && x.ts === r.ts);
    if (i >= 0) rows.splice(i, 1, r);
    else rows.push(r);
  };
  return { asked, read, put, holdNext: (until: Promise<void>) => (hold = until) };
}

const at = (minutes: number, value = 900, line = 'boiler-1') =>
  reading({ line, ts: NOW + minutes * MINUTE, value });
const values = (rs: readonly StoredReading[]) => rs.map((r) => r.value);
const query = (from: number, to: number): SeriesQuery => ({
  plantId: PLANT,
  metric: METRIC,
  from: NOW + from * MINUTE,
  to: NOW + to * MINUTE,
});

describe('ReadingWindowCache', () => {
  it('loads a series once, then answers from memory with every change applied', async () => {
    const t = table([at(-30, 901), at(-20, 902)]);
    const cache = new ReadingWindowCache();
    expect(values(await cache.read(query(-60, 0), t.read))).toEqual([901, 902]);
    const later = at(-10, 903);
    t.put(later);
    cache.changed(later);
    const corrected = reading({ ...at(-30, 851), version: BASE_VERSION + 1, correction: true });
    t.put(corrected);
    cache.changed(corrected);
    expect(values(await cache.read(query(-45, 0), t.read))).toEqual([851, 902, 903]);
    expect(t.asked).toHaveLength(1);
    // A lower version reported late changes nothing.
    cache.changed(at(-30, 700));
    expect(values(await cache.read(query(-45, 0), t.read))).toEqual([851, 902, 903]);
  });

  it('applies changes committed while the load was read', async () => {
    const t = table([at(-30, 901)]);
    const cache = new ReadingWindowCache();
    let commit = () => {};
    t.holdNext(new Promise<void>((resolve) => (commit = resolve)));
    const loading = cache.read(query(-60, 0), t.read);
    // Committed after the load's snapshot was taken (the reader answers from the table as it was asked).
    const late = at(-5, 905);
    cache.changed(late);
    commit();
    expect(values(await loading)).toEqual([901, 905]);
    expect(values(await cache.read(query(-60, 0), t.read))).toEqual([901, 905]);
  });

  it('loads again for a read outside the window it holds, which is at least two hours', async () => {
    const t = table([at(-300, 800), at(-30, 901), at(30, 902)]);
    const cache = new ReadingWindowCache();
    await cache.read(query(-60, 0), t.read);
    expect(t.asked.at(-1)).toEqual(query(-60, 60));
    expect(values(await cache.read(query(-90, 0), t.read))).toEqual([901]);
    expect(values(await cache.read(query(-80, 30), t.read))).toEqual([901]);
    expect(t.asked).toHaveLength(2);
    expect(values(await cache.read(query(-80, 40), t.read))).toEqual([901, 902]);
    expect(values(await cache.read(query(-360, 0), t.read))).toEqual([800, 901]);
    expect(t.asked).toHaveLength(4);
  });

  it('keeps a bounded number of readings, dropping older instants whole', async () => {
    const t = table([]);
    const cache = new ReadingWindowCache({
      windowMs: 2 * 60 * MINUTE,
      perSeries: 4,
      total: 100,
    });
    await cache.read(query(-60, 0), t.read);
    for (let m = -50; m < -40; m++)
      for (const line of ['boiler-1', 'boiler-2']) {
        const r = at(m, 900 + m, line);
        t.put(r);
        cache.changed(r);
      }
    // The oldest instants were dropped from memory: a read from before them goes to the table.
    expect(values(await cache.read(query(-60, 0), t.read))).toHaveLength(20);
    expect(t.asked).toHaveLength(2);
    // What is kept answers from memory, both lines of each instant.
    const recent = await cache.read(query(-42, 0), t.read);
    expect(recent.map((r) => `${r.ts}:${r.line}`)).toEqual(
      [-42, -41].flatMap((m) => ['boiler-1', 'boiler-2'].map((l) => `${NOW + m * MINUTE}:${l}`)),
    );
  });

  it('stops keeping a series too dense for its window, and reads exactly what is asked from then on', async () => {
    const t = table([at(-50), at(-40), at(-30), at(-20), at(-10)]);
    const cache = new ReadingWindowCache({ windowMs: 2 * 60 * MINUTE, perSeries: 3, total: 100 });
    expect(values(await cache.read(query(-60, 0), t.read))).toHaveLength(5);
    expect(t.asked.at(-1)).toEqual(query(-60, 60));
    expect(values(await cache.read(query(-35, 0), t.read))).toHaveLength(3);
    expect(t.asked.at(-1)).toEqual(query(-35, 0));
  });

  it('orders text as DuckDB does (UTF-8 bytes, that is code points), not by UTF-16 units', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(textBefore(a, b)).toBe(Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0);
      }),
      { numRuns: 2_000 },
    );
    expect(textBefore('\uFF21', '\u{1F600}')).toBe(true);
  });
});
