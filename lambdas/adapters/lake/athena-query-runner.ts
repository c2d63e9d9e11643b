/**
 * Runs the lake readers' SQL on Athena's DuckDB workgroup (the `SqlRunner`
 * port): StartQueryExecution in the workgroup with the table bucket's catalog
 * and namespace as context (so one-part names `readings` and `movements`
 * resolve there, as they do in the local DuckDB file), polls
 * GetQueryExecution with capped exponential backoff, then pages
 * GetQueryResults into rows (docs/lake.md, "Athena client").
 *
 * - Bounded: the wait by `maxWaitMs` and by the deadline each `run` carries
 *   (`CallOptions`), minus a margin (then StopQueryExecution, best effort, and
 *   `UnavailableError`, so a caller retries later instead of a Lambda timing
 *   out); the results by `maxPages` pages of 1,000 rows.
 * - Transient (`UnavailableError`): throttling, server faults, network
 *   faults, and queries that fail with a system error or that Athena marks
 *   retryable. Permanent (`LakeQueryError`, with Athena's query id and
 *   reason): user errors (SQL, missing table or permission, the bytes-scanned
 *   cutoff, which cancels the query) and results this runner cannot read.
 * - Values: ColumnInfo types (Athena reports DuckDB's type names; matched
 *   without case or parameters) of integers, floats and decimals become
 *   numbers, any other type stays text, and a missing VarCharValue is NULL.
 *
 * The composition root creates the `AthenaClient` once at module scope and
 * keeps the SDK's default retries: this runner never resends a call itself,
 * and the SDK reuses the idempotency token (ClientRequestToken, which it fills
 * in) when it retries StartQueryExecution.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecutionStatus,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { type CallOptions, timeLeft } from '../../domain/deadline.ts';
import { errorName } from '../../domain/error-name.ts';
import { type Clock, UnavailableError } from '../../domain/ports.ts';
import { isTransientAwsError } from '../aws-errors.ts';
import { positiveOption } from '../options.ts';
import type { SqlRow, SqlRunner, SqlValue } from '../sql-runner.ts';
import { LakeQueryError } from './lake-query-error.ts';

export interface AthenaQueryRunnerProps {
  /** Created once at module scope by the composition root. */
  readonly client: AthenaClient;
  /** The DuckDB workgroup (it holds the result location, encryption and bytes-scanned cutoff). */
  readonly workGroup: string;
  /** `s3tablescatalog/<table-bucket>`. */
  readonly catalog: string;
  /** The table bucket's namespace, e.g. `metrics`. */
  readonly database: string;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Against which each call's deadline is measured. @default the system clock */
  readonly clock?: Clock;
  /** Give up when less than this would remain before the call's deadline. @default 2000 */
  readonly deadlineMarginMs?: number;
  /** Longest total wait between polls for one query. @default 60000 */
  readonly maxWaitMs?: number;
  /** First wait before polling; it doubles up to `maxPollMs`. @default 200 */
  readonly firstPollMs?: number;
  /** @default 2000 */
  readonly maxPollMs?: number;
  /** Result pages of 1,000 rows read at most (the first holds 999 and the header). @default 100 */
  readonly maxPages?: number;
  /** Idempotency token of each start; by default the SDK makes one. */
  readonly clientRequestToken?: () => string;
}

/** Athena's largest GetQueryResults page. */
export const ATHENA_PAGE_SIZE = 1000;

const TRANSIENT_RULES = {
  names: new Set([
    'ThrottlingException',
    'TooManyRequestsException',
    'InternalServerException',
    'ServiceUnavailableException',
    'RequestTimeout',
    'RequestTimeoutException',
    'TimeoutError',
    'AbortError',
  ]),
  tooManyRequests: true,
};

export const isTransient = (error: unknown): boolean => isTransientAwsError(error, TRANSIENT_RULES);

/** ColumnInfo types read as numbers (DuckDB's names, lower case, parameters removed). */
const INTEGER_TYPES: ReadonlySet<string> = new Set([
  'tinyint',
  'smallint',
  'integer',
  'int',
  'bigint',
  'hugeint',
  'utinyint',
  'usmallint',
  'uinteger',
  'ubigint',
  'uhugeint',
]);
const FRACTION_TYPES: ReadonlySet<string> = new Set(['double', 'float', 'real', 'decimal']);

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const systemClock: Clock = { now: () => Date.now() };

export class AthenaQueryRunner implements SqlRunner {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: Clock;
  private readonly margin: number;
  private readonly maxWaitMs: number;
  private readonly firstPollMs: number;
  private readonly maxPollMs: number;
  private readonly maxPages: number;

