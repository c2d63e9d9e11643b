/**
 * The tiered reader over a recent store on dynalite and a lake stand-in
 * (a DuckDB store holding only what the lake holds): reads inside the
 * horizon never touch the lake, and older reads are the union of both,
 * resolved as one store holding everything resolves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import {
  createRecentTelemetryTable,
  DynamoRecentTelemetryStore,
} from '../../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { type LakeReads, TieredMetricsReader } from '../../../lambdas/adapters/lake/tiered-metrics-reader.ts';
import { counterReadingsOf } from '../../../lambdas/app/kpi-query.ts';
import type { StoredMovement, StoredReading } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, movement, NOW, PLANT, reading } from '../../support/stored-items.ts';

const DAY = 86_400_000;
const HOUR = 60 * MINUTE;
const HORIZON = 20 * DAY;

let dynamo: RunningDynalite;
let tables = 0;
const opened: DuckDbMetricsStore[] = [];
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  for (const store of opened) await store.close();
  await dynamo.close();
});

/** A lake that fails the test if it is asked anything. */
const untouchable: LakeReads = {
  readReadings: () => Promise.reject(new Error('the lake was read')),
  readLastBefore: () => Promise.reject(new Error('the lake was read')),
  readMovements: () => Promise.reject(new Error('the lake was read')),
  readCounterReadings: () => Promise.reject(new Error('the lake was read')),
};

async function duck(clock: FixedClock): Promise<DuckDbMetricsStore> {
  const store = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  opened.push(store);
  return store;
}

const lakeOf = (store: DuckDbMetricsStore): LakeReads => ({
  readReadings: (q) => store.readReadings(q),
  readLastBefore: (p, m, b) => store.readLastBefore(p, m, b),
  readMovements: (p, f, t) => store.readMovements(p, f, t),
  readCounterReadings: (p, f, t) => counterReadingsOf(store).readCounterReadings(p, f, t),
});

async function setup() {
  const clock = new FixedClock(NOW);
  const tableName = `tiered-${++tables}`;
  await createRecentTelemetryTable(dynamo.client, tableName);
  const recent = new DynamoRecentTelemetryStore({
    client: dynamo.client,
    tableName,
    clock,
    horizonMs: HORIZON,
  });
  const lake = await duck(clock);
  const all = await duck(clock);
  return {
    clock,
    recent,
    lake,
    all,
    async toLake(readings: StoredReading[], movements: StoredMovement[] = []) {
      await lake.writeReadings(readings);
      await lake.writeMovements(movements);
      await all.writeReadings(readings);
      await all.writeMovements(movements);
    },
    async toRecent(readings: StoredReading[], movements: StoredMovement[] = []) {
      await recent.writeReadings(readings);
      await recent.writeMovements(movements);
      await all.writeReadings(readings);
      await all.writeMovements(movements);
    },
  };
}

