/**
 * The offline lake: Parquet files in the Iceberg tables' partition layout
 * (test/support/lake-parquet.ts), queried through the real AthenaQueryRunner
 * against Athena's API answered by DuckDB (test/support/athena-on-duckdb.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand } from '@aws-sdk/client-athena';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryRunner } from '../../../lambdas/adapters/lake/athena-query-runner.ts';
import { LakeQueryError } from '../../../lambdas/adapters/lake/lake-query-error.ts';
import {
  MOVEMENT_COLUMNS,
  movementRow,
  READING_COLUMNS,
  readingRow,
} from '../../../lambdas/adapters/lake/lake-rows.ts';
import { type AthenaOnDuckDb, athenaOnDuckDb } from '../../support/athena-on-duckdb.ts';
import { DUCKDB_TYPE_OF, lakeDataFiles, writeLakeTables } from '../../support/lake-parquet.ts';
import { MINUTE, movement, NOW, reading } from '../../support/stored-items.ts';

const athena = mockClient(AthenaClient);
const CATALOG = 's3tablescatalog/wte-lake';
const DAY = 86_400_000;

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let dir: string;

beforeEach(async () => {
  instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  connection = await instance.connect();
  dir = await mkdtemp(path.join(tmpdir(), 'wte-lake-'));
});

afterEach(async () => {
  athena.reset();
  connection.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

function lake(runningPolls = 0): { runner: AthenaQueryRunner; harness: AthenaOnDuckDb } {
  const harness = athenaOnDuckDb(athena, connection, { runningPolls });
  const runner = new AthenaQueryRunner({
    client: new AthenaClient({ region: 'eu-central-1' }),
    workGroup: 'wte-lake',
    catalog: CATALOG,
    database: 'metrics',
    sleep: async () => {},
  });
  return { runner, harness };
}

const readings = [
  readingRow(reading({ ts: NOW - MINUTE, value: 912.5 })),
  readingRow(reading({ ts: NOW - 2 * MINUTE, value: 915.25, quality: 'UNCERTAIN' })),
];
const tickets = [
  movementRow(movement()),
  movementRow(movement({ ticketId: 'WB-2026-0002', destination: 'energy_recovery', operationCode: 'R1' })),
];

describe('lake Parquet layout', () => {
  it('appends each flush as new files under day= and plant_id= folders, so duplicates survive', async () => {
    await writeLakeTables(connection, dir, { readings, movements: tickets });
    await writeLakeTables(connection, dir, { readings, movements: tickets });
    const readingFiles = await lakeDataFiles(dir, 'readings');
    expect(readingFiles).toHaveLength(2);
    for (const file of readingFiles)
      expect(file).toMatch(/^day=2026-11-24\/plant_id=kz-ast-01\/[^/]+\.parquet$/);
    const movementFiles = await lakeDataFiles(dir, 'movements');
    expect(movementFiles).toHaveLength(2);
    for (const file of movementFiles) expect(file).toMatch(/^day=2026-11-24\/[^/]+\.parquet$/);
  });

  it('gives the views the Iceberg columns in schema order with their types', async () => {
    await writeLakeTables(connection, dir, { readings, movements: tickets });
    for (const [table, schema] of [
      ['readings', READING_COLUMNS],
      ['movements', MOVEMENT_COLUMNS],
    ] as const) {
      const described = (await connection.runAndReadAll(`DESCRIBE ${table}`)).getRowObjectsJson();
      expect(described.map((c) => [c.column_name, c.column_type])).toEqual(
        schema.map((c) => [c.name, DUCKDB_TYPE_OF[c.type]]),
      );
    }
  });

  it('answers empty tables before the first flush', async () => {
    await writeLakeTables(connection, dir, {});
    const { runner } = lake();
    expect(await runner.run('SELECT count(*) AS n FROM readings')).toEqual([{ n: 0 }]);
    expect(await runner.run('SELECT * FROM movements')).toEqual([]);
  });

  it('prunes partitions on day BETWEEN: only the matching folders are scanned', async () => {
    const days = [0, 1, 2].map((d) => readingRow(reading({ ts: NOW - d * DAY })));
    await writeLakeTables(connection, dir, { readings: days });
    const where = "day BETWEEN DATE '2026-11-23' AND DATE '2026-11-24'";
    const { runner } = lake();
    expect(await runner.run(`SELECT day FROM readings WHERE ${where} ORDER BY day`)).toEqual([
      { day: '2026-11-23' },
      { day: '2026-11-24' },
    ]);
    const plan = (
      await connection.runAndReadAll(`EXPLAIN SELECT * FROM readings WHERE ${where}`)
    ).getRowObjectsJson();
    expect(JSON.stringify(plan)).toMatch(/Scanning Files: 2\/3/);
  });
});

describe('Athena on DuckDB through AthenaQueryRunner', () => {
  it('returns both copies of rows written in two flushes, with their types', async () => {
    await writeLakeTables(connection, dir, { readings, movements: tickets });
    await writeLakeTables(connection, dir, { readings, movements: tickets });
    const { runner, harness } = lake(2);
    const got = await runner.run('SELECT * FROM readings ORDER BY ts, value');
    expect(got).toEqual([readings[1], readings[1], readings[0], readings[0]]);
    expect(typeof got[0]?.ts).toBe('number');
    const moves = await runner.run('SELECT * FROM movements ORDER BY ticket_id');
    expect(moves).toEqual([tickets[0], tickets[0], tickets[1], tickets[1]]);
    expect(moves[0]?.destination).toBeNull();
    // RUNNING twice, then SUCCEEDED, for each query.
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(6);
    expect(harness.queries.map((q) => [q.workGroup, q.catalog, q.database])).toEqual([
      ['wte-lake', CATALOG, 'metrics'],
      ['wte-lake', CATALOG, 'metrics'],
    ]);
    expect(harness.queries[0]?.sql).toBe('SELECT * FROM readings ORDER BY ts, value');
  });

  it('pages a result bigger than one page, header on the first page only', async () => {
    const many = Array.from({ length: 2500 }, (_, i) =>
      readingRow(reading({ ts: NOW - (i + 1) * 1000, value: i })),
    );
    await writeLakeTables(connection, dir, { readings: many });
    const { runner } = lake();
    const got = await runner.run('SELECT value, ts FROM readings ORDER BY value');
    expect(got).toHaveLength(2500);
    expect(got.map((r) => r.value)).toEqual(many.map((_, i) => i));
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(3);
  });

  it('computes aggregates with DuckDB types (HUGEINT sums, DOUBLE averages) as numbers', async () => {
    await writeLakeTables(connection, dir, { readings });
    const { runner } = lake();
    expect(
      await runner.run('SELECT sum(version) AS versions, avg(value) AS mean, max(day) AS last FROM readings'),
    ).toEqual([{ versions: 2, mean: 913.875, last: '2026-11-24' }]);
  });

  it('fails a query with a DuckDB error as a LakeQueryError carrying DuckDB words', async () => {
    await writeLakeTables(connection, dir, {});
    const { runner } = lake();
    const thrown = await runner.run('SELECT nope FROM readings').then(
      () => expect.unreachable(),
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(LakeQueryError);
    expect((thrown as LakeQueryError).reason).toMatch(/nope/);
    expect((thrown as LakeQueryError).errorCategory).toBe(2);
  });

  it('runs a query once for a repeated ClientRequestToken, as Athena does', async () => {
    await writeLakeTables(connection, dir, {});
    const harness = athenaOnDuckDb(athena, connection);
    const runner = new AthenaQueryRunner({
      client: new AthenaClient({ region: 'eu-central-1' }),
      workGroup: 'wte-lake',
      catalog: CATALOG,
      database: 'metrics',
      sleep: async () => {},
      clientRequestToken: () => 'same-token-0123456789abcdef0123456789',
    });
    await runner.run('SELECT 1 AS n');
    expect(await runner.run('SELECT 2 AS n')).toEqual([{ n: 1 }]);
    expect(harness.queries).toHaveLength(1);
  });
});