  constructor(private readonly props: AthenaQueryRunnerProps) {
    for (const name of ['workGroup', 'catalog', 'database'] as const) {
      if (typeof props[name] !== 'string' || props[name] === '')
        throw new RangeError(`${name} must be a non-empty string, got ${JSON.stringify(props[name])}`);
    }
    this.sleep = props.sleep ?? defaultSleep;
    this.clock = props.clock ?? systemClock;
    this.margin = props.deadlineMarginMs ?? 2000;
    if (!(this.margin >= 0))
      throw new RangeError(`deadlineMarginMs must be >= 0, got ${props.deadlineMarginMs}`);
    this.maxWaitMs = positiveOption('maxWaitMs', props.maxWaitMs, 60_000);
    this.firstPollMs = positiveOption('firstPollMs', props.firstPollMs, 200);
    this.maxPollMs = positiveOption('maxPollMs', props.maxPollMs, 2000);
    this.maxPages = positiveOption('maxPages', props.maxPages, 100, true);
  }

  /** The rows of `sql`, within the deadline `options` carries (the runner serves every invocation at once). */
  async run(sql: string, options?: CallOptions): Promise<SqlRow[]> {
    const budget = () => timeLeft(options, this.clock.now()) - this.margin;
    if (budget() <= 0)
      throw new UnavailableError('Athena: no time left before the deadline to start a query');
    const id = await this.start(sql, budget);
    await this.waitForSuccess(id, budget);
    return this.results(id, budget);
  }

  /** One SDK call, aborted at the deadline; transient faults become `UnavailableError`, others `LakeQueryError`. */
  private async call<T>(
    what: string,
    id: string | undefined,
    budgetMs: number,
    send: (options?: { abortSignal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    try {
      return await send(
        Number.isFinite(budgetMs) ? { abortSignal: AbortSignal.timeout(Math.max(1, budgetMs)) } : undefined,
      );
    } catch (error) {
      const name = errorName(error);
      if (isTransient(error))
        throw new UnavailableError(
          `Athena ${what}${id === undefined ? '' : ` (${id})`} failed with ${name}`,
          5,
          {
            cause: error,
          },
        );
      const message = error instanceof Error ? error.message : String(error);
      throw new LakeQueryError(
        { queryExecutionId: id, reason: `${what} failed with ${name}: ${message}` },
        { cause: error },
      );
    }
  }

  private async start(sql: string, budget: () => number): Promise<string> {
    const { client, workGroup, catalog, database, clientRequestToken } = this.props;
    const output = await this.call('StartQueryExecution', undefined, budget(), (options) =>
      client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: workGroup,
          QueryExecutionContext: { Catalog: catalog, Database: database },
          ...(clientRequestToken === undefined ? {} : { ClientRequestToken: clientRequestToken() }),
        }),
        options,
      ),
    );
    if (output.QueryExecutionId === undefined)
      throw new LakeQueryError({ reason: 'StartQueryExecution returned no QueryExecutionId' });
    return output.QueryExecutionId;
  }

  /** Polls until the query succeeds; throws on failure, cancellation or the deadline. */
  private async waitForSuccess(id: string, left: () => number): Promise<void> {
    let delay = this.firstPollMs;
    let waited = 0;
    for (;;) {
      const budget = Math.min(this.maxWaitMs - waited, left());
      if (budget <= 0) {
        await this.stop(id);
        throw new UnavailableError(
          `Athena query ${id} did not finish in time (waited ${waited} ms); stopped`,
          5,
        );
      }
      const pause = Math.min(delay, budget);
      await this.sleep(pause);
      waited += pause;
      delay = Math.min(delay * 2, this.maxPollMs);
      const status = await this.status(id, left());
      switch (status?.State) {
        case 'SUCCEEDED':
          return;
        case 'FAILED':
        case 'CANCELLED':
          throw failure(id, status);
        default:
        // QUEUED, RUNNING, or a throttled poll: wait and ask again.
      }
    }
  }

  /** The query's status, or undefined when the poll itself hit a transient fault (the query runs on). */
  private async status(id: string, budgetMs: number): Promise<QueryExecutionStatus | undefined> {
    try {
      const output = await this.call('GetQueryExecution', id, budgetMs, (options) =>
        this.props.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }), options),
      );
      return output.QueryExecution?.Status;
    } catch (error) {
      if (error instanceof UnavailableError) return undefined;
      throw error;
    }
  }

  /** Best effort: a query nobody waits for should not keep scanning (and billing). */
  private async stop(id: string): Promise<void> {
    try {
      await this.props.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }), {
        abortSignal: AbortSignal.timeout(Math.max(1, Math.min(this.margin, 1000))),
      });
    } catch {
      // The query ends on its own at Athena's run-time limit; the caller already has its answer.
    }
  }

  private async results(id: string, budget: () => number): Promise<SqlRow[]> {
    const rows: SqlRow[] = [];
    let columns: readonly Column[] | undefined;
    let token: string | undefined;
    for (let page = 1; page <= this.maxPages; page++) {
      const output: GetQueryResultsCommandOutput = await this.call(
        'GetQueryResults',
        id,
        budget(),
        (options) =>
          this.props.client.send(
            new GetQueryResultsCommand({
              QueryExecutionId: id,
              MaxResults: ATHENA_PAGE_SIZE,
              NextToken: token,
            }),
            options,
          ),
      );
      columns ??= columnsOf(id, output);
      const pageRows = output.ResultSet?.Rows ?? [];
      const first = page === 1 && isHeader(pageRows[0]?.Data, columns) ? 1 : 0;
      for (const row of pageRows.slice(first)) rows.push(rowOf(id, columns, row.Data ?? []));
      token = output.NextToken;
      if (token === undefined) return rows;
    }
    throw new LakeQueryError({
      queryExecutionId: id,
      reason: `the result has more than ${this.maxPages} pages of ${ATHENA_PAGE_SIZE} rows; narrow the query`,
      tooLarge: true,
    });
  }
}

