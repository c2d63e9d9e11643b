/**
 * Day arrivals and data frontiers, against dynalite (the real wire protocol
 * and conditional writes) and the in-process store that backtests use: the
 * same rules in both, and the latest arrival, the furthest frontier and a
 * sticky `late` whatever order concurrent writers land in.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDayProgressStore } from '../../../lambdas/adapters/dynamo/dynamo-day-progress-store.ts';
import { DynamoStateStore } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { createStateTable } from '../../../lambdas/adapters/dynamo/state-table.ts';
import { MemoryDayProgressStore } from '../../../lambdas/adapters/memory-day-progress-store.ts';
import { defaultPlantConfig } from '../../../lambdas/domain/plant.ts';
import type { DayProgressStore } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';

const DAY = Date.parse('2026-11-20T00:00:00+05:00');
const DAY_MS = 86_400_000;
const day = (n: number, late = false) => ({ start: DAY + n * DAY_MS, end: DAY + (n + 1) * DAY_MS, late });

let dynamo: RunningDynalite;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

async function dynamoStore(): Promise<{ days: DayProgressStore; state: DynamoStateStore }> {
  const tableName = `days-${++tables}`;
  await createStateTable(dynamo.client, tableName);
  return {
    days: new DynamoDayProgressStore({ client: dynamo.client, tableName }),
    state: new DynamoStateStore({ client: dynamo.client, tableName }),
  };
}

const stores: Array<[string, () => Promise<DayProgressStore>]> = [
  ['DynamoDayProgressStore', async () => (await dynamoStore()).days],
  ['MemoryDayProgressStore', async () => new MemoryDayProgressStore()],
];

describe.each(stores)('%s', (_name, open) => {
  it('keeps the latest arrival and the furthest frontiers, whatever order writes land in', async () => {
    const days = await open();
    await days.recordArrival('p1', [day(0), day(1)], 5_000, DAY + DAY_MS + 10, true);
    await days.recordArrival('p1', [day(0)], 3_000, DAY + 100, true);
    await days.recordArrival('p1', [day(1)], 7_000, DAY + DAY_MS + 5, false);
    const progress = await days.progress('p1');
    expect(progress.frontier).toBe(DAY + DAY_MS + 10);
    expect(progress.liveFrontier).toBe(DAY + DAY_MS + 10);
    expect(progress.days.map((d) => [d.start, d.lastArrivalAt, d.late, d.owed])).toEqual([
      [DAY, 5_000, false, 0],
      [DAY + DAY_MS, 7_000, false, 0],
    ]);
    expect(await days.progress('p2')).toEqual({ days: [] });
  });

  it('only a live frontier moves the live frontier, and only late data the last late arrival', async () => {
    const days = await open();
    await days.recordArrival('p1', [day(0, true)], 9_000, DAY + 500, false);
    await days.recordArrival('p1', [day(0, true)], 8_000, DAY + 400, false);
    await days.recordArrival('p1', [day(2)], 12_000, DAY + 2 * DAY_MS, true);
    const progress = await days.progress('p1');
    expect(progress).toMatchObject({
      frontier: DAY + 2 * DAY_MS,
      liveFrontier: DAY + 2 * DAY_MS,
      lastLateArrivalAt: 9_000,
    });
  });

  it('keeps a day late once any of its data came late, even when an earlier arrival lands after', async () => {
    const days = await open();
    await days.recordArrival('p1', [day(0, true)], 9_000, DAY + 1, false);
    await days.recordArrival('p1', [day(0, false)], 2_000, DAY + 1, true);
    const [only] = (await days.progress('p1')).days;
    expect(only).toMatchObject({ lastArrivalAt: 9_000, late: true });
  });

  it('settles a day only when nothing arrived or was owed since it was read', async () => {
    const days = await open();
    await days.recordArrival('p1', [day(0)], 1_000, DAY + 1, true);
    const [seen] = (await days.progress('p1')).days;
    if (!seen) throw new Error('no day recorded');
    await days.recordArrival('p1', [day(0)], 2_000, DAY + 2, true);
    expect(await days.settle(seen)).toBe(false);
    const [again] = (await days.progress('p1')).days;
    if (!again) throw new Error('day lost');
    await days.owe('p1', [day(0)]);
    expect(await days.settle(again)).toBe(false);
    const [owed] = (await days.progress('p1')).days;
    expect(owed).toMatchObject({ lastArrivalAt: 2_000, owed: 1 });
    if (!owed) throw new Error('day lost');
    expect(await days.settle(owed)).toBe(true);
    expect((await days.progress('p1')).days).toEqual([]);
    // The frontier outlives the days.
    expect((await days.progress('p1')).frontier).toBe(DAY + 2);
  });

  it('clears a debt only if no new one came, and brings back a settled day that is owed again', async () => {
    const days = await open();
    await days.owe('p1', [day(3)]);
    const [owed] = (await days.progress('p1')).days;
    expect(owed).toMatchObject({ start: DAY + 3 * DAY_MS, end: DAY + 4 * DAY_MS, owed: 1, late: false });
    if (!owed) throw new Error('no day owed');
    await days.owe('p1', [day(3)]);
    expect(await days.paid(owed)).toBe(false);
    const [twice] = (await days.progress('p1')).days;
    expect(twice?.owed).toBe(2);
    if (!twice) throw new Error('day lost');
    expect(await days.paid(twice)).toBe(true);
    expect((await days.progress('p1')).days.map((d) => d.owed)).toEqual([0]);
  });

  it('converges on the maximum arrival and frontier for any interleaving of writers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), fc.boolean()), {
          minLength: 1,
          maxLength: 8,
        }),
        async (writes) => {
          const days = await open();
          await Promise.all(
            writes.map(([receivedAt, frontier, late]) =>
              days.recordArrival('p1', [day(0, late)], receivedAt, DAY + frontier, !late),
            ),
          );
          const progress = await days.progress('p1');
          expect(progress.frontier).toBe(DAY + Math.max(...writes.map(([, f]) => f)));
          expect(progress.days[0]?.lastArrivalAt).toBe(Math.max(...writes.map(([r]) => r)));
          expect(progress.days[0]?.late).toBe(writes.some(([, , late]) => late));
        },
      ),
      { numRuns: 15, seed: 17 },
    );
  });
});

describe('DynamoDayProgressStore beside the other items of a plant', () => {
  it('reads only day and frontier items, not the plant config or tickets', async () => {
    const { days, state } = await dynamoStore();
    await state.putPlant(defaultPlantConfig('p1'));
    await state.recordMovement({
      plantId: 'p1',
      ticketId: 'T-1',
      ts: DAY,
      direction: 'in',
      netTonnes: 10,
      material: 'mixed_waste',
      correction: false,
      version: 1,
    });
    await days.recordArrival('p1', [day(0)], 1_000, DAY + 1, true);
    const progress = await days.progress('p1');
    expect(progress.days).toHaveLength(1);
    expect(progress.frontier).toBe(DAY + 1);
    expect(await state.getPlant('p1')).toEqual(defaultPlantConfig('p1'));
  });
});
