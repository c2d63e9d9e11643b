/**
 * kpi-query.ts decides between slot summaries and raw readings, and runs the
 * scheduled re-roll: here over the real rollup table (dynalite) and the
 * Timestream reader on the query fake.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createKpiRollupTable,
  DynamoKpiRollupStore,
} from '../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { planReadingWrites } from '../../lambdas/adapters/timestream/records.ts';
import type { TimestreamMetricsReader } from '../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import {
  backfillKpiSlots,
  counterReadingsOf,
  type KpiSource,
  loadKpis,
  rollUpPendingSlots,
} from '../../lambdas/app/kpi-query.ts';
import { type KpiCounterSlots, SLOT_MS, summarizeSlots } from '../../lambdas/domain/kpi-rollup.ts';
import type { StoredReading } from '../../lambdas/domain/ports.ts';
import { backfillOf, makeKpiRollupHandler } from '../../lambdas/handlers/kpi-rollup.ts';
import { MINUTE, makeReader, NOW, PLANT, reading } from '../adapters/timestream-query/fixtures.ts';
import { applyPlans, TimestreamQueryFake } from '../adapters/timestream-query/timestream-query-fake.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock } from '../support/memory-ports.ts';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** waste_fed every 5 minutes over two days before NOW, with a reset, on boiler-1; heat on its own line. */
function counters(): StoredReading[] {
  const out: StoredReading[] = [];
  let fed = 10_000.25;
  let heat = 300.5;
  for (let ts = NOW - 2 * DAY; ts < NOW; ts += 5 * MINUTE) {
    fed = ts === NOW - 20 * HOUR ? 0.75 : fed + 4.125 + ((ts / MINUTE) % 3) / 7;
    heat += 0.3;
    out.push(reading({ metric: 'waste_fed', ts, value: fed }));
    out.push(
      reading({
        metric: 'heat_exported',
        line: 'heat',
        ts,
        value: heat,
        quality: ts % (35 * MINUTE) === 0 ? 'BAD' : 'GOOD',
      }),
    );
  }
  return out;
}

let dynamo: RunningDynalite;
let tables = 0;
let fake: TimestreamQueryFake | undefined;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
afterEach(() => fake?.restore());

async function setup(readings: readonly StoredReading[], clockAt = NOW + 7 * HOUR) {
  fake?.restore();
  fake = new TimestreamQueryFake({
    tables: { readings: applyPlans([planReadingWrites(readings)]), movements: [] },
    pageSize: 50,
  });
  const tableName = `kpi-app-${++tables}`;
  await createKpiRollupTable(dynamo.client, tableName);
  const clock = new FixedClock(clockAt);
  const store = new DynamoKpiRollupStore({ client: dynamo.client, tableName, clock, markReuseMs: 0 });
  const raw = makeReader(fake.client);
  const rolled = makeReader(fake.client, { rollup: store });
  return { store, clock, raw, rolled };
}

