/**
 * The deadline travels with each run (issue #21): one Athena runner, built
 * once as at a cold start, serves two invocations in flight at once, and
 * each query is held to the deadline of the invocation that ran it.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AthenaQueryRunner } from '../../../lambdas/adapters/lake/athena-query-runner.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';

const athena = mockClient(AthenaClient);
afterEach(() => athena.reset());

const T0 = Date.parse('2026-12-01T00:00:00Z');

/** Athena as the two queries see it: `long` finishes at its third poll, `short` at its sixth, if polled that long. */
function athenaAnswers() {
  const polls = new Map<string, number>();
  athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => ({
    QueryExecutionId: `qe-${input.QueryString.slice(7)}`,
  }));
  athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
    const id = input.QueryExecutionId;
    const seen = (polls.get(id) ?? 0) + 1;
    polls.set(id, seen);
    const done = seen >= (id === 'qe-long' ? 3 : 6);
    return { QueryExecution: { QueryExecutionId: id, Status: { State: done ? 'SUCCEEDED' : 'RUNNING' } } };
  });
  athena.on(GetQueryResultsCommand).resolves({
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
      Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '42' }] }],
    },
  });
  athena.on(StopQueryExecutionCommand).resolves({});
}

describe('AthenaQueryRunner deadlines per run', () => {
  it('stops polling the run whose deadline comes and answers the other, both in flight at once', async () => {
    athenaAnswers();
    let now = T0;
    // One runner for the process: the two runs share it, its clock and its sleep.
    const runner = new AthenaQueryRunner({
      client: new AthenaClient({ region: 'eu-central-1' }),
      workGroup: 'wte-lake',
      catalog: 's3tablescatalog/wte-lake',
      database: 'metrics',
      clock: { now: () => now },
      sleep: async (ms) => {
        now += ms / 2;
        await Promise.resolve();
      },
    });

    // `short` has 3 s left (1 s past the 2 s margin); `long` ten minutes.
    const [short, long] = await Promise.allSettled([
      runner.run('SELECT short', { deadline: T0 + 3_000 }),
      runner.run('SELECT long', { deadline: T0 + 600_000 }),
    ]);

    expect(short.status).toBe('rejected');
    expect((short as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
    expect(long).toEqual({ status: 'fulfilled', value: [{ n: 42 }] });
    // Only the short run's query was stopped; the long one was read.
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: 'qe-short' },
    ]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.QueryExecutionId)).toEqual([
      'qe-long',
    ]);
  });

  it('refuses to start a run with less than its margin left while another runs on', async () => {
    athenaAnswers();
    const runner = new AthenaQueryRunner({
      client: new AthenaClient({ region: 'eu-central-1' }),
      workGroup: 'wte-lake',
      catalog: 's3tablescatalog/wte-lake',
      database: 'metrics',
      clock: { now: () => T0 },
      sleep: async () => {},
    });

    const [late, early] = await Promise.allSettled([
      runner.run('SELECT short', { deadline: T0 + 1_500 }),
      runner.run('SELECT long', { deadline: T0 + 600_000 }),
    ]);

    expect(late.status).toBe('rejected');
    expect((late as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
    expect(early).toEqual({ status: 'fulfilled', value: [{ n: 42 }] });
    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString)).toEqual([
      'SELECT long',
    ]);
  });
});
