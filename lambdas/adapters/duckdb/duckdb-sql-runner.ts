/**
 * A SqlRunner (../sql-runner.ts) over one DuckDB connection: the engine the
 * local store reads with, and the one tests run the lake's SQL on. Values
 * come back as Athena's runner gives them: BIGINT and INTEGER as numbers
 * (only safe integers; a larger one is an error, not a rounded figure),
 * DOUBLE as numbers, VARCHAR as text, DATE as `YYYY-MM-DD`.
 *
 * It does not serialize calls: a caller sharing the connection with writes
 * (the DuckDB store) runs it inside its own queue.
 */
import { type DuckDBConnection, DuckDBDateValue, type DuckDBValue } from '@duckdb/node-api';
import type { SqlRow, SqlRunner, SqlValue } from '../sql-runner.ts';

export class DuckDbSqlRunner implements SqlRunner {
  constructor(private readonly connection: DuckDBConnection) {}

  async run(sql: string): Promise<SqlRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    // Column by column: about half the time of row objects for a day of tickets (docs/performance.md).
    const names = reader.columnNames();
    const columns = reader.getColumns();
    const rows: SqlRow[] = new Array(reader.currentRowCount);
    for (let i = 0; i < rows.length; i++) {
      const out: Record<string, SqlValue> = {};
      for (let c = 0; c < names.length; c++) {
        const column = names[c] as string;
        out[column] = sqlValue(column, (columns[c] as DuckDBValue[])[i] as DuckDBValue);
      }
      rows[i] = out;
    }
    return rows;
  }
}

function sqlValue(column: string, value: DuckDBValue): SqlValue {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') {
    if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new RangeError(`column ${column} holds ${value}, beyond the safe integers`);
    return Number(value);
  }
  if (value instanceof DuckDBDateValue) return value.toString();
  throw new TypeError(`column ${column} has a type readers do not use: ${String(value)}`);
}
