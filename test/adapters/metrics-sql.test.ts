/**
 * The SQL builder both metrics engines run (metrics-sql.ts): no value can
 * break out of its literal, the lake's text is the local text plus the day
 * predicate and nothing else, and the SQL's version resolution on DuckDB is
 * exactly the Timestream reader's (latestReadings, lastGoodPerLine,
 * latestMovements) for any set of resends, versions and same-version
 * conflicts in any order.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbSqlRunner } from '../../lambdas/adapters/duckdb/duckdb-sql-runner.ts';
import { movementRow, readingRow } from '../../lambdas/adapters/lake/lake-rows.ts';
import { movementOfRow, readingOfRow } from '../../lambdas/adapters/metrics-rows.ts';
import {
  counterReadingsSql,
  dayPredicate,
  lastGoodBeforeSql,
  movementsSql,
  seriesSql,
  textLiteral,
} from '../../lambdas/adapters/metrics-sql.ts';
import {
  lastGoodPerLine,
  latestMovements,
  latestReadings,
} from '../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import type { MetricName } from '../../lambdas/domain/catalog.ts';
import type { StoredMovement, StoredReading } from '../../lambdas/domain/ports.ts';
import { DESTINATIONS, DIRECTIONS, MATERIALS, QUALITIES } from '../../lambdas/domain/telemetry.ts';
import { movement, reading } from '../support/stored-items.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A UTC midnight: rows on both sides land in different `day` partitions. */
const MIDNIGHT = Date.parse('2026-11-24T00:00:00Z');

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let runner: DuckDbSqlRunner;

/** Tables shaped like the lake's (duplicates allowed, `day` and `fingerprint` included). */
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  connection = await instance.connect();
  runner = new DuckDbSqlRunner(connection);
  await connection.run(`CREATE TABLE readings (plant_id VARCHAR, line VARCHAR, metric VARCHAR, ts BIGINT,
    day DATE, value DOUBLE, unit VARCHAR, quality VARCHAR, version BIGINT)`);
  await connection.run(`CREATE TABLE movements (plant_id VARCHAR, ticket_id VARCHAR, ts BIGINT, day DATE,
    direction VARCHAR, net_tonnes DOUBLE, material VARCHAR, destination VARCHAR, operation_code VARCHAR,
    version BIGINT, fingerprint VARCHAR)`);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

const literal = (value: string | number | null): string =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : textLiteral('value', value);

/** Replaces the tables' rows with the lake rows of these items, in the given order. */
async function load(readings: readonly StoredReading[], movements: readonly StoredMovement[] = []) {
  await connection.run('DELETE FROM readings');
  await connection.run('DELETE FROM movements');
  const insert = async (table: string, rows: ReadonlyArray<Record<string, string | number | null>>) => {
    if (rows.length === 0) return;
    const values = rows.map((row) => `(${Object.values(row).map(literal).join(', ')})`).join(', ');
    await connection.run(`INSERT INTO ${table} VALUES ${values}`);
  };
  await insert(
    'readings',
    readings.map((r) => ({ ...readingRow(r) })),
  );
  await insert(
    'movements',
    movements.map((m) => ({ ...movementRow(m) })),
  );
}

describe('literals', () => {
  it('keeps a quote inside its literal: a hostile plant id or line finds nothing and changes nothing', async () => {
    await load([reading(), reading({ plantId: "x' OR 1=1 --" })]);
    const hostile = "kz-ast-01' OR '1'='1";
    const sql = seriesSql({ plantId: hostile, metric: 'furnace_temperature', from: 0, to: 2 ** 50 });
    expect(sql).toContain(`plant_id = 'kz-ast-01'' OR ''1''=''1'`);
    expect(await runner.run(sql)).toEqual([]);
    const line = seriesSql({
      plantId: 'kz-ast-01',
      metric: 'furnace_temperature',
      line: "boiler-1'; DROP TABLE readings; --",
      from: 0,
      to: 2 ** 50,
    });
    expect(await runner.run(line)).toEqual([]);
    // the quote is data: a plant named with one is found by its exact name
    const quoted = await runner.run(
      seriesSql({ plantId: "x' OR 1=1 --", metric: 'furnace_temperature', from: 0, to: 2 ** 50 }),
    );
    expect(quoted.map(readingOfRow)).toEqual([reading({ plantId: "x' OR 1=1 --" })]);
    expect((await runner.run('SELECT count(*) AS n FROM readings'))[0]?.n).toBe(2);
  });

  it('refuses what cannot be a literal or is not in the catalog, before any text exists', () => {
    const ok = { plantId: 'p', metric: 'furnace_temperature' as MetricName, from: 0, to: 1 };
    expect(() => seriesSql({ ...ok, plantId: 'p\u0000x' })).toThrow(/without NUL/);
    expect(() => seriesSql({ ...ok, line: 'L\uD800' })).toThrow(/well-formed/);
    expect(() => seriesSql({ ...ok, metric: "x' OR 1=1" as MetricName })).toThrow(/catalog/);
    expect(() => seriesSql({ ...ok, from: Number.NaN })).toThrow(/from must be a number/);
    expect(() => movementsSql({ plantId: 'p', from: 0, to: 1, horizonMs: -1 })).toThrow(/horizonMs/);
  });

  it('writes times as integers that select the same stored times, clamping infinities', () => {
    const sql = seriesSql({ plantId: 'p', metric: 'waste_fed', from: 10.2, to: Number.POSITIVE_INFINITY });
    expect(sql).toContain(`ts >= 11 AND ts < ${Number.MAX_SAFE_INTEGER}`);
  });
});

