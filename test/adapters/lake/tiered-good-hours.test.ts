/**
 * `readGoodHours` on the tiered reader (the lake's production reader): the
 * recent store on dynalite, the lake stand-in a DuckDB store holding only
 * what the lake holds (its readGoodHours is the lake reader's SQL, checked
 * against Parquet in test/adapters/good-hours.test.ts), and a DuckDB store
 * holding everything as the answer to match. Hours after the cut come from
 * the recent store alone; before it, the lake's aggregate, except hours the
 * recent store holds late versions of, which are decided again from both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import {
  createRecentTelemetryTable,
  DynamoRecentTelemetryStore,
} from '../../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { type LakeReads, TieredMetricsReader } from '../../../lambdas/adapters/lake/tiered-metrics-reader.ts';
import { counterReadingsOf } from '../../../lambdas/app/kpi-query.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import type { GoodHour } from '../../../lambdas/domain/metrics-ports.ts';
import type { StoredReading } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, NOW, PLANT, reading } from '../../support/stored-items.ts';

const DAY = 86_400_000;
const HOUR = 60 * MINUTE;
const HORIZON = 20 * DAY;
const METRICS: MetricName[] = ['furnace_temperature', 'waste_fed'];

let dynamo: RunningDynalite;
const opened: DuckDbMetricsStore[] = [];
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  for (const store of opened) await store.close();
  await dynamo.close();
});

const sorted = (hours: readonly GoodHour[]) =>
  [...hours].sort((a, b) =>
    a.metric !== b.metric
      ? a.metric.localeCompare(b.metric)
      : a.line !== b.line
        ? a.line.localeCompare(b.line)
        : a.hour - b.hour,
  );

/** The lake stand-in, recording what it is asked. */
function lakeOf(store: DuckDbMetricsStore, asked: string[]): LakeReads {
  return {
    readReadings: (q) => {
      asked.push(`readings ${q.metric} ${q.from} ${q.to}`);
      return store.readReadings(q);
    },
    readLastBefore: (p, m, b) => store.readLastBefore(p, m, b),
    readMovements: (p, f, t) => store.readMovements(p, f, t),
    readCounterReadings: (p, f, t) => counterReadingsOf(store).readCounterReadings(p, f, t),
    readGoodHours: (p, m, f, t) => {
      asked.push(`hours ${f} ${t}`);
      return store.readGoodHours(p, m, f, t);
    },
  };
}

async function setup(name: string) {
  const clock = new FixedClock(NOW);
  await createRecentTelemetryTable(dynamo.client, name);
  const recent = new DynamoRecentTelemetryStore({
    client: dynamo.client,
    tableName: name,
    clock,
    horizonMs: HORIZON,
  });
  const lake = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const all = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  opened.push(lake, all);
  const asked: string[] = [];
  const tiered = new TieredMetricsReader({ recent, lake: lakeOf(lake, asked), clock });
  return {
    tiered,
    asked,
    all,
    async toLake(readings: StoredReading[]) {
      expect((await lake.writeReadings(readings)).rejected).toEqual([]);
      expect((await all.writeReadings(readings)).rejected).toEqual([]);
    },
    async toRecent(readings: StoredReading[]) {
      await recent.writeReadings(readings);
      expect((await all.writeReadings(readings)).rejected).toEqual([]);
    },
  };
}

describe('TieredMetricsReader.readGoodHours', () => {
  it('answers inside the horizon from the recent store alone', async () => {
    const { tiered, asked, all, toRecent } = await setup('tiered-hours-1');
    await toRecent([
      reading({ ts: NOW - 3 * DAY }),
      reading({ ts: NOW - 3 * DAY + 10 * MINUTE, line: 'boiler-2', quality: 'BAD' }),
      reading({ metric: 'waste_fed', ts: NOW - HOUR, value: 10 }),
    ]);
    const from = NOW - HORIZON + 2 * HOUR;
    const hours = await tiered.readGoodHours?.(PLANT, METRICS, from, NOW);
    expect(sorted(hours ?? [])).toEqual(sorted(await all.readGoodHours(PLANT, METRICS, from, NOW)));
    expect(hours).toHaveLength(2);
    expect(asked).toEqual([]);
  });

  it('before the cut, takes the lake aggregate and decides again the hours the recent store holds late versions of', async () => {
    const { tiered, asked, all, toLake, toRecent } = await setup('tiered-hours-2');
    const old = Date.parse('2026-10-01T06:00:00Z');
    await toLake([
      reading({ line: 'a', ts: old }),
      reading({ line: 'a', ts: old + HOUR }),
      reading({ line: 'b', ts: old + 2 * HOUR, quality: 'BAD' }),
      reading({ line: 'a', ts: old + 5 * HOUR }),
      reading({ metric: 'waste_fed', line: 'a', ts: old, value: 100 }),
    ]);
    // Received in the last day: the GOOD reading of a's second hour corrected to BAD, b's BAD one to GOOD,
    // a new reading in an hour the lake has nothing of; and the recent days' own data.
    await toRecent([
      reading({ line: 'a', ts: old + HOUR, quality: 'BAD', value: 1, version: NOW - HOUR, correction: true }),
      reading({ line: 'b', ts: old + 2 * HOUR, value: 2, version: NOW - HOUR, correction: true }),
      reading({ line: 'c', ts: old + 3 * HOUR + 5 * MINUTE }),
      reading({ line: 'a', ts: NOW - DAY }),
    ]);
    const from = old - DAY;
    const hours = sorted((await tiered.readGoodHours?.(PLANT, METRICS, from, NOW)) ?? []);
    expect(hours).toEqual(sorted(await all.readGoodHours(PLANT, METRICS, from, NOW)));
    expect(hours.map((h) => [h.metric, h.line, (h.hour - old) / HOUR])).toEqual([
      ['furnace_temperature', 'a', 0],
      ['furnace_temperature', 'a', 5],
      ['furnace_temperature', 'a', (NOW - DAY - old) / HOUR],
      ['furnace_temperature', 'b', 2],
      ['furnace_temperature', 'c', 3],
      ['waste_fed', 'a', 0],
    ]);
    // One aggregate, and raw readings only for the run of hours the late versions touch.
    expect(asked.filter((a) => a.startsWith('hours'))).toHaveLength(1);
    expect(asked.filter((a) => a.startsWith('readings'))).toEqual([
      `readings furnace_temperature ${old + HOUR} ${old + 4 * HOUR}`,
    ]);
  });

  it('is absent when the lake has no aggregate, so the report reads raw', async () => {
    const clock = new FixedClock(NOW);
    await createRecentTelemetryTable(dynamo.client, 'tiered-hours-3');
    const recent = new DynamoRecentTelemetryStore({
      client: dynamo.client,
      tableName: 'tiered-hours-3',
      clock,
      horizonMs: HORIZON,
    });
    const { readGoodHours: _, ...withoutAggregate } = lakeOf(
      await DuckDbMetricsStore.open({ path: ':memory:', clock }),
      [],
    );
    expect(new TieredMetricsReader({ recent, lake: withoutAggregate, clock }).readGoodHours).toBeUndefined();
  });
});
