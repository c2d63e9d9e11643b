/**
 * Runs one SQL statement in DuckDB's dialect and returns its rows: the local
 * DuckDB file, or Athena's DuckDB workgroup over the lake. Readers build the
 * SQL with ./metrics-sql.ts, so both engines answer the same question with the
 * same text (docs/lake.md).
 */
import type { CallOptions } from '../domain/deadline.ts';

/** A column value as readers see it: BIGINT, INTEGER and DOUBLE as numbers; VARCHAR and DATE as text. */
export type SqlValue = string | number | null;

export type SqlRow = Readonly<Record<string, SqlValue>>;

export interface SqlRunner {
  /**
   * All rows of `sql`; rejects with `UnavailableError` on a transient fault or
   * at the call's deadline (Athena; DuckDB has none).
   */
  run(sql: string, options?: CallOptions): Promise<SqlRow[]>;
}