describe('one text for both engines', () => {
  const from = MIDNIGHT - HOUR;
  const to = MIDNIGHT + 2 * HOUR;
  const cases: Array<[string, (lake: boolean) => string, string]> = [
    [
      'series',
      (lake) =>
        seriesSql({ plantId: 'p', metric: 'waste_fed', line: 'L1', from, to }, { dayPartitions: lake }),
      dayPredicate(from, to),
    ],
    [
      'last GOOD before',
      (lake) =>
        lastGoodBeforeSql(
          { plantId: 'p', metric: 'waste_fed', before: to, since: from },
          { dayPartitions: lake },
        ),
      dayPredicate(from, to),
    ],
    [
      'movements',
      (lake) => movementsSql({ plantId: 'p', from, to, horizonMs: 7 * 24 * HOUR }, { dayPartitions: lake }),
      dayPredicate(from - 7 * 24 * HOUR, to + 7 * 24 * HOUR),
    ],
    [
      'counters',
      (lake) => counterReadingsSql({ plantId: 'p', from, to }, { dayPartitions: lake }),
      dayPredicate(from, to),
    ],
  ];

  it.each(cases)('%s: the lake adds the day predicate and nothing else', (_name, build, predicate) => {
    const local = build(false);
    const lake = build(true);
    expect(local).not.toContain('day');
    expect(lake.split(predicate)).toHaveLength(2);
    expect(lake.replace(predicate, '')).toBe(local);
    expect(local).toMatch(/ FROM (readings|movements) /);
    expect(local).not.toMatch(/"|\.readings|\.movements/);
  });

  it('names the UTC dates of the first and the last millisecond of the range', () => {
    expect(dayPredicate(MIDNIGHT - 1, MIDNIGHT)).toBe(
      " AND day BETWEEN DATE '2026-11-23' AND DATE '2026-11-23'",
    );
    expect(dayPredicate(MIDNIGHT - 1, MIDNIGHT + 1)).toBe(
      " AND day BETWEEN DATE '2026-11-23' AND DATE '2026-11-24'",
    );
    // beyond the dates a lake row can hold, the predicate still selects every row of the range
    expect(dayPredicate(-1e18, 1e18)).toBe(" AND day BETWEEN DATE '1970-01-01' AND DATE '9999-12-31'");
  });
});

const PLANTS = ['kz-ast-01', "o'brien"] as const;
const TIMES = [MIDNIGHT - HOUR, MIDNIGHT - 1, MIDNIGHT, MIDNIGHT + MINUTE, MIDNIGHT + HOUR] as const;
const VERSIONS = [1, 1_764_000_000_000, 1_764_000_000_500] as const;

const readingArb = fc
  .record({
    plantId: fc.constantFrom(...PLANTS),
    line: fc.constantFrom('L1', 'L2'),
    metric: fc.constantFrom<MetricName>('waste_fed', 'furnace_temperature'),
    ts: fc.constantFrom(...TIMES),
    value: fc.constantFrom(1, 2.5, -3, 1e-9),
    quality: fc.constantFrom(...QUALITIES),
    version: fc.constantFrom(...VERSIONS),
  })
  .map((r) => reading({ ...r, correction: r.version > 1 }));

const movementArb = fc
  .record({
    plantId: fc.constantFrom(...PLANTS),
    ticketId: fc.constantFrom('WB-1', 'WB-2', 'WB-3'),
    ts: fc.constantFrom(...TIMES),
    direction: fc.constantFrom(...DIRECTIONS),
    netTonnes: fc.constantFrom(1, 12.5),
    material: fc.constantFrom(MATERIALS[0], MATERIALS[1]),
    destination: fc.option(fc.constantFrom(...DESTINATIONS), { nil: undefined }),
    operationCode: fc.option(fc.constantFrom('R1', 'D10'), { nil: undefined }),
    version: fc.constantFrom(...VERSIONS),
  })
  .map(({ destination, operationCode, ...m }) =>
    movement({
      ...m,
      ...(destination === undefined ? {} : { destination }),
      ...(operationCode === undefined ? {} : { operationCode }),
      correction: m.version > 1,
    }),
  );

/** Items, some resent, in a random order (as Firehose delivers them). */
function delivered<T>(item: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc
    .array(item, { maxLength: 25 })
    .chain((items) =>
      fc.tuple(
        fc.constant(items),
        fc.array(fc.nat({ max: Math.max(0, items.length - 1) }), { maxLength: items.length === 0 ? 0 : 10 }),
      ),
    )
    .chain(([items, resent]) => {
      const all = [...items, ...resent.map((i) => items[i] as T)];
      return fc.shuffledSubarray(all, { minLength: all.length });
    });
}

const rangeArb = fc
  .tuple(fc.constantFrom(...TIMES, MIDNIGHT + 2 * HOUR), fc.constantFrom(...TIMES, MIDNIGHT + 2 * HOUR))
  .map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a }));