describe('TieredMetricsReader', () => {
  it('answers reads whose span starts inside the horizon from the recent store alone', async () => {
    const { recent, toRecent } = await setup();
    const tiered = new TieredMetricsReader({ recent, lake: untouchable, clock: new FixedClock(NOW) });
    const inside = NOW - HORIZON + 2 * HOUR;
    const readings = [
      reading({ ts: NOW - 3 * DAY, value: 1 }),
      reading({ metric: 'waste_fed', ts: NOW - HOUR, value: 10 }),
    ];
    const tickets = [movement({ ticketId: 'T1', ts: NOW - 2 * DAY })];
    await toRecent(readings, tickets);
    expect(
      await tiered.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: inside, to: NOW }),
    ).toEqual([readings[0]]);
    expect(await tiered.readLastBefore(PLANT, 'furnace_temperature', inside + 8 * DAY)).toEqual([]);
    expect(await tiered.readLastBefore(PLANT, 'furnace_temperature', NOW)).toEqual([readings[0]]);
    expect(await tiered.readMovements(PLANT, inside + 7 * DAY, NOW)).toEqual(tickets);
    expect(await tiered.readCounterReadings(PLANT, NOW - DAY, NOW)).toEqual([readings[1]]);
  });

  it('asks the lake for what precedes completeSince, even inside the horizon (a raised horizon, a restored table)', async () => {
    const { recent } = await setup();
    const since = NOW - 2 * DAY;
    const tiered = new TieredMetricsReader({
      recent,
      lake: untouchable,
      clock: new FixedClock(NOW),
      completeSince: since,
    });
    expect(tiered.cut()).toBe(since);
    await expect(
      tiered.readReadings({ plantId: PLANT, metric: 'steam_flow', from: NOW - 3 * DAY, to: NOW }),
    ).rejects.toThrow('the lake was read');
    expect(await tiered.readReadings({ plantId: PLANT, metric: 'steam_flow', from: since, to: NOW })).toEqual(
      [],
    );
    // A completeSince older than the horizon changes nothing.
    const old = new TieredMetricsReader({
      recent,
      lake: untouchable,
      clock: new FixedClock(NOW),
      completeSince: 0,
    });
    expect(old.cut()).toBe(
      new TieredMetricsReader({ recent, lake: untouchable, clock: new FixedClock(NOW) }).cut(),
    );
  });

  it('asks the lake once a read reaches before the horizon', async () => {
    const { recent } = await setup();
    const tiered = new TieredMetricsReader({ recent, lake: untouchable, clock: new FixedClock(NOW) });
    await expect(
      tiered.readReadings({ plantId: PLANT, metric: 'steam_flow', from: NOW - HORIZON, to: NOW }),
    ).rejects.toThrow('the lake was read');
    // A movement read needs the ticket-shift horizon around its range.
    await expect(tiered.readMovements(PLANT, NOW - HORIZON + 5 * DAY, NOW)).rejects.toThrow(
      'the lake was read',
    );
  });

  it('unions the lake and late data of the recent store beyond the horizon, resolving duplicates and versions', async () => {
    const { recent, lake, all, toLake, toRecent } = await setup();
    const tiered = new TieredMetricsReader({ recent, lake: lakeOf(lake), clock: new FixedClock(NOW) });
    const old = Date.parse('2026-10-01T06:00:00Z');
    const base = [
      reading({ line: 'a', ts: old, value: 1 }),
      reading({ line: 'b', ts: old, value: 2 }),
      reading({ line: 'b', ts: old + HOUR, value: 3 }),
      reading({ line: 'c', ts: old + HOUR, value: 4 }),
      reading({ metric: 'waste_fed', line: 'a', ts: old, value: 100 }),
    ];
    const tickets = [
      movement({ ticketId: 'T1', ts: old }),
      movement({ ticketId: 'T2', ts: old + HOUR, netTonnes: 5 }),
    ];
    await toLake(base, tickets);
    // Received in the last day: a redelivery (exact copy), corrections, a ticket moved to another day.
    const late = [
      base[1] as StoredReading,
      reading({ line: 'b', ts: old + HOUR, value: 9, quality: 'BAD', version: NOW - HOUR, correction: true }),
      reading({ line: 'c', ts: old + 2 * HOUR, value: 6 }),
      reading({ metric: 'waste_fed', line: 'a', ts: old + HOUR, value: 101 }),
    ];
    const moved = [movement({ ticketId: 'T1', ts: old + 2 * DAY, version: NOW - HOUR, correction: true })];
    await toRecent(late, [tickets[1] as StoredMovement, ...moved]);

    const range = { plantId: PLANT, from: old - DAY, to: old + DAY };
    for (const metric of ['furnace_temperature', 'waste_fed'] as const)
      expect(await tiered.readReadings({ ...range, metric })).toEqual(
        await all.readReadings({ ...range, metric }),
      );
    for (const before of [old + 30 * MINUTE, old + 3 * HOUR, old + 6 * DAY])
      expect(await tiered.readLastBefore(PLANT, 'furnace_temperature', before)).toEqual(
        await all.readLastBefore(PLANT, 'furnace_temperature', before),
      );
    expect(
      (await tiered.readLastBefore(PLANT, 'furnace_temperature', old + 3 * HOUR)).map((r) => r.value),
    ).toEqual([1, 2, 6]);
    expect(await tiered.readMovements(PLANT, old - DAY, old + DAY)).toEqual([tickets[1]]);
    expect(await tiered.readMovements(PLANT, old + DAY, old + 3 * DAY)).toEqual(moved);
    expect(await tiered.readCounterReadings(PLANT, old - DAY, old + DAY)).toEqual(
      await counterReadingsOf(all).readCounterReadings(PLANT, old - DAY, old + DAY),
    );
  });

  it('takes the last GOOD reading from the recent store where it is complete and the lake before that', async () => {
    const { recent, lake, all, toLake, toRecent } = await setup();
    const tiered = new TieredMetricsReader({ recent, lake: lakeOf(lake), clock: new FixedClock(NOW) });
    const cut = NOW - HORIZON + HOUR;
    // Only in the lake: a line that stopped before the cut. In both: a line still reporting.
    await toLake([
      reading({ line: 'quiet', ts: cut - 2 * DAY, value: 1 }),
      reading({ line: 'live', ts: cut - DAY, value: 2 }),
    ]);
    await toRecent([
      reading({ line: 'live', ts: cut + DAY, value: 3 }),
      reading({ line: 'live', ts: cut + 2 * DAY, value: 4, quality: 'BAD' }),
    ]);
    const before = cut + 3 * DAY;
    const last = await tiered.readLastBefore(PLANT, 'furnace_temperature', before);
    expect(last).toEqual(await all.readLastBefore(PLANT, 'furnace_temperature', before));
    expect(last.map((r) => [r.line, r.value])).toEqual([
      ['live', 3],
      ['quiet', 1],
    ]);
  });

  it('refuses a horizon longer than the one the recent store keeps', async () => {
    const { recent } = await setup();
    expect(
      () =>
        new TieredMetricsReader({
          recent,
          lake: untouchable,
          clock: new FixedClock(NOW),
          horizonMs: HORIZON + 1,
        }),
    ).toThrow(/at most the recent store's/);
  });
});
