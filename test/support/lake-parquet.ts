/**
 * The metrics lake's data files, offline: rows written as Parquet under
 * Hive-style partition folders laid out like the Iceberg tables' data files
 * (`readings/day=YYYY-MM-DD/plant_id=…/`, `movements/day=YYYY-MM-DD/`), and
 * views `readings` and `movements` over them with the Iceberg schema's column
 * order and types (lake-rows.ts), so the lake reader's SQL runs unchanged on
 * DuckDB. DuckDB's Iceberg extension downloads at run time, so plain Parquet
 * with Hive partitions is the offline stand-in.
 *
 * Each call APPENDS new files, as each Firehose buffer flush does: rows
 * written twice are stored twice, and readers must collapse them. Give the
 * lake its own DuckDB instance (the views are named like the local store's
 * tables) and a fresh directory per test.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import {
  type IcebergType,
  type LakeColumn,
  MOVEMENT_COLUMNS,
  MOVEMENT_PARTITION,
  type MovementRow,
  READING_COLUMNS,
  READING_PARTITION,
  type ReadingRow,
} from '../../lambdas/adapters/lake/lake-rows.ts';

/** Rows of one flush; a table left out gets no file this time. */
export interface LakeFlush {
  readonly readings?: readonly ReadingRow[];
  readonly movements?: readonly MovementRow[];
}

/** The DuckDB type of each Iceberg type the tables use. */
export const DUCKDB_TYPE_OF: Readonly<Record<IcebergType, string>> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  double: 'DOUBLE',
  date: 'DATE',
};

interface LakeTable {
  readonly name: 'readings' | 'movements';
  readonly columns: readonly LakeColumn[];
  readonly partition: readonly string[];
}

const TABLES: readonly LakeTable[] = [
  { name: 'readings', columns: READING_COLUMNS, partition: READING_PARTITION },
  { name: 'movements', columns: MOVEMENT_COLUMNS, partition: MOVEMENT_PARTITION },
];

const quoteText = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const quoteName = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Appends one flush of rows as new Parquet files (several per partition after
 * several calls, duplicates kept), then (re)creates both views. Call it with
 * no rows to create empty views.
 */
export async function writeLakeTables(
  connection: DuckDBConnection,
  dir: string,
  flush: LakeFlush,
): Promise<void> {
  for (const table of TABLES) {
    const rows = flush[table.name] ?? [];
    if (rows.length > 0) await appendFiles(connection, dir, table, rows);
    await createView(connection, dir, table);
  }
}

/** Where a table's data files live under `dir`. */
export function lakeTableDir(dir: string, table: 'readings' | 'movements'): string {
  return path.join(path.resolve(dir), table);
}

/** The Parquet files of a table, relative to its folder (to assert the layout). */
export async function lakeDataFiles(dir: string, table: 'readings' | 'movements'): Promise<string[]> {
  const root = lakeTableDir(dir, table);
  const entries = await readdir(root, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.endsWith('.parquet'))
    .map((entry) => entry.split(path.sep).join('/'))
    .sort();
}

async function appendFiles(
  connection: DuckDBConnection,
  dir: string,
  table: LakeTable,
  rows: readonly (ReadingRow | MovementRow)[],
): Promise<void> {
  const stage = `lake_stage_${table.name}`;
  // Stage dates as text: the appender needs day numbers, a cast does not.
  const stageColumns = table.columns
    .map((c) => `${quoteName(c.name)} ${c.type === 'date' ? 'VARCHAR' : DUCKDB_TYPE_OF[c.type]}`)
    .join(', ');
  await connection.run(`CREATE OR REPLACE TABLE ${stage} (${stageColumns})`);
  try {
    const appender = await connection.createAppender(stage);
    for (const row of rows) {
      const values = row as unknown as Readonly<Record<string, unknown>>;
      for (const c of table.columns) appendValue(appender, c, values[c.name]);
      appender.endRow();
    }
    appender.closeSync();
    const target = lakeTableDir(dir, table.name);
    await mkdir(target, { recursive: true });
    const select = table.columns
      .map((c) =>
        c.type === 'date' ? `CAST(${quoteName(c.name)} AS DATE) AS ${quoteName(c.name)}` : quoteName(c.name),
      )
      .join(', ');
    await connection.run(
      `COPY (SELECT ${select} FROM ${stage}) TO ${quoteText(target)} ` +
        `(FORMAT PARQUET, PARTITION_BY (${table.partition.map(quoteName).join(', ')}), APPEND)`,
    );
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${stage}`);
  }
}

function appendValue(appender: DuckDBAppender, column: LakeColumn, value: unknown): void {
  if (value === null || value === undefined) {
    if (column.required) throw new TypeError(`lake column ${column.name} is required, got ${String(value)}`);
    appender.appendNull();
    return;
  }
  switch (column.type) {
    case 'string':
    case 'date':
      if (typeof value !== 'string')
        throw new TypeError(`lake column ${column.name} needs text, got ${String(value)}`);
      appender.appendVarchar(value);
      return;
    case 'long':
      if (!Number.isSafeInteger(value))
        throw new TypeError(`lake column ${column.name} needs a safe integer, got ${String(value)}`);
      appender.appendBigInt(BigInt(value as number));
      return;
    case 'double':
      if (typeof value !== 'number')
        throw new TypeError(`lake column ${column.name} needs a number, got ${String(value)}`);
      appender.appendDouble(value);
      return;
  }
}

async function createView(connection: DuckDBConnection, dir: string, table: LakeTable): Promise<void> {
  const typed = (c: LakeColumn, source: string): string =>
    `CAST(${source} AS ${DUCKDB_TYPE_OF[c.type]}) AS ${quoteName(c.name)}`;
  const hasFiles = (await lakeDataFiles(dir, table.name)).length > 0;
  // read_parquet fails on a glob that matches nothing, so an unwritten table is an empty typed SELECT.
  const body = hasFiles
    ? `SELECT ${table.columns.map((c) => typed(c, quoteName(c.name))).join(', ')} FROM read_parquet(` +
      `${quoteText(`${lakeTableDir(dir, table.name)}/**/*.parquet`)}, hive_partitioning = true, ` +
      `hive_types = {${table.partition
        .map((name) => {
          const column = table.columns.find((c) => c.name === name);
          if (column === undefined)
            throw new Error(`partition column ${name} is not a column of ${table.name}`);
          return `${quoteText(name)}: ${DUCKDB_TYPE_OF[column.type]}`;
        })
        .join(', ')}})`
    : `SELECT ${table.columns.map((c) => typed(c, 'NULL')).join(', ')} WHERE false`;
  await connection.run(`CREATE OR REPLACE VIEW ${quoteName(table.name)} AS ${body}`);
}
