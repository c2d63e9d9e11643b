/**
 * The readers the entries compose (lambdas/entry/lake-store.ts and
 * timestream-store.ts, from the environment as at a cold start) pass each
 * read's deadline (issue #21) down to the SDK, KPI counter slots' raw reads
 * included. The clients are stubbed at their classes (the composition builds
 * its own). With less than the adapters' margins left (Athena 2 s, a recent
 * table page 1 s, a Timestream page 2 s) every read refuses with
 * `UnavailableError` and sends nothing; with time left, every SDK call is
 * sent with an abort signal; without a deadline, with none.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DynamoDBClient, QueryCommand as DynamoQueryCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallOptions } from '../../lambdas/domain/deadline.ts';
import { UnavailableError } from '../../lambdas/domain/ports.ts';
import { lakeReader } from '../../lambdas/entry/lake-store.ts';
import type { MetricsReads } from '../../lambdas/entry/metrics-reads.ts';
import { timestreamReader } from '../../lambdas/entry/timestream-store.ts';
import { LAKE_ENV, TIMESTREAM_ENV } from './entry-support.ts';

const athena = mockClient(AthenaClient);
const dynamo = mockClient(DynamoDBClient);
const timestream = mockClient(TimestreamQueryClient);

beforeEach(() => {
  for (const client of [athena, dynamo, timestream]) client.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-deadline' });
  athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
  athena
    .on(GetQueryResultsCommand)
    .resolves({ ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } } });
  dynamo.on(DynamoQueryCommand).resolves({ Items: [] });
  timestream.on(QueryCommand).resolves({ Rows: [], ColumnInfo: [] });
});

afterAll(() => {
  for (const client of [athena, dynamo, timestream]) client.restore();
});

/** What the tests read of a client stub: the calls sent, each with the options given to `send`. */
interface SentCalls {
  readonly send: { readonly callCount: number; getCalls(): Array<{ readonly args: readonly unknown[] }> };
}
const abortSignalOf = (call: { readonly args: readonly unknown[] }) =>
  (call.args[1] as { abortSignal?: unknown } | undefined)?.abortSignal;

const PLANT = 'kz-ast-01';
const DAY = 86_400_000;
const SLOT = 900_000;
/** No slot is rolled up: KPI counter slots are read raw. */
const rollup = { readRolledSlots: async () => new Map() };

/** Every read over the last 60 days: on the lake, both the recent table (40 days) and Athena answer. */
const READS: ReadonlyArray<
  readonly [string, (reads: MetricsReads, options?: CallOptions) => Promise<unknown>]
> = [
  ['readReadings', (r, o) => r.readReadings({ plantId: PLANT, metric: 'waste_fed', ...range() }, o)],
  ['readLastBefore', (r, o) => r.readLastBefore(PLANT, 'waste_fed', range().to - 35 * DAY, o)],
  ['readMovements', (r, o) => r.readMovements(PLANT, range().from, range().to, o)],
  ['readCounterReadings', (r, o) => r.readCounterReadings(PLANT, range().from, range().to, o)],
  [
    'readKpiCounterSlots',
    (r, o) => {
      const read = r.readKpiCounterSlots;
      if (!read) throw new Error('no readKpiCounterSlots: the rollup was not bound');
      return read(PLANT, range().from, range().to, o);
    },
  ],
];

/** Slot-aligned, ending at the last slot boundary before now. */
function range() {
  const to = Math.floor(Date.now() / SLOT) * SLOT;
  return { from: to - 60 * DAY, to };
}

const STORES: ReadonlyArray<readonly [string, () => MetricsReads, readonly SentCalls[]]> = [
  ['lake', () => lakeReader(LAKE_ENV, { rollup }), [athena, dynamo]],
  ['timestream', () => timestreamReader(TIMESTREAM_ENV, { rollup }), [timestream]],
];

const CASES = STORES.flatMap(([store, build, clients]) =>
  READS.map(([read, call]) => [store, read, build, call, clients] as const),
);

const sends = (clients: readonly SentCalls[]) => clients.flatMap((client) => client.send.getCalls());

describe('deadlines through the composed metrics readers', () => {
  it.each(CASES)(
    '%s %s refuses to send with less than the margin left',
    async (_s, _r, build, call, clients) => {
      const reads = build();
      await expect(call(reads, { deadline: Date.now() + 500 })).rejects.toBeInstanceOf(UnavailableError);
      expect(sends(clients)).toEqual([]);
    },
  );

  it.each(CASES)(
    '%s %s sends every call with an abort signal when time is left',
    async (_s, _r, build, call, clients) => {
      const reads = build();
      await call(reads, { deadline: Date.now() + 60_000 });
      const sent = sends(clients);
      // Every store the read spans was asked (on the lake, Athena and the recent table).
      for (const client of clients) expect(client.send.callCount).toBeGreaterThan(0);
      expect(sent.filter((s) => !(abortSignalOf(s) instanceof AbortSignal))).toEqual([]);
    },
  );

  it.each(CASES)(
    '%s %s sends without an abort signal when the read has no deadline',
    async (_s, _r, build, call, clients) => {
      const reads = build();
      await call(reads);
      const sent = sends(clients);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.filter((s) => abortSignalOf(s) !== undefined)).toEqual([]);
    },
  );
});
