/**
 * Runs one Timestream query for the reader (timestream-metrics-reader.ts):
 * follows its pages, reruns it without a measure column the table turns out
 * not to have (docs/timestream-reads.md), keeps every page within the
 * deadline the call carries (less a margin), and turns SDK errors into the domain's:
 * `UnavailableError` for throttling, faults, timeouts and the deadline,
 * `TimestreamQueryError` for any other refusal.
 */
import { QueryCommand, type TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { type CallOptions, timeLeft } from '../../domain/deadline.ts';
import { type Clock, UnavailableError } from '../../domain/ports.ts';
import { isUnavailable, missingColumnOf, shapeOf, TimestreamQueryError } from './errors.ts';
import type { ColumnRoles } from './query-parts.ts';
import { columnsOf, type ResultRow, resultRows } from './result-rows.ts';
import type { Sql } from './sql.ts';

export interface TimestreamQueryRunnerProps {
  readonly client: TimestreamQueryClient;
  readonly databaseName: string;
  /** Pages one query may take before it fails. */
  readonly maxPages: number;
  /** Against which each call's deadline is measured. */
  readonly clock: Clock;
  /**
   * Time kept before the deadline, so the caller still answers 503 with
   * Retry-After before Lambda ends the invocation (as the Athena runner does).
   * @default 2000
   */
  readonly deadlineMarginMs?: number;
}

const DEFAULT_MARGIN_MS = 2000;

export class TimestreamQueryRunner {
  constructor(private readonly props: TimestreamQueryRunnerProps) {}

  /**
   * Runs the query `build` makes, rebuilding it without a measure column the
   * table turns out not to have (docs/timestream-reads.md); while a required column
   * is missing, the answer is no rows, without a query.
   */
  async select(
    tableName: string,
    roles: ColumnRoles,
    build: (absent: ReadonlySet<string>) => Sql,
    options: CallOptions | undefined,
  ): Promise<ResultRow[]> {
    const absent = new Set<string>();
    for (;;) {
      if (roles.required.some((column) => absent.has(column))) return [];
      if (roles.anyOf?.every((column) => absent.has(column))) return [];
      const query = build(absent);
      try {
        return await this.pages(query, options);
      } catch (error) {
        const column = missingColumnOf(error);
        const known =
          column !== undefined &&
          [...roles.required, ...roles.optional, ...(roles.anyOf ?? [])].includes(column);
        if (column === undefined || !known || absent.has(column))
          throw this.translate(error, query, tableName);
        absent.add(column);
      }
    }
  }

  /** Every page of one query run, following NextToken with the same query text, each within the deadline. */
  private async pages(query: Sql, options: CallOptions | undefined): Promise<ResultRow[]> {
    const { clock, maxPages } = this.props;
    const rows: ResultRow[] = [];
    let columns: ReturnType<typeof columnsOf> | undefined;
    let nextToken: string | undefined;
    for (let page = 1; ; page++) {
      if (page > maxPages)
        throw new TimestreamQueryError(`the query returned more than ${maxPages} pages`, query.text);
      const margin = this.props.deadlineMarginMs ?? DEFAULT_MARGIN_MS;
      const left = timeLeft(options, clock.now()) - margin;
      if (left <= 0) throw new UnavailableError('Timestream query: no time left before the deadline');
      const command = new QueryCommand(
        nextToken === undefined
          ? { QueryString: query.text }
          : { QueryString: query.text, NextToken: nextToken },
      );
      const output = await this.props.client
        .send(command, Number.isFinite(left) ? { abortSignal: AbortSignal.timeout(left) } : undefined)
        .catch((error: unknown) => {
          if (timeLeft(options, clock.now()) - margin > 0) throw error;
          throw new UnavailableError('Timestream query: stopped at the deadline', 5, { cause: error });
        });
      if (output.ColumnInfo !== undefined) columns = columnsOf(output.ColumnInfo);
      rows.push(...resultRows(columns, output.Rows ?? []));
      nextToken = output.NextToken;
      if (nextToken === undefined || nextToken === '') return rows;
    }
  }

  private translate(error: unknown, query: Sql, tableName: string): Error {
    if (error instanceof TimestreamQueryError || error instanceof UnavailableError) return error;
    const e = shapeOf(error);
    const where = `${this.props.databaseName}.${tableName}`;
    const what = `${String(e.name)}: ${String(e.message)}`;
    if (isUnavailable(error))
      return new UnavailableError(`Timestream query on ${where} is unavailable (${what})`, 5, {
        cause: error,
      });
    return new TimestreamQueryError(`Timestream refused the query on ${where} (${what})`, query.text, {
      cause: error,
    });
  }
}
