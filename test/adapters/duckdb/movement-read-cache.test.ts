/**
 * MovementReadCache's bookkeeping, with a reader over an array that the test
 * changes while a read is held open, as a write committing during a read
 * would (the store-level property test cannot time that race).
 */
import { describe, expect, it } from 'vitest';
import { MovementReadCache } from '../../../lambdas/adapters/duckdb/movement-read-cache.ts';
import type { StoredMovement } from '../../../lambdas/domain/ports.ts';
import { MINUTE, movement, NOW, PLANT } from './fixtures.ts';

const DAY = { from: NOW - 600 * MINUTE, to: NOW };

/** A table of one row per ticket and a reader over it that records each range it is asked for. */
function table(rows: StoredMovement[]) {
  const asked: Array<[number, number]> = [];
  let hold: Promise<void> | undefined;
  const read = async (from: number, to: number): Promise<StoredMovement[]> => {
    asked.push([from, to]);
    // The snapshot is taken when the read runs, after whatever the test does while holding it.
    if (hold) await hold;
    return rows.filter((m) => m.ts >= from && m.ts < to).sort((a, b) => a.ts - b.ts);
  };
  return {
    rows,
    asked,
    read,
    holdNext: (until: Promise<void>) => (hold = until),
    release: () => (hold = undefined),
  };
}

const at = (minutes: number, ticketId: string) => movement({ ticketId, ts: DAY.from + minutes * MINUTE });
const ids = (ms: readonly StoredMovement[]) => ms.map((m) => m.ticketId);

describe('MovementReadCache', () => {
  it('reads again only from the earliest change reported since the last read', async () => {
    const t = table([at(10, 'A'), at(20, 'B')]);
    const cache = new MovementReadCache();
    expect(ids(await cache.read(PLANT, DAY.from, DAY.to, t.read))).toEqual(['A', 'B']);
    t.rows.push(at(30, 'C'));
    cache.changed(PLANT, DAY.from + 30 * MINUTE);
    expect(ids(await cache.read(PLANT, DAY.from, DAY.to, t.read))).toEqual(['A', 'B', 'C']);
    expect(t.asked[1]).toEqual([DAY.from + 30 * MINUTE, DAY.to]);
    // Nothing changed: no read at all.
    expect(ids(await cache.read(PLANT, DAY.from, DAY.to, t.read))).toEqual(['A', 'B', 'C']);
    expect(t.asked).toHaveLength(2);
  });

  it('ignores changes of other plants and outside the range', async () => {
    const t = table([at(10, 'A')]);
    const cache = new MovementReadCache();
    await cache.read(PLANT, DAY.from, DAY.to, t.read);
    cache.changed('kz-ala-02', DAY.from);
    cache.changed(PLANT, DAY.to + MINUTE);
    cache.changed(PLANT, DAY.from - MINUTE);
    await cache.read(PLANT, DAY.from, DAY.to, t.read);
    expect(t.asked).toHaveLength(1);
  });

  it('reads whole again when a write changes the kept part while the rest is read', async () => {
    const t = table([at(10, 'A'), at(20, 'B')]);
    const cache = new MovementReadCache();
    await cache.read(PLANT, DAY.from, DAY.to, t.read);
    t.rows.push(at(30, 'C'));
    cache.changed(PLANT, DAY.from + 30 * MINUTE);

    let commit = () => {};
    t.holdNext(new Promise<void>((resolve) => (commit = resolve)));
    const reading = cache.read(PLANT, DAY.from, DAY.to, t.read);
    // While the rest is read, a correction moves A from the kept part to after C.
    t.release();
    t.rows.splice(0, 1, at(40, 'A'));
    cache.changed(PLANT, DAY.from + 10 * MINUTE);
    cache.changed(PLANT, DAY.from + 40 * MINUTE);
    commit();
    // Joined, the kept part (A at 10) and the rest (C, A at 40) would hold A twice.
    expect(ids(await reading)).toEqual(['B', 'C', 'A']);
    expect(t.asked.at(-1)).toEqual([DAY.from, DAY.to]);
  });

  it('forgets the least recently read ranges past its bounds', async () => {
    const t = table([at(10, 'A'), at(20, 'B'), at(30, 'C')]);
    const cache = new MovementReadCache({ entries: 2, movements: 4 });
    const range = (m: number) => [DAY.from + m * MINUTE, DAY.to] as const;
    await cache.read(PLANT, ...range(0), t.read); // 3 movements
    await cache.read(PLANT, ...range(15), t.read); // 2 more: over 4, the first goes
    await cache.read(PLANT, ...range(15), t.read); // kept: no read
    expect(t.asked).toHaveLength(2);
    await cache.read(PLANT, ...range(0), t.read); // forgotten: read again
    expect(t.asked).toHaveLength(3);
  });

  it('hands out copies, so a caller changing its answer changes nothing kept', async () => {
    const t = table([at(10, 'A'), at(20, 'B')]);
    const cache = new MovementReadCache();
    const first = await cache.read(PLANT, DAY.from, DAY.to, t.read);
    first.reverse();
    expect(ids(await cache.read(PLANT, DAY.from, DAY.to, t.read))).toEqual(['A', 'B']);
  });
});
