/**
 * The lake reader over DuckDB, on Parquet files laid out like the Iceberg
 * tables (test/support/lake-parquet.ts): rows resent, in several flushes,
 * shuffled, with every version a correction left behind, answer exactly what
 * the local DuckDB store answers for the same writes, within the reader's
 * documented bounds (look back, ticket horizon).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { DuckDbSqlRunner } from '../../../lambdas/adapters/duckdb/duckdb-sql-runner.ts';
import { LakeMetricsReader } from '../../../lambdas/adapters/lake/lake-metrics-reader.ts';
import { LakeQueryError } from '../../../lambdas/adapters/lake/lake-query-error.ts';
import { movementRow, readingRow } from '../../../lambdas/adapters/lake/lake-rows.ts';
import type { SqlRow, SqlRunner } from '../../../lambdas/adapters/sql-runner.ts';
import { InvalidMetricsQueryError } from '../../../lambdas/adapters/timestream-query/errors.ts';
import { loadKpis } from '../../../lambdas/app/kpi-query.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import type { KpiRollupReader, KpiSlot } from '../../../lambdas/domain/kpi-rollup.ts';
import { KPI_COUNTER_METRICS } from '../../../lambdas/domain/kpis.ts';
import type { StoredMovement, StoredReading } from '../../../lambdas/domain/ports.ts';
import { prng } from '../../../lambdas/sim/fleet.ts';
import { writeLakeTables } from '../../support/lake-parquet.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { movement, reading } from '../../support/stored-items.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A UTC midnight: the data spans two `day` partitions. */
const MIDNIGHT = Date.parse('2026-11-24T00:00:00Z');
const START = MIDNIGHT - 6 * HOUR;
const END = MIDNIGHT + 6 * HOUR;
const PLANT = 'kz-ast-01';
const OTHER = 'kz-ala-01';
const FIXED_AT = MIDNIGHT + 7 * HOUR;

/** Records every SQL text, then runs it: the reader's real queries on the real engine. */
class RecordingRunner implements SqlRunner {
  readonly sent: string[] = [];
  constructor(private readonly inner: SqlRunner) {}
  run(sql: string): Promise<SqlRow[]> {
    this.sent.push(sql);
    return this.inner.run(sql);
  }
}

/** Two plants, a gauge on two lines and the four counters, every 10 minutes, some BAD and UNCERTAIN. */
function originals(): StoredReading[] {
  const out: StoredReading[] = [];
  for (const plantId of [PLANT, OTHER]) {
    const counters = new Map<MetricName, number>(KPI_COUNTER_METRICS.map((m, i) => [m, 100 * (i + 1)]));
    for (let ts = START; ts < END; ts += 10 * MINUTE) {
      const step = ts / (10 * MINUTE);
      for (const line of ['boiler-1', 'boiler-2'])
        out.push(
          reading({
            plantId,
            line,
            ts,
            value: 850 + (step % 13),
            quality: step % 7 === 0 ? 'BAD' : step % 11 === 0 ? 'UNCERTAIN' : 'GOOD',
          }),
        );
      for (const metric of KPI_COUNTER_METRICS) {
        const value = (counters.get(metric) ?? 0) + 0.25 + (step % 5) / 8;
        counters.set(metric, value);
        out.push(reading({ plantId, line: metric === 'heat_exported' ? 'heat' : 'main', metric, ts, value }));
      }
    }
  }
  return out;
}

/** Corrections received later: new values, a GOOD reading corrected to BAD, and two versions of one reading. */
function corrections(all: readonly StoredReading[]): StoredReading[] {
  const fixes = all
    .filter((_, i) => i % 19 === 4)
    .map((r, i) => ({
      ...r,
      value: r.value + 0.5,
      quality: i % 4 === 0 ? ('BAD' as const) : ('GOOD' as const),
      version: FIXED_AT + i,
      correction: true,
    }));
  const twice = all[40] as StoredReading;
  return [
    ...fixes,
    { ...twice, value: 1, version: FIXED_AT + 1000, correction: true },
    { ...twice, value: 2, version: FIXED_AT + 2000, correction: true },
  ];
}

