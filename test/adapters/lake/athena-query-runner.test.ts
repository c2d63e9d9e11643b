import {
  AthenaClient,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandInput,
  type GetQueryResultsCommandOutput,
  InternalServerException,
  InvalidRequestException,
  type QueryExecutionStatus,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AthenaQueryRunner,
  type AthenaQueryRunnerProps,
} from '../../../lambdas/adapters/lake/athena-query-runner.ts';
import { LakeQueryError } from '../../../lambdas/adapters/lake/lake-query-error.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';

const athena = mockClient(AthenaClient);
afterEach(() => athena.reset());

const ID = 'qe-1';
const CATALOG = 's3tablescatalog/wte-lake';

function runner(props: Partial<AthenaQueryRunnerProps> = {}) {
  const sleeps: number[] = [];
  const r = new AthenaQueryRunner({
    client: new AthenaClient({ region: 'eu-central-1' }),
    workGroup: 'wte-lake',
    catalog: CATALOG,
    database: 'metrics',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...props,
  });
  return { r, sleeps };
}

const status = (s: QueryExecutionStatus): Partial<GetQueryExecutionCommandOutput> => ({
  QueryExecution: { QueryExecutionId: ID, Status: s },
});
const STATE = {
  queued: status({ State: 'QUEUED' }),
  running: status({ State: 'RUNNING' }),
  succeeded: status({ State: 'SUCCEEDED' }),
};

type Cell = string | undefined;
const columns = (spec: Record<string, string>) =>
  Object.entries(spec).map(([Name, Type]) => ({ Name, Label: Name, Type }));
const rows = (cells: Cell[][]) =>
  cells.map((r) => ({ Data: r.map((v) => (v === undefined ? {} : { VarCharValue: v })) }));
const page = (
  spec: Record<string, string>,
  cells: Cell[][],
  next?: string,
): Partial<GetQueryResultsCommandOutput> => ({
  ResultSet: { ResultSetMetadata: { ColumnInfo: columns(spec) }, Rows: rows(cells) },
  ...(next === undefined ? {} : { NextToken: next }),
});

function succeedsWith(...pages: Partial<GetQueryResultsCommandOutput>[]): void {
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
  athena.on(GetQueryExecutionCommand).resolves(STATE.succeeded);
  let chain = athena.on(GetQueryResultsCommand);
  for (const p of pages) chain = chain.resolvesOnce(p);
}

