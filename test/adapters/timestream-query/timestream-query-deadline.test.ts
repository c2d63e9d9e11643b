/**
 * The Timestream query reader holds each call to the deadline it carries
 * (issue #21): one reader, built once, serves calls with different
 * deadlines; no page is sent past a call's deadline, and a page cut off at
 * it is an outage to retry (UnavailableError), not a refused query.
 */
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { makeReader, NOW, PLANT, queryClient } from './fixtures.ts';

const client = queryClient();
const mock = mockClient(client);
beforeEach(() => mock.reset());

const query = { plantId: PLANT, metric: 'furnace_temperature' as const, from: NOW - 3_600_000, to: NOW };

describe('TimestreamMetricsReader deadlines per call', () => {
  it('sends no query for a call whose deadline has passed, and answers another call meanwhile', async () => {
    mock.on(QueryCommand).resolves({ Rows: [], ColumnInfo: [] });
    const reader = makeReader(client, { clock: { now: () => NOW } });
    const [late, early] = await Promise.allSettled([
      reader.readReadings(query, { deadline: NOW }),
      reader.readReadings(query, { deadline: NOW + 60_000 }),
    ]);
    expect(late.status).toBe('rejected');
    expect((late as PromiseRejectedResult).reason).toBeInstanceOf(UnavailableError);
    expect(early).toEqual({ status: 'fulfilled', value: [] });
    expect(mock.commandCalls(QueryCommand)).toHaveLength(1);
  });

  it('sends each page with an abort signal at the deadline, and reports a page cut off there as UnavailableError', async () => {
    let now = NOW;
    const reader = makeReader(client, { clock: { now: () => now } });
    mock.on(QueryCommand).callsFake(() => {
      now += 5_000;
      throw Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    });
    const thrown = await reader.readReadings(query, { deadline: NOW + 5_000 }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect((thrown as Error).message).toContain('deadline');
    // The SDK's second argument: aws-sdk-client-mock records it, though its types know the command only.
    const sent = mock.commandCalls(QueryCommand)[0]?.args as unknown[] | undefined;
    const signal = (sent?.[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
    expect(signal).toBeInstanceOf(AbortSignal);
  });

  it('keeps a 2 s margin: a call with 1.9 s left sends no query, one with 2.1 s left does', async () => {
    mock.on(QueryCommand).resolves({ Rows: [], ColumnInfo: [] });
    const reader = makeReader(client, { clock: { now: () => NOW } });
    await expect(reader.readReadings(query, { deadline: NOW + 1_900 })).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(mock.commandCalls(QueryCommand)).toHaveLength(0);
    await expect(reader.readReadings(query, { deadline: NOW + 2_100 })).resolves.toEqual([]);
    expect(mock.commandCalls(QueryCommand)).toHaveLength(1);
  });
});