const tickets = (): StoredMovement[] => [
  movement({ ticketId: 'WB-1', ts: MIDNIGHT - 2 * HOUR }),
  movement({ ticketId: 'WB-2', ts: MIDNIGHT - 30 * MINUTE, direction: 'out', material: 'bottom_ash' }),
  movement({ ticketId: 'WB-3', ts: MIDNIGHT + HOUR, destination: 'landfill', operationCode: 'D1' }),
  movement({ plantId: OTHER, ticketId: 'WB-1', ts: MIDNIGHT + 2 * HOUR, netTonnes: 3.5 }),
];

/** WB-2 moved across midnight by a correction, WB-3 re-weighed in place. */
const ticketFixes = (): StoredMovement[] => [
  movement({
    ticketId: 'WB-2',
    ts: MIDNIGHT + 90 * MINUTE,
    direction: 'out',
    material: 'bottom_ash',
    version: FIXED_AT,
    correction: true,
  }),
  movement({
    ticketId: 'WB-3',
    ts: MIDNIGHT + HOUR,
    netTonnes: 11,
    destination: 'landfill',
    operationCode: 'D1',
    version: FIXED_AT,
    correction: true,
  }),
];

/** Every item's lake row, resent, shuffled, in several flushes (as Firehose delivers at least once). */
async function writeLake(
  connection: DuckDBConnection,
  dir: string,
  readings: StoredReading[],
  movements: StoredMovement[],
) {
  const random = prng(7);
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  };
  const readingRows = shuffle([...readings, ...readings.filter((_, i) => i % 3 === 0)].map(readingRow));
  const movementRows = shuffle([...movements, ...movements].map(movementRow));
  for (let flush = 0; flush < 4; flush++)
    await writeLakeTables(connection, dir, {
      readings: readingRows.filter((_, i) => i % 4 === flush),
      movements: movementRows.filter((_, i) => i % 4 === flush),
    });
}

let dir: string;
let instance: DuckDBInstance;
let connection: DuckDBConnection;
let runner: RecordingRunner;
let lake: LakeMetricsReader;
let duck: DuckDbMetricsStore;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lake-reader-'));
  instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  connection = await instance.connect();
  const readings = originals();
  const fixes = corrections(readings);
  await writeLake(connection, dir, [...readings, ...fixes], [...tickets(), ...ticketFixes()]);
  runner = new RecordingRunner(new DuckDbSqlRunner(connection));
  lake = new LakeMetricsReader({ runner });

  duck = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(FIXED_AT + DAY) });
  for (const batch of [readings, fixes]) expect((await duck.writeReadings(batch)).rejected).toEqual([]);
  for (const batch of [tickets(), ticketFixes()])
    expect((await duck.writeMovements(batch)).rejected).toEqual([]);
}, 60_000);

