/**
 * The same seeded data, written through the processor with the real queue
 * codec, answers identical KPIs from both metrics stores:
 * - local: DuckDB, KPIs from raw readings;
 * - AWS: the Timestream writer (on its fake), the KPI rollup table (on
 *   dynalite) marked by the processor and filled by the scheduled job, and
 *   the Timestream reader (on the query fake) with the rollup: current slots
 *   from the table, the rest raw.
 * Hour and day buckets in two time zones, across a plant-local midnight and
 * a counter reset, with BAD spikes, late messages and corrections that
 * arrive after the rollup ran. The Timestream side is also checked for the
 * SQL it sends, NextToken paging, and how little it scans. The data and the
 * timeline are in cross-store-fixtures.ts; the third store, the lake, is
 * test/adapters/lake/cross-store-lake.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import {
  createKpiRollupTable,
  DynamoKpiRollupStore,
} from '../../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { createStateTable, DynamoStateStore } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { TimestreamMetricsWriter } from '../../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import type { TimestreamMetricsReader } from '../../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import { loadKpis, rollUpPendingSlots } from '../../../lambdas/app/kpi-query.ts';
import { DEFAULT_SETTLE_POLICY, SLOT_MS, slotStartOf } from '../../../lambdas/domain/kpi-rollup.ts';
import { computeKpis, KPI_COUNTER_METRICS, withRatiosFor } from '../../../lambdas/domain/kpis.ts';
import { defaultPlantConfig } from '../../../lambdas/domain/plant.ts';
import type { StoredReading } from '../../../lambdas/domain/ports.ts';
import { makeProcessorHandler } from '../../../lambdas/handlers/processor.ts';
import { makeKpisHandler, type QueryEvent } from '../../../lambdas/handlers/query-api.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../../support/memory-ports.ts';
import { TimestreamFake } from '../timestream/timestream-fake.ts';
import {
  ALA,
  AST,
  DAY,
  deliver,
  deliveries,
  END,
  FINAL_ROLLUP_AT,
  FIRST_ROLLUP_AT,
  LATE_AT,
  ON_TIME_AT,
  QUERY_AT,
  START,
  zoneOf,
} from './cross-store-fixtures.ts';
import { makeReader } from './fixtures.ts';
import { TimestreamQueryFake } from './timestream-query-fake.ts';

let dynalite: RunningDynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

/** Groups the requests of the query fake into runs: a first request, then its NextToken pages. */
function runsOf(requests: ReadonlyArray<{ QueryString?: string; NextToken?: string }>) {
  const runs: Array<{ query: string; pages: number }> = [];
  for (const request of requests) {
    const run = runs.at(-1);
    if (request.NextToken === undefined) runs.push({ query: request.QueryString ?? '', pages: 1 });
    else {
      // a page continues the run it came from, with the same text
      expect(run?.query).toBe(request.QueryString);
      if (run) run.pages++;
    }
  }
  return runs;
}