describe('loadKpis', () => {
  it('uses slot summaries when the store has them and the buckets align, raw readings otherwise', async () => {
    const readings = counters();
    const { raw, rolled, store, clock } = await setup(readings);
    // Everything written is marked (as the processor does); all of it rolled up, then the last
    // 6 hours marked again by new writes: those are read raw.
    clock.current = NOW;
    await backfillKpiSlots(store, PLANT, NOW - 2 * DAY, NOW);
    clock.current = NOW + 7 * HOUR;
    expect(await rollUpPendingSlots({ rollup: store, readings: raw, clock })).toMatchObject({ rolled: 192 });
    await backfillKpiSlots(store, PLANT, NOW - 6 * HOUR, NOW);
    const calls: string[] = [];
    const spy = (reader: TimestreamMetricsReader): KpiSource => ({
      readReadings: (q) => {
        calls.push('readReadings');
        return reader.readReadings(q);
      },
      readLastBefore: (p, m, b) => {
        calls.push('readLastBefore');
        return reader.readLastBefore(p, m, b);
      },
      readMovements: (p, f, t) => reader.readMovements(p, f, t),
      ...(reader.readKpiCounterSlots
        ? {
            readKpiCounterSlots: (p: string, f: number, t: number): Promise<KpiCounterSlots> => {
              calls.push('readKpiCounterSlots');
              return reader.readKpiCounterSlots?.(p, f, t) as Promise<KpiCounterSlots>;
            },
          }
        : {}),
    });
    for (const interval of ['1h', '1d'] as const) {
      calls.length = 0;
      const fromRaw = await loadKpis(spy(raw), PLANT, interval, 'Asia/Almaty', NOW - 36 * HOUR, NOW, NOW);
      expect(new Set(calls)).toEqual(new Set(['readReadings', 'readLastBefore']));
      calls.length = 0;
      const fromSlots = await loadKpis(
        spy(rolled),
        PLANT,
        interval,
        'Asia/Almaty',
        NOW - 36 * HOUR,
        NOW,
        NOW,
      );
      expect(calls).toEqual(['readKpiCounterSlots']);
      expect(fromSlots).toEqual(fromRaw);
      expect(fromRaw.some((p) => p.fed_t > 0)).toBe(true);
    }
    // Africa/Monrovia's days of 1971 do not align with slots: raw readings, even with a rollup
    calls.length = 0;
    const old = Date.parse('1971-06-01T00:00:00Z');
    await loadKpis(spy(rolled), PLANT, '1d', 'Africa/Monrovia', old, old + 2 * DAY, NOW);
    expect(calls).not.toContain('readKpiCounterSlots');
  });
});

describe('rollUpPendingSlots', () => {
  it('re-rolls settled marked slots with one raw read per nearby group, and readers then need no raw read', async () => {
    const readings = counters();
    const { store, clock, raw, rolled } = await setup(readings);
    clock.current = NOW;
    const marked = await backfillKpiSlots(store, PLANT, NOW - 2 * DAY, NOW);
    expect(marked).toBe(192);
    // not settled yet: nothing to do
    expect(await rollUpPendingSlots({ rollup: store, readings: raw, clock })).toMatchObject({
      pending: 0,
      rolled: 0,
    });

    clock.current = NOW + 7 * HOUR;
    // smaller ranges on request: at most 10 slots per query
    const spans: number[] = [];
    const recording = {
      readCounterReadings: (plantId: string, from: number, to: number) => {
        spans.push(to - from);
        return raw.readCounterReadings(plantId, from, to);
      },
      readMovements: (plantId: string, from: number, to: number) => raw.readMovements(plantId, from, to),
    };
    const small = await rollUpPendingSlots({
      rollup: store,
      readings: recording,
      clock,
      maxRangeSlots: 10,
      limit: 40,
    });
    expect(small).toMatchObject({ pending: 40, rolled: 40 });
    expect(spans.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...spans)).toBeLessThanOrEqual(10 * SLOT_MS);
    // marked again (new writes everywhere): all pending once more
    await backfillKpiSlots(store, PLANT, NOW - 2 * DAY, NOW);
    clock.current = NOW + 14 * HOUR;
    const run = await rollUpPendingSlots({ rollup: store, readings: raw, clock });
    // 48 hours of slots: read a day at a time at most
    expect(run).toEqual({ pending: 192, rolled: 192, superseded: 0, reads: 2, deferred: 0 });
    const stored = await store.readRolledSlots(PLANT, NOW - 2 * DAY, NOW);
    const expected = summarizeSlots(readings.map((r) => ({ ...r, value: Number(r.value.toPrecision(12)) })));
    expect(
      [...stored.values()].filter((s) => s.series.length > 0).map(({ start, series }) => ({ start, series })),
    ).toEqual(expected);

    const before = fake?.requests.length ?? 0;
    const answer = await rolled.readKpiCounterSlots?.(PLANT, NOW - DAY, NOW);
    expect(fake?.requests.length).toBe(before); // every slot current: no Timestream query at all
    expect(answer?.slots).toEqual(expected.filter((s) => s.start >= NOW - DAY));
  });

  it('keeps a slot pending when it is marked again while being rolled up, and defers work near the deadline', async () => {
    const readings = counters();
    const { store, clock, raw } = await setup(readings);
    clock.current = NOW;
    await store.markTouched([{ plantId: PLANT, slotStarts: [NOW - 10 * SLOT_MS, NOW - 2 * DAY] }]);
    clock.current = NOW + 7 * HOUR;
    const racing = {
      readCounterReadings: async (plantId: string, from: number, to: number) => {
        // a processor marks the slot while the job reads its raw data
        if (from === NOW - 10 * SLOT_MS) await store.markTouched([{ plantId, slotStarts: [from] }]);
        return raw.readCounterReadings(plantId, from, to);
      },
      readMovements: (plantId: string, from: number, to: number) => raw.readMovements(plantId, from, to),
    };
    const run = await rollUpPendingSlots({ rollup: store, readings: racing, clock });
    expect(run).toMatchObject({ pending: 2, rolled: 1, superseded: 1, reads: 2 });
    expect((await store.pendingSlots(Number.MAX_SAFE_INTEGER, 10)).map((p) => p.start)).toEqual([
      NOW - 10 * SLOT_MS,
    ]);

    const late = await rollUpPendingSlots({
      rollup: store,
      readings: raw,
      clock: new FixedClock(Number.MAX_SAFE_INTEGER - 1_000),
      deadline: Number.MAX_SAFE_INTEGER,
    });
    expect(late).toMatchObject({ pending: 1, rolled: 0, deferred: 1, reads: 0 });
  });

  it('reads through any metrics store when it has no multi-counter read', async () => {
    const readings = counters();
    const { raw } = await setup(readings);
    const generic = counterReadingsOf(raw);
    const got = await generic.readCounterReadings(PLANT, NOW - HOUR, NOW);
    expect(got.length).toBe(readings.filter((r) => r.ts >= NOW - HOUR).length);
  });
});