afterAll(async () => {
  await duck.close();
  connection.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const RANGES: ReadonlyArray<[number, number]> = [
  [START, END],
  [MIDNIGHT - HOUR, MIDNIGHT + HOUR],
  [MIDNIGHT, MIDNIGHT + 1],
  [MIDNIGHT - 25 * MINUTE, MIDNIGHT - 5 * MINUTE],
  [END, START],
  [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
];

describe('the lake reader answers what the DuckDB store answers for the same writes', () => {
  it('has resends and superseded versions in the lake, and corrections in the data', async () => {
    const [count] = await connection
      .runAndReadAll('SELECT count(*) AS n FROM readings')
      .then((r) => r.getRowObjectsJS());
    expect(Number(count?.n)).toBeGreaterThan(originals().length + corrections(originals()).length);
    const series = await duck.readReadings({ plantId: PLANT, metric: 'waste_fed', from: START, to: END });
    expect(series.some((r) => r.correction && r.quality === 'BAD')).toBe(true);
  });

  it.each(['furnace_temperature', ...KPI_COUNTER_METRICS] as MetricName[])('series of %s', async (metric) => {
    for (const plantId of [PLANT, OTHER])
      for (const [from, to] of RANGES) {
        const query = { plantId, metric, from, to };
        expect(await lake.readReadings(query)).toEqual(await duck.readReadings(query));
        const ofLine = { ...query, line: 'boiler-2' };
        expect(await lake.readReadings(ofLine)).toEqual(await duck.readReadings(ofLine));
      }
  });

  it('last GOOD reading per line before any instant within the look back', async () => {
    for (const metric of ['furnace_temperature', 'waste_fed'] as MetricName[])
      for (let before = START; before <= END + HOUR; before += 25 * MINUTE)
        expect(await lake.readLastBefore(PLANT, metric, before)).toEqual(
          await duck.readLastBefore(PLANT, metric, before),
        );
  });

  it('movements, a ticket moved across midnight by its correction included', async () => {
    for (const plantId of [PLANT, OTHER])
      for (const [from, to] of [...RANGES, [MIDNIGHT - HOUR, MIDNIGHT] as [number, number]])
        expect(await lake.readMovements(plantId, from, to)).toEqual(
          await duck.readMovements(plantId, from, to),
        );
    // WB-2 is reported at its corrected time only
    expect((await lake.readMovements(PLANT, MIDNIGHT - HOUR, MIDNIGHT)).map((m) => m.ticketId)).toEqual([]);
  });

  it('all four counters in one query, in the Timestream reader order', async () => {
    runner.sent.length = 0;
    const got = await lake.readCounterReadings(PLANT, MIDNIGHT - 2 * HOUR, MIDNIGHT + HOUR);
    expect(runner.sent).toHaveLength(1);
    const expected: StoredReading[] = [];
    for (const metric of KPI_COUNTER_METRICS)
      expected.push(
        ...(await duck.readReadings({
          plantId: PLANT,
          metric,
          from: MIDNIGHT - 2 * HOUR,
          to: MIDNIGHT + HOUR,
        })),
      );
    expect(got).toEqual(expected);
  });

  it('hour and day KPIs, raw and through readKpiCounterSlots over an empty rollup', async () => {
    const emptyRollup: KpiRollupReader = { readRolledSlots: async () => new Map<number, KpiSlot>() };
    const withRollup = new LakeMetricsReader({ runner, rollup: emptyRollup });
    for (const interval of ['1h', '1d'] as const) {
      const local = await loadKpis(duck, PLANT, interval, 'Asia/Almaty', START, END, FIXED_AT);
      expect(local.some((p) => p.fed_t > 0)).toBe(true);
      expect(await loadKpis(lake, PLANT, interval, 'Asia/Almaty', START, END, FIXED_AT)).toEqual(local);
      expect(await loadKpis(withRollup, PLANT, interval, 'Asia/Almaty', START, END, FIXED_AT)).toEqual(local);
    }
  });

  it('names the day partitions in every query it sends', () => {
    expect(runner.sent.length).toBeGreaterThan(10);
    for (const sql of runner.sent)
      expect(sql).toMatch(/ AND day BETWEEN DATE '\d{4}-\d{2}-\d{2}' AND DATE '\d{4}-\d{2}-\d{2}'/);
  });
});

describe('bounds and refusals', () => {
  it('looks back lastBeforeLookbackMs only, where the local store looks back forever', async () => {
    const short = new LakeMetricsReader({ runner, lastBeforeLookbackMs: HOUR });
    const before = END + 2 * HOUR;
    expect(await duck.readLastBefore(PLANT, 'furnace_temperature', before)).toHaveLength(2);
    expect(await short.readLastBefore(PLANT, 'furnace_temperature', before)).toEqual([]);
    expect(await short.readLastBefore(PLANT, 'furnace_temperature', END)).toEqual(
      await duck.readLastBefore(PLANT, 'furnace_temperature', END),
    );
  });

  it('does not see a ticket correction that moved it further than the horizon', async () => {
    const narrow = new LakeMetricsReader({ runner, ticketShiftHorizonMs: HOUR });
    // WB-2 moved by 2 hours: from its old hour the superseded row is all a 1-hour horizon sees
    expect((await narrow.readMovements(PLANT, MIDNIGHT - HOUR, MIDNIGHT)).map((m) => m.version)).toEqual([1]);
    expect(await lake.readMovements(PLANT, MIDNIGHT - HOUR, MIDNIGHT)).toEqual([]);
  });

  it('keeps the smaller value of two same-version contents from separate deliveries, in any order', async () => {
    const own = await DuckDBInstance.create(':memory:');
    const c = await own.connect();
    const lakeDir = mkdtempSync(path.join(tmpdir(), 'lake-conflict-'));
    try {
      const a = reading({ value: 7, quality: 'GOOD' });
      const b = reading({ value: 5, quality: 'UNCERTAIN' });
      const c2 = reading({ value: 5, quality: 'BAD' });
      await writeLakeTables(c, lakeDir, { readings: [readingRow(c2)] });
      await writeLakeTables(c, lakeDir, { readings: [readingRow(a), readingRow(b)] });
      const reader = new LakeMetricsReader({ runner: new DuckDbSqlRunner(c) });
      expect(
        await reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 0, to: 2 ** 50 }),
      ).toEqual([c2]);
    } finally {
      c.closeSync();
      own.closeSync();
      rmSync(lakeDir, { recursive: true, force: true });
    }
  });

  it('refuses arguments outside the contract before any query, and sends none for an empty range', async () => {
    runner.sent.length = 0;
    const calls: Array<() => Promise<unknown>> = [
      () => lake.readReadings({ plantId: "x' OR 1=1 --", metric: 'waste_fed', from: 0, to: 1 }),
      () => lake.readReadings({ plantId: PLANT, metric: 'waste_fed', from: 0, to: 1, line: 'a b' }),
      () => lake.readReadings({ plantId: PLANT, metric: 'nope' as MetricName, from: 0, to: 1 }),
      () => lake.readReadings({ plantId: PLANT, metric: 'waste_fed', from: Number.NaN, to: 1 }),
      () => lake.readLastBefore('Bad Plant', 'waste_fed', 1),
      () => lake.readMovements(PLANT, 0, Number.NaN),
      () => lake.readCounterReadings('', 0, 1),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(InvalidMetricsQueryError);
    expect(await lake.readReadings({ plantId: PLANT, metric: 'waste_fed', from: 5, to: 5 })).toEqual([]);
    expect(await lake.readLastBefore(PLANT, 'waste_fed', 0)).toEqual([]);
    expect(runner.sent).toEqual([]);
  });

  it('checks its props, and a rollup needs a look back of whole slots', () => {
    expect(() => new LakeMetricsReader({ runner, ticketShiftHorizonMs: 0 })).toThrow(
      /ticketShiftHorizonMs .* got 0/,
    );
    expect(() => new LakeMetricsReader({ runner, maxRawRanges: 1.5 })).toThrow(/maxRawRanges .* got 1.5/);
    const rollup: KpiRollupReader = { readRolledSlots: async () => new Map() };
    expect(() => new LakeMetricsReader({ runner, rollup, lastBeforeLookbackMs: HOUR + 1 })).toThrow(
      /multiple of 900000/,
    );
    expect(new LakeMetricsReader({ runner }).readKpiCounterSlots).toBeUndefined();
  });

  it('refuses slot reads off the slot grid before the rollup is asked', async () => {
    const asked: number[] = [];
    const rollup: KpiRollupReader = {
      readRolledSlots: async (_p, from) => {
        asked.push(from);
        return new Map();
      },
    };
    const reader = new LakeMetricsReader({ runner, rollup });
    await expect(reader.readKpiCounterSlots?.(PLANT, MIDNIGHT + 1, END)).rejects.toBeInstanceOf(
      InvalidMetricsQueryError,
    );
    await expect(reader.readKpiCounterSlots?.('Bad', MIDNIGHT, END)).rejects.toBeInstanceOf(
      InvalidMetricsQueryError,
    );
    expect(asked).toEqual([]);
  });

  it('reports a row no writer could have made as a LakeQueryError, not a figure', async () => {
    const corrupt: SqlRunner = {
      run: async () => [
        {
          plant_id: PLANT,
          line: 'L1',
          metric: 'no_such',
          ts: 1,
          value: 1,
          unit: 'degC',
          quality: 'GOOD',
          version: 1,
        },
      ],
    };
    const error = await new LakeMetricsReader({ runner: corrupt })
      .readReadings({ plantId: PLANT, metric: 'waste_fed', from: 0, to: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakeQueryError);
    expect(String((error as Error).message)).toMatch(/result row 0 .*no_such/);
  });
});