describe('DuckDB and Timestream (with the KPI rollup) answer identical KPIs for the same data', () => {
  const { sent, corrected } = deliveries();
  const onTime = sent.filter((d) => !d.late).map((d) => d.body);
  const late = sent.filter((d) => d.late).map((d) => d.body);
  const clock = new FixedClock(ON_TIME_AT);
  let duck: DuckDbMetricsStore;
  let duckState: DynamoStateStore;
  let writeFake: TimestreamFake;
  let rollup: DynamoKpiRollupStore;
  let tsState: DynamoStateStore;

  /** A query fake over what the Timestream writer stored, and a reader with or without the rollup. */
  function timestream(withRollup: boolean): { fake: TimestreamQueryFake; reader: TimestreamMetricsReader } {
    const fake = new TimestreamQueryFake({
      tables: { readings: writeFake.records('readings'), movements: writeFake.records('movements') },
      pageSize: 25,
      permuteColumns: true,
      seed: 3,
    });
    return { fake, reader: makeReader(fake.client, withRollup ? { rollup } : {}) };
  }

  beforeAll(async () => {
    duck = await DuckDbMetricsStore.open({ path: ':memory:', clock });
    writeFake = new TimestreamFake({ clock, memoryRetentionMs: 30 * DAY, seed: 2 });
    await createStateTable(dynalite.client, 'cross-duck');
    await createStateTable(dynalite.client, 'cross-ts');
    await createKpiRollupTable(dynalite.client, 'cross-rollup');
    duckState = new DynamoStateStore({ client: dynalite.client, tableName: 'cross-duck' });
    tsState = new DynamoStateStore({ client: dynalite.client, tableName: 'cross-ts' });
    for (const state of [duckState, tsState])
      await state.putPlant({ ...defaultPlantConfig(ALA), timeZone: zoneOf(ALA) });
    rollup = new DynamoKpiRollupStore({
      client: dynalite.client,
      tableName: 'cross-rollup',
      clock,
      settle: { ...DEFAULT_SETTLE_POLICY, memoryRetentionMs: 30 * DAY },
    });
    const writer = new TimestreamMetricsWriter({
      client: writeFake.client,
      databaseName: writeFake.databaseName,
      readingsTableName: 'readings',
      movementsTableName: 'movements',
      clock,
      sleep: async () => {},
      random: () => 0.5,
    });
    const rejections = new MemoryRejections();
    const toDuck = makeProcessorHandler({ metrics: duck, state: duckState, rejections });
    const toTimestream = makeProcessorHandler({
      metrics: writer,
      state: tsState,
      rejections,
      kpiSlots: rollup,
    });

    await deliver(toDuck, onTime);
    await deliver(toTimestream, onTime);
    // The scheduled job rolls up every settled slot, reading raw data through a reader without rollup.
    clock.current = FIRST_ROLLUP_AT;
    const first = timestream(false);
    const run = await rollUpPendingSlots({ rollup, readings: first.reader, clock });
    first.fake.restore();
    expect(run.rolled).toBeGreaterThan(100);
    expect(run.superseded + run.deferred).toBe(0);
    // Late messages and corrections land in slots already rolled up: the processor marks them again.
    clock.current = LATE_AT;
    await deliver(toDuck, late);
    await deliver(toTimestream, late);
    clock.current = QUERY_AT;
  }, 120_000);

  afterAll(async () => {
    writeFake.restore();
    await duck.close();
  });

  it('has the data this test is about', async () => {
    expect(late.length).toBeGreaterThan(20);
    const fed = await duck.readReadings({ plantId: AST, metric: 'waste_fed', from: START, to: END });
    expect(fed.some((r) => r.quality === 'BAD')).toBe(true);
    expect(
      fed
        .filter((r) => r.quality === 'GOOD')
        .some((r, i, all) => i > 0 && r.value < (all[i - 1]?.value ?? 0)),
    ).toBe(true);
    for (const c of corrected) {
      const [stored] = await duck.readReadings({
        plantId: c.plantId,
        metric: c.metric as never,
        from: c.ts,
        to: c.ts + 1,
      });
      expect(stored?.correction).toBe(true);
    }
    // the late data left slots pending in the rollup
    expect((await rollup.pendingSlots(Number.MAX_SAFE_INTEGER, 1000)).length).toBeGreaterThan(10);
  });

  it.each([
    [AST, '1h'],
    [AST, '1d'],
    [ALA, '1h'],
    [ALA, '1d'],
  ] as const)(
    '%s %s: identical points from DuckDB, Timestream with the rollup, and the domain core',
    async (plantId, interval) => {
      const zone = zoneOf(plantId);
      const { fake, reader } = timestream(true);
      try {
        const fromDuck = await loadKpis(duck, plantId, interval, zone, START, END, QUERY_AT);
        const fromTimestream = await loadKpis(reader, plantId, interval, zone, START, END, QUERY_AT);
        expect(fromTimestream).toEqual(fromDuck);
        expect(fromDuck).toHaveLength(interval === '1h' ? (plantId === ALA ? 31 : 30) : 2);
        expect(fromDuck.some((p) => p.fed_t > 0 && p.received_t > 0 && p.heat_exported_mwh > 0)).toBe(true);

        // and the domain core on everything stored
        const readings: StoredReading[] = [];
        for (const metric of KPI_COUNTER_METRICS)
          readings.push(...(await duck.readReadings({ plantId, metric, from: 0, to: END + DAY })));
        const core = computeKpis({
          interval,
          timeZone: zone,
          from: START,
          to: END,
          now: QUERY_AT,
          readings,
          movements: await duck.readMovements(plantId, 0, END + DAY),
        });
        // loadKpis answers as the API: hours without the ratios of truck tonnages (docs/kpis.md)
        expect(fromDuck).toEqual(core.map((p) => withRatiosFor(interval, p)));

        // Timestream: raw counter and ticket reads only for the slots the late data touched.
        const runs = runsOf(fake.requests);
        const counterRuns = runs.filter((r) => r.query.includes('"wfc" IS NOT NULL OR'));
        expect(counterRuns.length).toBeGreaterThan(0);
        expect(counterRuns.length).toBeLessThanOrEqual(4);
        // no ticket was ever corrected, so the movements table has no `v` yet: each read refused once, then rerun
        const ticketRuns = runs.filter((r) => r.query.includes('"movements"'));
        const ticketReads = ticketRuns.length / 2;
        expect(ticketReads).toBeGreaterThan(0);
        expect(ticketReads).toBeLessThanOrEqual(4);
        expect(ticketRuns.map((r) => r.query.includes('CAST(NULL AS BIGINT) AS "v"'))).toEqual(
          Array.from({ length: ticketRuns.length }, (_, i) => i % 2 === 1),
        );
        expect(runs).toHaveLength(counterRuns.length + ticketRuns.length);
        expect(runs.some((r) => r.pages > 2)).toBe(true);
      } finally {
        fake.restore();
      }
    },
  );

  it('sends the expected SQL on the rollup path, and scans a fraction of what the raw path scans', async () => {
    const pending = new Set(
      (await rollup.pendingSlots(Number.MAX_SAFE_INTEGER, 1000))
        .filter((p) => p.plantId === AST)
        .map((p) => p.start),
    );
    const withRollup = timestream(true);
    const raw = timestream(false);
    try {
      const a = await loadKpis(withRollup.reader, AST, '1d', zoneOf(AST), START, END, QUERY_AT);
      const b = await loadKpis(raw.reader, AST, '1d', zoneOf(AST), START, END, QUERY_AT);
      expect(a).toEqual(b);
      const queries = runsOf(withRollup.fake.requests).map((r) => r.query);
      // every raw counter range covers pending slots only (merged into at most 4 queries)
      for (const query of queries.filter((q) => q.includes('"wfc" IS NOT NULL OR'))) {
        const [from, to] = (
          /from_milliseconds\((\d+)\) AND time < from_milliseconds\((\d+)\)/.exec(query) ?? []
        )
          .slice(1)
          .map(Number) as [number, number];
        expect(query).toBe(
          `SELECT "line", measure_name, time, "wfc", "eg", "ee", "hx", "q", "v" FROM "wte"."readings" WHERE time >= from_milliseconds(${from}) AND time < from_milliseconds(${to}) AND "plant" = '${AST}' AND measure_name LIKE 'm.%' AND ("wfc" IS NOT NULL OR "eg" IS NOT NULL OR "ee" IS NOT NULL OR "hx" IS NOT NULL)`,
        );
        expect(pending.has(from) && pending.has(to - SLOT_MS)).toBe(true);
      }
      // every raw ticket range covers pending slots only too (merged into at most 4 reads)
      const ticketQueries = queries.filter((q) => q.includes('"movements"'));
      expect(ticketQueries.length).toBeGreaterThan(0);
      expect(ticketQueries.length).toBeLessThanOrEqual(8);
      for (const query of ticketQueries) {
        const [from, to] = (
          /IN \(SELECT "ticket" FROM "wte"."movements" WHERE time >= from_milliseconds\((\d+)\) AND time < from_milliseconds\((\d+)\)/.exec(
            query,
          ) ?? []
        )
          .slice(1)
          .map(Number) as [number, number];
        const v = query.includes('CAST(NULL AS BIGINT)') ? 'CAST(NULL AS BIGINT) AS "v"' : '"v"';
        expect(query).toBe(
          `SELECT "ticket", time, "t", "dir", "mat", "dst", "op", ${v} FROM "wte"."movements" WHERE time >= from_milliseconds(${from - 7 * DAY}) AND time < from_milliseconds(${to + 7 * DAY}) AND "plant" = '${AST}' AND measure_name = 'wb' AND "ticket" IN (SELECT "ticket" FROM "wte"."movements" WHERE time >= from_milliseconds(${from}) AND time < from_milliseconds(${to}) AND "plant" = '${AST}' AND measure_name = 'wb')`,
        );
        expect(pending.has(from) && pending.has(to - SLOT_MS)).toBe(true);
      }
      // the raw path: 4 counters' readings, 4 predecessors, the tickets (twice, as above)
      expect(runsOf(raw.fake.requests)).toHaveLength(10);
      // late data scattered over the whole range keeps many slots pending: still a fraction of the raw scan
      expect(withRollup.fake.scannedRecords).toBeLessThan(raw.fake.scannedRecords / 4);
    } finally {
      withRollup.fake.restore();
      raw.fake.restore();
    }
  });

  it('once the job has re-rolled the late slots, the KPI path reads no raw counters or tickets at all, with the same answer', async () => {
    clock.current = FINAL_ROLLUP_AT;
    const job = timestream(false);
    const run = await rollUpPendingSlots({ rollup, readings: job.reader, clock });
    job.fake.restore();
    expect(run.pending).toBeGreaterThan(10);
    expect(run.rolled).toBe(run.pending);
    expect(await rollup.pendingSlots(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);

    const { fake, reader } = timestream(true);
    try {
      for (const plantId of [AST, ALA]) {
        for (const interval of ['1h', '1d'] as const) {
          const zone = zoneOf(plantId);
          expect(await loadKpis(reader, plantId, interval, zone, START, END, QUERY_AT)).toEqual(
            await loadKpis(duck, plantId, interval, zone, START, END, QUERY_AT),
          );
        }
      }
      // counters and tickets all come from the rollup: nothing read raw
      expect(fake.requests).toHaveLength(0);
      const raw = timestream(false);
      const scannedWithRollup = fake.scannedRecords;
      for (const plantId of [AST, ALA])
        for (const interval of ['1h', '1d'] as const)
          await loadKpis(raw.reader, plantId, interval, zoneOf(plantId), START, END, QUERY_AT);
      raw.fake.restore();
      expect(scannedWithRollup).toBeLessThan(raw.fake.scannedRecords / 20);
    } finally {
      fake.restore();
    }
  });

  it('answers the same HTTP body from both stores, through the query API', async () => {
    const { fake, reader } = timestream(true);
    try {
      const event = (plantId: string, interval: string): QueryEvent => ({
        httpMethod: 'GET',
        path: `/v1/plants/${plantId}/kpis`,
        headers: {},
        body: null,
        isBase64Encoded: false,
        pathParameters: { plantId },
        queryStringParameters: {
          from: new Date(START).toISOString(),
          to: new Date(END).toISOString(),
          interval,
        },
      });
      for (const plantId of [AST, ALA]) {
        for (const interval of ['1h', '1d']) {
          const local = await makeKpisHandler({ metrics: duck, plants: duckState, clock })(
            event(plantId, interval),
          );
          const aws = await makeKpisHandler({ metrics: reader, plants: tsState, clock })(
            event(plantId, interval),
          );
          expect(local.statusCode).toBe(200);
          expect(aws.body).toBe(local.body);
        }
      }
      expect(
        JSON.parse(
          (await makeKpisHandler({ metrics: reader, plants: tsState, clock })(event(ALA, '1d'))).body,
        ).timezone,
      ).toBe('Asia/Kolkata');
    } finally {
      fake.restore();
    }
  });

  it('marked exactly the slots of the late KPI counter readings', () => {
    for (const c of corrected) expect(slotStartOf(c.ts) % SLOT_MS).toBe(0);
  });
});
