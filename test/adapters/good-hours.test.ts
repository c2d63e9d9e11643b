/**
 * `readGoodHours`, the report's hourly coverage aggregate, on both stores
 * that have it: the local DuckDB store and the lake reader (its SQL run on
 * DuckDB over Parquet laid out like the Iceberg tables, rows resent and
 * shuffled). Both must answer exactly the hours in which `readReadings`
 * gives a GOOD reading, versions resolved: a GOOD reading corrected to BAD
 * empties its hour, a BAD one corrected to GOOD fills it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { DuckDbSqlRunner } from '../../lambdas/adapters/duckdb/duckdb-sql-runner.ts';
import { LakeMetricsReader } from '../../lambdas/adapters/lake/lake-metrics-reader.ts';
import { readingRow } from '../../lambdas/adapters/lake/lake-rows.ts';
import type { SqlRow, SqlRunner } from '../../lambdas/adapters/sql-runner.ts';
import { InvalidMetricsQueryError } from '../../lambdas/adapters/timestream-query/errors.ts';
import type { MetricName } from '../../lambdas/domain/catalog.ts';
import type { GoodHour } from '../../lambdas/domain/metrics-ports.ts';
import type { StoredReading } from '../../lambdas/domain/ports.ts';
import { writeLakeTables } from '../support/lake-parquet.ts';
import { FixedClock } from '../support/memory-ports.ts';
import { reading } from '../support/stored-items.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A UTC midnight inside the data: the lake reads two `day` partitions. */
const MIDNIGHT = Date.parse('2026-11-24T00:00:00Z');
const START = MIDNIGHT - 5 * HOUR;
const END = MIDNIGHT + 5 * HOUR;
const FIXED_AT = END + HOUR;
const METRICS: MetricName[] = ['furnace_temperature', 'waste_fed'];

/** Furnace temperature on two lines every 20 minutes, BAD and UNCERTAIN in places; waste_fed with a 3-hour hole. */
function originals(): StoredReading[] {
  const out: StoredReading[] = [];
  for (let ts = START; ts < END; ts += 20 * MINUTE) {
    const step = (ts - START) / (20 * MINUTE);
    for (const line of ['boiler-1', 'boiler-2'])
      out.push(
        reading({
          line,
          ts,
          value: 900 + step,
          quality: line === 'boiler-2' && step % 3 !== 0 ? 'BAD' : step % 5 === 4 ? 'UNCERTAIN' : 'GOOD',
        }),
      );
    if (ts < MIDNIGHT - HOUR || ts >= MIDNIGHT + 2 * HOUR)
      out.push(reading({ metric: 'waste_fed', line: 'boiler-1', ts, value: 1000 + step }));
  }
  return out;
}

/** The only GOOD reading of boiler-2's first hour corrected to BAD; a BAD one of its second hour corrected to GOOD. */
function corrections(): StoredReading[] {
  return [
    reading({ line: 'boiler-2', ts: START, value: 1, quality: 'BAD', version: FIXED_AT, correction: true }),
    reading({
      line: 'boiler-2',
      ts: START + HOUR + 20 * MINUTE,
      value: 2,
      quality: 'GOOD',
      version: FIXED_AT,
      correction: true,
    }),
  ];
}

/** What readReadings implies: the hours of each series with a GOOD reading. */
async function expectedHours(store: DuckDbMetricsStore, from: number, to: number): Promise<GoodHour[]> {
  const hours = new Map<string, GoodHour>();
  for (const metric of METRICS)
    for (const r of await store.readReadings({ plantId: 'kz-ast-01', metric, from, to }))
      if (r.quality === 'GOOD') {
        const hour = Math.floor(r.ts / HOUR) * HOUR;
        hours.set(`${metric} ${r.line} ${hour}`, { metric, line: r.line, hour });
      }
  return sorted([...hours.values()]);
}

const sorted = (hours: readonly GoodHour[]) =>
  [...hours].sort((a, b) =>
    a.metric !== b.metric
      ? a.metric.localeCompare(b.metric)
      : a.line !== b.line
        ? a.line.localeCompare(b.line)
        : a.hour - b.hour,
  );

class RecordingRunner implements SqlRunner {
  readonly sent: string[] = [];
  constructor(private readonly inner: SqlRunner) {}
  run(sql: string): Promise<SqlRow[]> {
    this.sent.push(sql);
    return this.inner.run(sql);
  }
}

