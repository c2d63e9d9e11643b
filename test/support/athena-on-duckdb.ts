/**
 * Athena on DuckDB, offline: handlers for an aws-sdk-client-mock `AthenaClient`
 * stub that run each query's real SQL on a DuckDB connection (the lake's
 * Parquet views, lake-parquet.ts) and answer as Athena's API does, so a test
 * of the lake reader asserts on answers computed from data, never on mocked
 * result rows.
 *
 * - StartQueryExecution runs `QueryString` at once, records it with its
 *   WorkGroup, QueryExecutionContext and ClientRequestToken, and returns an
 *   id; invalid SQL is still accepted (Athena checks the SQL only when it
 *   runs) and fails later. The same ClientRequestToken returns the same id
 *   without running the query again, as Athena does.
 * - GetQueryExecution answers RUNNING for the first `runningPolls` polls of a
 *   query, then SUCCEEDED, or FAILED with DuckDB's error as a user error
 *   (AthenaError.ErrorCategory 2, not retryable).
 * - GetQueryResults pages as Athena does: a header row of column names first
 *   on page 1 (counted in MaxResults), every value as VarCharValue text (no
 *   VarCharValue for NULL), ResultSetMetadata.ColumnInfo with lower-case type
 *   names (BIGINT → bigint, DOUBLE → double, DATE → date, DECIMAL(p,s) →
 *   decimal with Precision and Scale), MaxResults 1..1000 (default 1000),
 *   NextToken until the last page.
 * - StopQueryExecution cancels a query that has not finished.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  InvalidRequestException,
  type QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  type DuckDBConnection,
  DuckDBDecimalType,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** One StartQueryExecution the harness received. */
export interface RecordedQuery {
  readonly id: string;
  readonly sql: string;
  readonly workGroup: string | undefined;
  readonly catalog: string | undefined;
  readonly database: string | undefined;
  readonly clientRequestToken: string | undefined;
}

export interface AthenaOnDuckDbOptions {
  /** Polls of GetQueryExecution that answer RUNNING before the final state. @default 0 */
  readonly runningPolls?: number;
}

export interface AthenaOnDuckDb {
  /** Every query started, in order (a repeated ClientRequestToken is recorded once). */
  readonly queries: readonly RecordedQuery[];
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly precision?: number;
  readonly scale?: number;
}

interface Execution {
  readonly query: RecordedQuery;
  polls: number;
  state: QueryExecutionState;
  readonly outcome:
    | {
        readonly ok: true;
        readonly columns: readonly Column[];
        readonly rows: readonly (string | undefined)[][];
      }
    | { readonly ok: false; readonly message: string };
}

/** Athena's documented MaxResults range for GetQueryResults. */
const MAX_RESULTS = 1000;

const invalid = (message: string): InvalidRequestException =>
  new InvalidRequestException({ message, $metadata: {} });

