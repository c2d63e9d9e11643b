/**
 * The third store of the cross-store test (../timestream-query/cross-store.test.ts):
 * the same deliveries, through the processor with the real queue codec,
 * written by the Firehose writer (its client mocked with aws-sdk-client-mock,
 * capturing the records), stored as Parquet files laid out like the Iceberg
 * tables (test/support/lake-parquet.ts), and read by the lake reader over the
 * Athena query runner over Athena on DuckDB (test/support/athena-on-duckdb.ts):
 * the lake's real SQL runs on the data, no result row is mocked. The KPI
 * rollup works as on the Timestream side: the processor marks slots, the
 * scheduled job rolls them up from the lake, late data marks them again.
 *
 * Every delivery reaches the lake at least twice (SQS redelivers each
 * message, and every Firehose flush lands twice), and the answers still
 * equal local DuckDB's: hour and day KPIs in two time zones, series, tickets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import {
  FirehoseClient,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
} from '@aws-sdk/client-firehose';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import {
  createKpiRollupTable,
  DynamoKpiRollupStore,
} from '../../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { createStateTable, DynamoStateStore } from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { AthenaQueryRunner } from '../../../lambdas/adapters/lake/athena-query-runner.ts';
import { FirehoseMetricsWriter } from '../../../lambdas/adapters/lake/firehose-metrics-writer.ts';
import { LakeMetricsReader } from '../../../lambdas/adapters/lake/lake-metrics-reader.ts';
import type { MovementRow, ReadingRow } from '../../../lambdas/adapters/lake/lake-rows.ts';
import { loadKpis, rollUpPendingSlots } from '../../../lambdas/app/kpi-query.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import { DEFAULT_SETTLE_POLICY } from '../../../lambdas/domain/kpi-rollup.ts';
import { KPI_COUNTER_METRICS } from '../../../lambdas/domain/kpis.ts';
import { defaultPlantConfig } from '../../../lambdas/domain/plant.ts';
import { makeProcessorHandler } from '../../../lambdas/handlers/processor.ts';
import { makeKpisHandler } from '../../../lambdas/handlers/query-api.ts';
import { type AthenaOnDuckDb, athenaOnDuckDb } from '../../support/athena-on-duckdb.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { writeLakeTables } from '../../support/lake-parquet.ts';
import { FixedClock, MemoryRejections } from '../../support/memory-ports.ts';
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
} from '../timestream-query/cross-store-fixtures.ts';

const firehose = mockClient(FirehoseClient);
const athena = mockClient(AthenaClient);
const READINGS_STREAM = 'wte-lake-readings';
const MOVEMENTS_STREAM = 'wte-lake-movements';
const CATALOG = 's3tablescatalog/wte-lake';

let dynalite: RunningDynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
  firehose.restore();
  athena.restore();
});

describe('the lake (Firehose, Parquet, Athena on DuckDB, KPI rollup) answers as local DuckDB', () => {
  const { sent } = deliveries();
  const onTime = sent.filter((d) => !d.late).map((d) => d.body);
  const late = sent.filter((d) => d.late).map((d) => d.body);
  const clock = new FixedClock(ON_TIME_AT);
  const captured: { readings: ReadingRow[]; movements: MovementRow[] } = { readings: [], movements: [] };
  let duck: DuckDbMetricsStore;
  let rollup: DynamoKpiRollupStore;
  let duckState: DynamoStateStore;
  let lakeState: DynamoStateStore;
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let harness: AthenaOnDuckDb;
  let flushes = 0;

  const reader = (withRollup: boolean) =>
    new LakeMetricsReader({
      runner: new AthenaQueryRunner({
        client: new AthenaClient({ region: 'eu-central-1' }),
        workGroup: 'wte-lake',
        catalog: CATALOG,
        database: 'metrics',
        sleep: async () => {},
      }),
      ...(withRollup ? { rollup } : {}),
    });

  /** What Firehose received since the last flush lands in the lake twice: at-least-once delivery. */
  async function flush(): Promise<void> {
    const rows = { readings: captured.readings.splice(0), movements: captured.movements.splice(0) };
    for (let copy = 0; copy < 2; copy++) await writeLakeTables(connection, dir, rows);
    flushes++;
  }

  beforeAll(async () => {
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      const records = input.Records ?? [];
      const rows = records.map((r) => JSON.parse(new TextDecoder().decode(r.Data as Uint8Array)));
      if (input.DeliveryStreamName === READINGS_STREAM) captured.readings.push(...rows);
      else if (input.DeliveryStreamName === MOVEMENTS_STREAM) captured.movements.push(...rows);
      else throw new Error(`unexpected stream ${input.DeliveryStreamName}`);
      return { FailedPutCount: 0, RequestResponses: records.map((_, i) => ({ RecordId: `r${i}` })) };
    });
    dir = mkdtempSync(path.join(tmpdir(), 'cross-lake-'));
    instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    connection = await instance.connect();
    await writeLakeTables(connection, dir, {});
    harness = athenaOnDuckDb(athena, connection, { runningPolls: 1 });

    duck = await DuckDbMetricsStore.open({ path: ':memory:', clock });
    await createStateTable(dynalite.client, 'lake-duck');
    await createStateTable(dynalite.client, 'lake-state');
    await createKpiRollupTable(dynalite.client, 'lake-rollup');
    duckState = new DynamoStateStore({ client: dynalite.client, tableName: 'lake-duck' });
    lakeState = new DynamoStateStore({ client: dynalite.client, tableName: 'lake-state' });
    for (const state of [duckState, lakeState])
      await state.putPlant({ ...defaultPlantConfig(ALA), timeZone: zoneOf(ALA) });
    rollup = new DynamoKpiRollupStore({
      client: dynalite.client,
      tableName: 'lake-rollup',
      clock,
      settle: { ...DEFAULT_SETTLE_POLICY, memoryRetentionMs: 30 * DAY },
    });
    const writer = new FirehoseMetricsWriter({
      client: new FirehoseClient({ region: 'eu-central-1', maxAttempts: 1 }),
      readingsStreamName: READINGS_STREAM,
      movementsStreamName: MOVEMENTS_STREAM,
      clock,
      sleep: async () => {},
      random: () => 0.5,
    });
    const rejections = new MemoryRejections();
    const toDuck = makeProcessorHandler({ metrics: duck, state: duckState, rejections });
    const toLake = makeProcessorHandler({ metrics: writer, state: lakeState, rejections, kpiSlots: rollup });

    await deliver(toDuck, onTime);
    await deliver(toLake, onTime);
    // SQS redelivers every message, in another order and other batches
    await deliver(toLake, [...onTime].reverse());
    await flush();
    clock.current = FIRST_ROLLUP_AT;
    const run = await rollUpPendingSlots({ rollup, readings: reader(false), clock });
    expect(run.rolled).toBeGreaterThan(100);
    expect(run.superseded + run.deferred).toBe(0);
    clock.current = LATE_AT;
    await deliver(toDuck, late);
    await deliver(toLake, late);
    await deliver(toLake, [...late].reverse());
    await flush();
    clock.current = QUERY_AT;
  }, 180_000);

  afterAll(async () => {
    await duck.close();
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds every row at least twice, and the late data left slots pending', async () => {
    const count = async (table: string) =>
      Number((await connection.runAndReadAll(`SELECT count(*) AS n FROM ${table}`)).getRowObjectsJS()[0]?.n);
    const stored = async (table: string) =>
      Number(
        (
          await connection.runAndReadAll(`SELECT count(*) AS n FROM (SELECT DISTINCT * FROM ${table})`)
        ).getRowObjectsJS()[0]?.n,
      );
    for (const table of ['readings', 'movements']) {
      expect(await stored(table)).toBeGreaterThan(0);
      expect(await count(table)).toBeGreaterThanOrEqual(4 * (await stored(table)));
    }
    expect(flushes).toBe(2);
    expect((await rollup.pendingSlots(Number.MAX_SAFE_INTEGER, 1000)).length).toBeGreaterThan(10);
  });

  it.each([
    [AST, '1h'],
    [AST, '1d'],
    [ALA, '1h'],
    [ALA, '1d'],
  ] as const)(
    '%s %s: identical KPI points from the lake with the rollup and from DuckDB',
    async (plantId, interval) => {
      const zone = zoneOf(plantId);
      const before = harness.queries.length;
      const fromDuck = await loadKpis(duck, plantId, interval, zone, START, END, QUERY_AT);
      expect(fromDuck.some((p) => p.fed_t > 0 && p.received_t > 0 && p.heat_exported_mwh > 0)).toBe(true);
      expect(await loadKpis(reader(true), plantId, interval, zone, START, END, QUERY_AT)).toEqual(fromDuck);
      // with the rollup: raw counters only for the slots the late data marked (at most 4 ranges), then the tickets
      const viaRollup = harness.queries.slice(before).map((q) => q.sql);
      const counterQueries = viaRollup.filter((sql) => sql.includes(" AND metric IN ('waste_fed'"));
      expect(counterQueries.length).toBeGreaterThan(0);
      expect(counterQueries.length).toBeLessThanOrEqual(4);
      expect(viaRollup).toHaveLength(counterQueries.length + 1);
      expect(await loadKpis(reader(false), plantId, interval, zone, START, END, QUERY_AT)).toEqual(fromDuck);
      // every query ran in the lake's catalog and namespace, on the day partitions of its range
      for (const query of harness.queries.slice(before)) {
        expect([query.catalog, query.database, query.workGroup]).toEqual([CATALOG, 'metrics', 'wte-lake']);
        expect(query.sql).toMatch(/ AND day BETWEEN DATE '2026-11-\d\d' AND DATE '2026-1[12]-\d\d'/);
      }
    },
  );

  it('identical series of every counter and a gauge, and identical tickets', async () => {
    const lake = reader(false);
    for (const plantId of [AST, ALA]) {
      for (const metric of [...KPI_COUNTER_METRICS, 'furnace_temperature'] as MetricName[]) {
        const query = { plantId, metric, from: START - DAY, to: END + DAY };
        const local = await duck.readReadings(query);
        expect(await lake.readReadings(query)).toEqual(local);
        expect(await lake.readLastBefore(plantId, metric, START + 7 * 3_600_000)).toEqual(
          await duck.readLastBefore(plantId, metric, START + 7 * 3_600_000),
        );
      }
      expect((await lake.readMovements(plantId, START, END)).length).toBeGreaterThan(0);
      expect(await lake.readMovements(plantId, START, END)).toEqual(
        await duck.readMovements(plantId, START, END),
      );
    }
  });

  it('once the job has re-rolled the late slots, KPIs read only the tickets from the lake, with the same answer', async () => {
    clock.current = FINAL_ROLLUP_AT;
    const run = await rollUpPendingSlots({ rollup, readings: reader(false), clock });
    expect(run.rolled).toBe(run.pending);
    expect(await rollup.pendingSlots(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    const before = harness.queries.length;
    for (const plantId of [AST, ALA])
      for (const interval of ['1h', '1d'] as const) {
        const zone = zoneOf(plantId);
        expect(await loadKpis(reader(true), plantId, interval, zone, START, END, QUERY_AT)).toEqual(
          await loadKpis(duck, plantId, interval, zone, START, END, QUERY_AT),
        );
      }
    const sent = harness.queries.slice(before).map((q) => q.sql);
    expect(sent).toHaveLength(4);
    expect(sent.every((sql) => sql.includes(' FROM movements '))).toBe(true);
  });

  it('answers the same HTTP body as local DuckDB through the query API', async () => {
    for (const plantId of [AST, ALA])
      for (const interval of ['1h', '1d']) {
        const event = {
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
        };
        const local = await makeKpisHandler({ metrics: duck, plants: duckState, clock })(event);
        const lake = await makeKpisHandler({ metrics: reader(true), plants: lakeState, clock })(event);
        expect(local.statusCode).toBe(200);
        expect(lake.body).toBe(local.body);
      }
  });
});