describe('version resolution in SQL equals the Timestream reader in TypeScript (property)', () => {
  it('series, every quality, latest version of each reading', async () => {
    await fc.assert(
      fc.asyncProperty(
        delivered(readingArb),
        fc.constantFrom(...PLANTS),
        rangeArb,
        fc.option(fc.constantFrom('L1', 'L2'), { nil: undefined }),
        async (rows, plantId, { from, to }, line) => {
          await load(rows);
          const metric = 'waste_fed';
          const sql = seriesSql(
            { plantId, metric, from, to, ...(line === undefined ? {} : { line }) },
            { dayPartitions: true },
          );
          const expected = latestReadings(
            rows.filter(
              (r) =>
                r.plantId === plantId &&
                r.metric === metric &&
                r.ts >= from &&
                r.ts < to &&
                (line === undefined || r.line === line),
            ),
          );
          expect((await runner.run(sql)).map(readingOfRow)).toEqual(expected);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('last GOOD reading per line: versions first, so a BAD correction hides the GOOD original', async () => {
    await fc.assert(
      fc.asyncProperty(
        delivered(readingArb),
        fc.constantFrom(...PLANTS),
        rangeArb,
        async (rows, plantId, r) => {
          await load(rows);
          const metric = 'furnace_temperature';
          const sql = lastGoodBeforeSql(
            { plantId, metric, before: r.to, since: r.from },
            { dayPartitions: true },
          );
          const expected = lastGoodPerLine(
            rows.filter((x) => x.plantId === plantId && x.metric === metric && x.ts >= r.from && x.ts < r.to),
          );
          expect((await runner.run(sql)).map(readingOfRow)).toEqual(expected);
          // and with no lower bound (the local store's call)
          const all = lastGoodPerLine(
            rows.filter((x) => x.plantId === plantId && x.metric === metric && x.ts < r.to),
          );
          expect(
            (await runner.run(lastGoodBeforeSql({ plantId, metric, before: r.to }))).map(readingOfRow),
          ).toEqual(all);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('movements: latest version of each ticket within the horizon, then the range', async () => {
    await fc.assert(
      fc.asyncProperty(
        delivered(movementArb),
        fc.constantFrom(...PLANTS),
        rangeArb,
        fc.constantFrom(0, MINUTE, HOUR, 3 * HOUR),
        async (rows, plantId, { from, to }, horizonMs) => {
          await load([], rows);
          const sql = movementsSql({ plantId, from, to, horizonMs }, { dayPartitions: true });
          const expected = latestMovements(
            rows.filter((m) => m.plantId === plantId && m.ts >= from - horizonMs && m.ts < to + horizonMs),
          ).filter((m) => m.ts >= from && m.ts < to);
          expect((await runner.run(sql)).map(movementOfRow)).toEqual(expected);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('KPI counters: every counter of the range in one query, each resolved as a series', async () => {
    await fc.assert(
      fc.asyncProperty(
        delivered(readingArb),
        fc.constantFrom(...PLANTS),
        rangeArb,
        async (rows, plantId, r) => {
          await load(rows);
          const got = (await runner.run(counterReadingsSql({ plantId, ...r }, { dayPartitions: true }))).map(
            readingOfRow,
          );
          const inRange = rows.filter((x) => x.plantId === plantId && x.ts >= r.from && x.ts < r.to);
          // furnace_temperature is not a counter; waste_fed is
          expect(got).toEqual(latestReadings(inRange.filter((x) => x.metric === 'waste_fed')));
        },
      ),
      { numRuns: 150 },
    );
  });
});