/** Installs the handlers on `athena` (a `mockClient(AthenaClient)`); reset the stub between tests. */
export function athenaOnDuckDb(
  athena: AwsClientStub<AthenaClient>,
  connection: DuckDBConnection,
  options: AthenaOnDuckDbOptions = {},
): AthenaOnDuckDb {
  const runningPolls = options.runningPolls ?? 0;
  const executions = new Map<string, Execution>();
  const byToken = new Map<string, string>();
  const queries: RecordedQuery[] = [];

  const execution = (id: string | undefined): Execution => {
    const found = id === undefined ? undefined : executions.get(id);
    if (found === undefined) throw invalid(`QueryExecution ${String(id)} was not found`);
    return found;
  };

  athena.on(StartQueryExecutionCommand).callsFake(async (input) => {
    const sql = input.QueryString;
    if (typeof sql !== 'string' || sql.length === 0) throw invalid('QueryString must not be empty');
    const token = input.ClientRequestToken;
    const earlier = token === undefined ? undefined : byToken.get(token);
    if (earlier !== undefined) return { QueryExecutionId: earlier };
    const id = `q-${String(queries.length + 1).padStart(4, '0')}`;
    const query: RecordedQuery = {
      id,
      sql,
      workGroup: input.WorkGroup,
      catalog: input.QueryExecutionContext?.Catalog,
      database: input.QueryExecutionContext?.Database,
      clientRequestToken: token,
    };
    queries.push(query);
    if (token !== undefined) byToken.set(token, id);
    executions.set(id, { query, polls: 0, state: 'RUNNING', outcome: await runOnDuckDb(connection, sql) });
    return { QueryExecutionId: id };
  });

  athena.on(GetQueryExecutionCommand).callsFake((input): Partial<GetQueryExecutionCommandOutput> => {
    const run = execution(input.QueryExecutionId);
    run.polls += 1;
    if (run.state === 'RUNNING' && run.polls > runningPolls)
      run.state = run.outcome.ok ? 'SUCCEEDED' : 'FAILED';
    const failure = run.state === 'FAILED' && !run.outcome.ok ? run.outcome.message : undefined;
    return {
      QueryExecution: {
        QueryExecutionId: run.query.id,
        Query: run.query.sql,
        WorkGroup: run.query.workGroup,
        QueryExecutionContext: { Catalog: run.query.catalog, Database: run.query.database },
        Status: {
          State: run.state,
          ...(failure === undefined
            ? {}
            : {
                StateChangeReason: failure,
                // ErrorType is left out: the harness cannot tell which of Athena's types DuckDB's error is.
                AthenaError: { ErrorCategory: 2, Retryable: false, ErrorMessage: failure },
              }),
        },
      },
    };
  });

  athena.on(GetQueryResultsCommand).callsFake((input): Partial<GetQueryResultsCommandOutput> => {
    const run = execution(input.QueryExecutionId);
    if (run.state !== 'SUCCEEDED' || !run.outcome.ok)
      throw invalid(`Query has not yet finished. Current state: ${run.state}`);
    const maxResults = input.MaxResults ?? MAX_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS)
      throw invalid(`MaxResults must be between 1 and ${MAX_RESULTS}, got ${maxResults}`);
    const { columns, rows } = run.outcome;
    const all = [columns.map((c) => c.name), ...rows];
    const start = input.NextToken === undefined ? 0 : tokenOffset(input.NextToken, run.query.id);
    const end = Math.min(start + maxResults, all.length);
    return {
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: columns.map((c) => ({
            Name: c.name,
            Label: c.name,
            Type: c.type,
            ...(c.precision === undefined ? {} : { Precision: c.precision, Scale: c.scale }),
          })),
        },
        Rows: all.slice(start, end).map((row) => ({
          Data: row.map((text) => (text === undefined ? {} : { VarCharValue: text })),
        })),
      },
      ...(end < all.length ? { NextToken: `${run.query.id}@${end}` } : {}),
    };
  });

  athena.on(StopQueryExecutionCommand).callsFake((input) => {
    const run = execution(input.QueryExecutionId);
    if (run.state === 'RUNNING') run.state = 'CANCELLED';
    return {};
  });

  return { queries };
}

function tokenOffset(token: string, id: string): number {
  const [owner, offset] = token.split('@');
  const value = Number(offset);
  if (owner !== id || !Number.isSafeInteger(value) || value < 1)
    throw invalid(`NextToken ${token} is not valid for ${id}`);
  return value;
}

async function runOnDuckDb(connection: DuckDBConnection, sql: string): Promise<Execution['outcome']> {
  try {
    const reader = await connection.runAndReadAll(sql);
    const columns = reader.columnNames().map((name, i) => athenaColumn(name, reader.columnTypes()[i]));
    const rows = reader.getRows().map((row) => row.map(valueText));
    return { ok: true, columns, rows };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Athena's column metadata for a DuckDB result column: the type name in lower case, without parameters. */
function athenaColumn(name: string, type: DuckDBType | undefined): Column {
  if (type === undefined) throw new Error(`column ${name} has no type`);
  if (type instanceof DuckDBDecimalType)
    return { name, type: 'decimal', precision: type.width, scale: type.scale };
  return { name, type: type.toString().replace(/\(.*$/s, '').toLowerCase() };
}

/** The text Athena puts in VarCharValue; NULL has none. */
function valueText(value: DuckDBValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return value.toString();
}