let dir: string;
let instance: DuckDBInstance;
let connection: DuckDBConnection;
let runner: RecordingRunner;
let lake: LakeMetricsReader;
let duck: DuckDbMetricsStore;

beforeAll(async () => {
  duck = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(FIXED_AT + HOUR) });
  expect((await duck.writeReadings(originals())).rejected).toEqual([]);
  expect((await duck.writeReadings(corrections())).rejected).toEqual([]);

  dir = mkdtempSync(path.join(tmpdir(), 'good-hours-'));
  instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  connection = await instance.connect();
  // Resends and both versions side by side, in two flushes, corrections first: the SQL must resolve them.
  const rows = [...corrections(), ...originals(), ...originals().filter((_, i) => i % 4 === 0)].map(
    readingRow,
  );
  for (let flush = 0; flush < 2; flush++)
    await writeLakeTables(connection, dir, {
      readings: rows.filter((_, i) => i % 2 === flush),
      movements: [],
    });
  runner = new RecordingRunner(new DuckDbSqlRunner(connection));
  lake = new LakeMetricsReader({ runner });
}, 60_000);

afterAll(async () => {
  await duck?.close();
  connection?.closeSync();
  instance?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe('readGoodHours', () => {
  it('on DuckDB, answers the hours with a GOOD reading of each series, versions resolved', async () => {
    const hours = sorted(await duck.readGoodHours('kz-ast-01', METRICS, START, END));
    expect(hours).toEqual(await expectedHours(duck, START, END));
    const ofLine = (metric: MetricName, line: string) =>
      hours.filter((h) => h.metric === metric && h.line === line).map((h) => (h.hour - START) / HOUR);
    // boiler-2 is GOOD at most once an hour (at :00; UNCERTAIN in hours 3 and 8): its first hour lost it to
    // the BAD correction, its second gained one at :20.
    expect(ofLine('furnace_temperature', 'boiler-2')).toEqual([1, 2, 4, 5, 6, 7, 9]);
    expect(ofLine('furnace_temperature', 'boiler-1')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // waste_fed has nothing from 23:00 to 02:00.
    expect(ofLine('waste_fed', 'boiler-1')).toEqual([0, 1, 2, 3, 7, 8, 9]);
    // The query connections answer the same.
    expect(sorted(await duck.queries().readGoodHours('kz-ast-01', METRICS, START, END))).toEqual(hours);
  });

  it.each([
    [START, END],
    [MIDNIGHT - 90 * MINUTE, MIDNIGHT + 30 * MINUTE],
    [MIDNIGHT, MIDNIGHT + 1],
    [END, START],
  ])(
    'on the lake, answers what DuckDB answers for [%i, %i), reading only its day partitions',
    async (from, to) => {
      runner.sent.length = 0;
      expect(sorted(await lake.readGoodHours('kz-ast-01', METRICS, from, to))).toEqual(
        sorted(await duck.readGoodHours('kz-ast-01', METRICS, from, to)),
      );
      if (to > from) expect(runner.sent.at(-1)).toContain("AND day BETWEEN DATE '2026-11-2");
      else expect(runner.sent).toEqual([]);
    },
  );

  it('answers nothing for another plant and refuses arguments outside the contract before any query', async () => {
    expect(await duck.readGoodHours('kz-ala-01', METRICS, START, END)).toEqual([]);
    runner.sent.length = 0;
    await expect(lake.readGoodHours("x' OR 1=1", METRICS, START, END)).rejects.toBeInstanceOf(
      InvalidMetricsQueryError,
    );
    await expect(lake.readGoodHours('kz-ast-01', ['nope' as MetricName], START, END)).rejects.toBeInstanceOf(
      InvalidMetricsQueryError,
    );
    expect(runner.sent).toEqual([]);
    expect(await duck.readGoodHours('kz-ast-01', [], START, END)).toEqual([]);
    expect(await lake.readGoodHours('kz-ast-01', [], START, END)).toEqual([]);
    // DuckDB quotes what it is given (local mode checks plant ids at the edge): no row matches, nothing is injected.
    expect(await duck.readGoodHours("kz-ast-01' OR '1'='1", METRICS, START, END)).toEqual([]);
  });
});