interface Column {
  readonly name: string;
  readonly kind: 'integer' | 'fraction' | 'text';
  readonly type: string;
}

function columnsOf(id: string, output: GetQueryResultsCommandOutput): Column[] {
  const info = output.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
  const seen = new Set<string>();
  return info.map(({ Name, Type }) => {
    if (Name === undefined || seen.has(Name))
      throw new LakeQueryError({
        queryExecutionId: id,
        reason: `result column names must be unique, got ${String(Name)}`,
      });
    seen.add(Name);
    const type = (Type ?? '').trim().toLowerCase().replace(/\(.*$/s, '');
    const kind = INTEGER_TYPES.has(type) ? 'integer' : FRACTION_TYPES.has(type) ? 'fraction' : 'text';
    return { name: Name, kind, type };
  });
}

/**
 * Athena puts the column names as the first row of the first page. It is
 * skipped only when it is that header, so a result without one (not
 * documented for DuckDB workgroups) loses no row.
 */
function isHeader(
  data: readonly { VarCharValue?: string | undefined }[] | undefined,
  columns: readonly Column[],
): boolean {
  return (
    data !== undefined &&
    data.length === columns.length &&
    columns.every((column, i) => data[i]?.VarCharValue === column.name)
  );
}

function rowOf(
  id: string,
  columns: readonly Column[],
  data: readonly { VarCharValue?: string | undefined }[],
): SqlRow {
  if (data.length !== columns.length)
    throw new LakeQueryError({
      queryExecutionId: id,
      reason: `a result row has ${data.length} values for ${columns.length} columns`,
    });
  const row: Record<string, SqlValue> = {};
  columns.forEach((column, i) => {
    row[column.name] = cellValue(id, column, data[i]?.VarCharValue);
  });
  return row;
}

function cellValue(id: string, column: Column, text: string | undefined): SqlValue {
  if (text === undefined) return null;
  if (column.kind === 'text') return text;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const readable = column.kind === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value);
  if (!readable)
    throw new LakeQueryError({
      queryExecutionId: id,
      reason: `column ${column.name} (${column.type}) holds ${JSON.stringify(text)}, not a ${
        column.kind === 'integer' ? 'safe integer' : 'finite number'
      }`,
    });
  return value;
}

/** A FAILED or CANCELLED query: system or retryable errors are outages, the rest are the query's fault. */
function failure(id: string, status: QueryExecutionStatus): Error {
  const error = status.AthenaError;
  const reason = error?.ErrorMessage ?? status.StateChangeReason ?? `the query was ${status.State}`;
  if (error?.ErrorCategory === 1 || error?.Retryable === true)
    return new UnavailableError(`Athena query ${id} ${status.State}: ${reason}`, 5);
  return new LakeQueryError({
    queryExecutionId: id,
    reason,
    errorCategory: error?.ErrorCategory,
    errorType: error?.ErrorType,
    // Nothing here cancels a query it still waits for (the deadline stops it and answers 503), so a
    // CANCELLED query was cut off by the workgroup's bytes-scanned limit: the range is too large.
    tooLarge: status.State === 'CANCELLED',
  });
}