describe('the scheduled handler', () => {
  it('backfills a range on request, then rolls up what has settled', async () => {
    const { store, clock, raw } = await setup(counters());
    const handler = makeKpiRollupHandler({ rollup: store, marker: store, readings: raw, clock });
    const result = await handler({
      backfill: { plantId: PLANT, from: new Date(NOW - DAY).toISOString(), to: NOW },
    });
    expect(result).toMatchObject({ marked: 96, pending: 0 });
    clock.current += 7 * HOUR;
    expect(await handler({ source: 'aws.events' })).toMatchObject({ marked: 0, rolled: 96, reads: 1 });
  });

  it('refuses malformed backfill requests and ignores scheduled events', () => {
    expect(backfillOf({ 'detail-type': 'Scheduled Event' })).toBeUndefined();
    expect(backfillOf(null)).toBeUndefined();
    expect(() => backfillOf({ backfill: { plantId: 'Bad Plant', from: 0, to: 1 } })).toThrow(
      /invalid backfill/,
    );
    expect(() => backfillOf({ backfill: { plantId: PLANT, from: 10, to: 5 } })).toThrow(/invalid backfill/);
    expect(() => backfillOf({ backfill: { plantId: PLANT, from: 0, to: 400 * DAY } })).toThrow(/370 days/);
    expect(() => backfillOf({ backfill: { plantId: PLANT, from: 'yesterday', to: 5 } })).toThrow(/RFC 3339/);
    expect(backfillOf({ backfill: { plantId: PLANT, from: '2026-11-24T00:00:00+05:00', to: NOW } })).toEqual({
      plantId: PLANT,
      from: Date.parse('2026-11-23T19:00:00Z'),
      to: NOW,
    });
  });
});