const fails = (s: QueryExecutionStatus): void => {
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
  athena.on(GetQueryExecutionCommand).resolves(status(s));
};

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('AthenaQueryRunner', () => {
  it('starts the query in the workgroup with the table bucket catalog and namespace as context', async () => {
    succeedsWith(page({ n: 'integer' }, [['n'], ['1']]));
    await runner({ clientRequestToken: () => 'token-0123456789abcdef0123456789abcdef' }).r.run(
      'SELECT 1 AS n',
    );
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0]
      .input as StartQueryExecutionCommandInput;
    expect(input).toEqual({
      QueryString: 'SELECT 1 AS n',
      WorkGroup: 'wte-lake',
      QueryExecutionContext: { Catalog: CATALOG, Database: 'metrics' },
      ClientRequestToken: 'token-0123456789abcdef0123456789abcdef',
    });
  });

  it('polls with capped exponential backoff until the query succeeds', async () => {
    succeedsWith(page({ n: 'integer' }, [['n'], ['1']]));
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(STATE.queued)
      .resolvesOnce(STATE.running)
      .resolvesOnce(STATE.running)
      .resolvesOnce(STATE.running)
      .resolvesOnce(STATE.running)
      .resolvesOnce(STATE.running)
      .resolves(STATE.succeeded);
    const { r, sleeps } = runner();
    expect(await r.run('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    expect(sleeps).toEqual([200, 400, 800, 1600, 2000, 2000, 2000]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(7);
    expect(athena.commandCalls(GetQueryExecutionCommand)[0]?.args[0].input).toEqual({ QueryExecutionId: ID });
  });

  it('keeps polling through a throttled poll', async () => {
    succeedsWith(page({ n: 'integer' }, [['n'], ['7']]));
    athena
      .on(GetQueryExecutionCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves(STATE.succeeded);
    expect(await runner().r.run('SELECT 7 AS n')).toEqual([{ n: 7 }]);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(2);
  });

  it('pages results with MaxResults 1000 and NextToken, skipping the header row on the first page only', async () => {
    const spec = { plant_id: 'varchar', line: 'varchar' };
    succeedsWith(
      page(
        spec,
        [
          ['plant_id', 'line'],
          ['a', 'L1'],
          ['b', 'L2'],
        ],
        't1',
      ),
      // A data row that reads like the header, on a later page, is data.
      page(
        spec,
        [
          ['plant_id', 'line'],
          ['c', 'L3'],
        ],
        't2',
      ),
      page(spec, [['d', 'L4']]),
    );
    expect(await runner().r.run('SELECT plant_id, line FROM readings')).toEqual([
      { plant_id: 'a', line: 'L1' },
      { plant_id: 'b', line: 'L2' },
      { plant_id: 'plant_id', line: 'line' },
      { plant_id: 'c', line: 'L3' },
      { plant_id: 'd', line: 'L4' },
    ]);
    const inputs = athena
      .commandCalls(GetQueryResultsCommand)
      .map((c) => c.args[0].input as GetQueryResultsCommandInput);
    expect(inputs).toEqual([
      { QueryExecutionId: ID, MaxResults: 1000, NextToken: undefined },
      { QueryExecutionId: ID, MaxResults: 1000, NextToken: 't1' },
      { QueryExecutionId: ID, MaxResults: 1000, NextToken: 't2' },
    ]);
  });
});

describe('AthenaQueryRunner values', () => {
  it('reads integers, floats and decimals as numbers, other types as text, and a missing value as NULL', async () => {
    const spec = {
      b: 'bigint',
      i: 'integer',
      h: 'HUGEINT',
      d: 'double',
      f: 'float',
      m: 'DECIMAL(18,3)',
      s: 'varchar',
      day: 'date',
      ok: 'boolean',
    };
    succeedsWith(
      page(spec, [
        Object.keys(spec),
        ['1795521540000', '-3', '42', '912.5', '1e-7', '12.340', 'kz-ast-01', '2026-11-24', 'true'],
        [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
      ]),
    );
    expect(await runner().r.run('SELECT …')).toEqual([
      {
        b: 1795521540000,
        i: -3,
        h: 42,
        d: 912.5,
        f: 1e-7,
        m: 12.34,
        s: 'kz-ast-01',
        day: '2026-11-24',
        ok: 'true',
      },
      { b: null, i: null, h: null, d: null, f: null, m: null, s: null, day: null, ok: null },
    ]);
  });

  it('keeps every row when the first page has no header row', async () => {
    succeedsWith(page({ n: 'bigint' }, [['5'], ['6']]));
    expect(await runner().r.run('SELECT …')).toEqual([{ n: 5 }, { n: 6 }]);
  });

  it.each([
    ['bigint', '9007199254740993', 'safe integer'],
    ['bigint', '', 'safe integer'],
    ['integer', '1.5', 'safe integer'],
    ['double', 'inf', 'finite number'],
    ['double', 'nan', 'finite number'],
  ])('refuses a %s cell holding %j as a LakeQueryError', async (type, text, words) => {
    succeedsWith(page({ n: type }, [['n'], [text]]));
    const error = await rejection(runner().r.run('SELECT …'));
    expect(error).toBeInstanceOf(LakeQueryError);
    expect((error as LakeQueryError).queryExecutionId).toBe(ID);
    expect((error as LakeQueryError).reason).toContain(words);
  });

  it('refuses results past the page bound instead of reading without end', async () => {
    succeedsWith(
      page({ n: 'bigint' }, [['n'], ['1']], 't1'),
      page({ n: 'bigint' }, [['2']], 't2'),
      page({ n: 'bigint' }, [['3']]),
    );
    const error = await rejection(runner({ maxPages: 2 }).r.run('SELECT …'));
    expect(error).toBeInstanceOf(LakeQueryError);
    expect((error as LakeQueryError).reason).toContain('more than 2 pages');
    expect((error as LakeQueryError).tooLarge).toBe(true);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
  });
});

describe('AthenaQueryRunner errors', () => {
  it.each([
    ['TooManyRequestsException', new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} })],
    [
      'ThrottlingException',
      Object.assign(new Error('slow down'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    ],
    [
      'InternalServerException',
      new InternalServerException({ message: 'oops', $metadata: { httpStatusCode: 500 } }),
    ],
    [
      'a 503',
      Object.assign(new Error('unavailable'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }),
    ],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('reports %s on start as UnavailableError and polls nothing', async (_name, error) => {
    athena.on(StartQueryExecutionCommand).rejects(error);
    const thrown = await rejection(runner().r.run('SELECT 1'));
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect((thrown as UnavailableError).cause).toBe(error);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(0);
  });

  it('names a network failure by its name and code, never by its message', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const thrown = await rejection(runner().r.run('SELECT 1'));
    expect((thrown as Error).message).toBe('Athena StartQueryExecution failed with Error (ECONNRESET)');
  });

  it('reports a request Athena refuses (InvalidRequestException) as a LakeQueryError, not an outage', async () => {
    const error = new InvalidRequestException({ message: 'WorkGroup wte-lake is disabled', $metadata: {} });
    athena.on(StartQueryExecutionCommand).rejects(error);
    const thrown = await rejection(runner().r.run('SELECT 1'));
    expect(thrown).toBeInstanceOf(LakeQueryError);
    expect((thrown as LakeQueryError).reason).toContain('WorkGroup wte-lake is disabled');
    expect((thrown as LakeQueryError).cause).toBe(error);
  });

  it('reports a server fault while paging as UnavailableError', async () => {
    succeedsWith();
    athena
      .on(GetQueryResultsCommand)
      .rejects(new InternalServerException({ message: 'oops', $metadata: { httpStatusCode: 500 } }));
    expect(await rejection(runner().r.run('SELECT 1'))).toBeInstanceOf(UnavailableError);
  });

  it.each([
    [
      'a system error',
      { ErrorCategory: 1, ErrorType: 401, Retryable: false, ErrorMessage: 'Internal error' },
    ],
    ['a retryable error', { ErrorCategory: 3, ErrorType: 9999, Retryable: true, ErrorMessage: 'Try again' }],
  ])('reports a query FAILED with %s as UnavailableError, with the reason', async (_what, athenaError) => {
    fails({ State: 'FAILED', StateChangeReason: athenaError.ErrorMessage, AthenaError: athenaError });
    const thrown = await rejection(runner().r.run('SELECT 1'));
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect((thrown as Error).message).toContain(ID);
    expect((thrown as Error).message).toContain(athenaError.ErrorMessage);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it.each([
    [
      'FAILED',
      'a syntax error',
      {
        ErrorCategory: 2,
        ErrorType: 1001,
        Retryable: false,
        ErrorMessage: 'Parser Error: syntax error at or near "SELEC"',
      },
    ],
    [
      'FAILED',
      'a missing permission',
      {
        ErrorCategory: 2,
        ErrorType: 1003,
        Retryable: false,
        ErrorMessage: 'Access denied for table readings',
      },
    ],
    [
      'CANCELLED',
      'the bytes-scanned cutoff',
      {
        ErrorCategory: 2,
        ErrorType: 1002,
        Retryable: false,
        ErrorMessage: 'Query cancelled: it exceeded the workgroup bytes scanned limit',
      },
    ],
  ] as const)(
    'reports a query %s by %s as a LakeQueryError with the id and the reason',
    async (state, _what, athenaError) => {
      fails({ State: state, StateChangeReason: athenaError.ErrorMessage, AthenaError: athenaError });
      const thrown = await rejection(runner().r.run('SELECT 1'));
      expect(thrown).toBeInstanceOf(LakeQueryError);
      expect(thrown).not.toBeInstanceOf(UnavailableError);
      expect(thrown).toMatchObject({
        queryExecutionId: ID,
        reason: athenaError.ErrorMessage,
        errorCategory: 2,
        errorType: athenaError.ErrorType,
        // Only the workgroup's cutoff (a CANCELLED query) is "narrow the range"; the rest is configuration.
        tooLarge: state === 'CANCELLED',
      });
      expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    },
  );

  it('uses StateChangeReason when Athena gives no AthenaError', async () => {
    fails({ State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' });
    expect(await rejection(runner().r.run('SELECT 1'))).toMatchObject({
      name: 'LakeQueryError',
      reason: 'Query cancelled by user',
    });
  });
});

describe('AthenaQueryRunner bounds', () => {
  it('stops the query and reports UnavailableError when the invocation runs out of time', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena.on(GetQueryExecutionCommand).resolves(STATE.running);
    athena.on(StopQueryExecutionCommand).resolves({});
    let now = 0;
    const { r, sleeps } = runner({
      clock: { now: () => now },
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    const thrown = await rejection(r.run('SELECT 1', { deadline: 5000 }));
    expect(thrown).toBeInstanceOf(UnavailableError);
    // 3 s of budget (5 s minus the 2 s margin): 200 + 400 + 800 + 1600 = 3000.
    expect(sleeps).toEqual([200, 400, 800, 1600]);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: ID },
    ]);
  });

  it('stops the query after maxWaitMs of waiting, even when stopping fails', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena.on(GetQueryExecutionCommand).resolves(STATE.running);
    athena
      .on(StopQueryExecutionCommand)
      .rejects(new InternalServerException({ message: 'oops', $metadata: {} }));
    const { r, sleeps } = runner({ maxWaitMs: 5000 });
    const thrown = await rejection(r.run('SELECT 1'));
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect((thrown as Error).message).toContain('did not finish in time');
    expect(sleeps).toEqual([200, 400, 800, 1600, 2000]);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('starts nothing when the deadline leaves no time', async () => {
    const thrown = await rejection(
      runner({ clock: { now: () => 10_000 } }).r.run('SELECT 1', { deadline: 11_500 }),
    );
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it.each([
    [{ workGroup: '' }, /workGroup/],
    [{ catalog: '' }, /catalog/],
    [{ maxWaitMs: 0 }, /maxWaitMs/],
    [{ maxPages: 1.5 }, /maxPages/],
  ])('refuses bad props %j', (props, message) => {
    expect(() => runner(props)).toThrow(message);
  });
});
