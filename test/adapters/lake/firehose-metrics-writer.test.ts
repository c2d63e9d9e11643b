import {
  FirehoseClient,
  InvalidArgumentException,
  PutRecordBatchCommand,
  type PutRecordBatchCommandInput,
  ResourceNotFoundException,
  ServiceUnavailableException,
} from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FIREHOSE_LIMITS,
  FirehoseMetricsWriter,
  type FirehoseMetricsWriterProps,
  FirehoseWriteError,
} from '../../../lambdas/adapters/lake/firehose-metrics-writer.ts';
import { type StoredReading, UnavailableError } from '../../../lambdas/domain/ports.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, movement, NOW, reading } from '../../support/stored-items.ts';

const firehose = mockClient(FirehoseClient);
afterEach(() => firehose.reset());

function writer(props: Partial<FirehoseMetricsWriterProps> = {}) {
  const sleeps: number[] = [];
  const w = new FirehoseMetricsWriter({
    client: new FirehoseClient({ region: 'eu-west-1' }),
    readingsStreamName: 'readings-stream',
    movementsStreamName: 'movements-stream',
    clock: new FixedClock(NOW),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...props,
  });
  return { w, sleeps };
}

const decoder = new TextDecoder();
const decode = (bytes: Uint8Array) => JSON.parse(decoder.decode(bytes));
/** The rows of every PutRecordBatch call, decoded. */
function sentCalls(): Array<{ stream: string; rows: Array<Record<string, unknown>>; bytes: number }> {
  return firehose.commandCalls(PutRecordBatchCommand).map((call) => {
    const input = call.args[0].input as PutRecordBatchCommandInput;
    const records = input.Records ?? [];
    return {
      stream: input.DeliveryStreamName ?? '',
      rows: records.map((r) => JSON.parse(decoder.decode(r.Data as Uint8Array))),
      bytes: records.reduce((sum, r) => sum + (r.Data as Uint8Array).byteLength, 0),
    };
  });
}

const ok = (n: number) => ({
  FailedPutCount: 0,
  RequestResponses: Array.from({ length: n }, () => ({ RecordId: 'r' })),
});
const series = (n: number): StoredReading[] =>
  Array.from({ length: n }, (_, i) => reading({ ts: NOW - 10 * MINUTE - i * 1000, value: i }));

describe('FirehoseMetricsWriter', () => {
  it('sends each reading once as a newline-terminated JSON row to the readings stream', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const { w } = writer();
    const result = await w.writeReadings([reading()]);
    expect(result).toEqual({ stored: 1, rejected: [] });
    const input = firehose.commandCalls(PutRecordBatchCommand)[0]?.args[0]
      .input as PutRecordBatchCommandInput;
    const text = decoder.decode(input.Records?.[0]?.Data as Uint8Array);
    expect(text.endsWith('\n')).toBe(true);
    expect(input.DeliveryStreamName).toBe('readings-stream');
    expect(JSON.parse(text)).toMatchObject({
      plant_id: 'kz-ast-01',
      metric: 'furnace_temperature',
      version: 1,
    });
  });

  it('writes movements to the movements stream', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const result = await writer().w.writeMovements([movement()]);
    expect(result.stored).toBe(1);
    expect(sentCalls()[0]?.stream).toBe('movements-stream');
  });

  it('splits 1,201 readings into calls of 500, 500 and 201', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const result = await writer({ concurrency: 1 }).w.writeReadings(series(1201));
    expect(result.stored).toBe(1201);
    expect(sentCalls().map((c) => c.rows.length)).toEqual([500, 500, 201]);
  });

  it('keeps every call within 500 records and 4 MiB and sends every row exactly once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        async (sizes, perCall) => {
          firehose.reset();
          firehose
            .on(PutRecordBatchCommand)
            .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
          // Lines of random length vary the row size; lower limits make the property bite with few rows.
          const items = sizes.map((size, i) =>
            reading({ line: `l${i}-${'x'.repeat(size % 60)}`, value: size }),
          );
          const maxBytesPerCall = 2_000;
          const { w } = writer({ limits: { maxRecordsPerCall: perCall, maxBytesPerCall } });
          const result = await w.writeReadings(items);
          const calls = sentCalls();
          for (const call of calls) {
            expect(call.rows.length).toBeLessThanOrEqual(perCall);
            expect(call.bytes).toBeLessThanOrEqual(maxBytesPerCall);
          }
          const lines = calls.flatMap((c) => c.rows.map((r) => r.line)).sort();
          expect(lines).toEqual(items.map((r) => r.line).sort());
          expect(result).toEqual({ stored: items.length, rejected: [] });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps calls within the real 4 MiB limit with rows near the record limit', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const big = Array.from({ length: 9 }, (_, i) => reading({ line: `l${i}`, plantId: 'p'.repeat(900_000) }));
    const result = await writer({ concurrency: 1 }).w.writeReadings(big);
    expect(result.stored).toBe(9);
    const calls = sentCalls();
    expect(calls.map((c) => c.rows.length)).toEqual([4, 4, 1]);
    for (const call of calls) expect(call.bytes).toBeLessThanOrEqual(FIREHOSE_LIMITS.maxBytesPerCall);
  });

  it('refuses a row over the 1,000 KiB record limit alone and sends the others', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const huge = reading({ line: 'huge', plantId: 'p'.repeat(1_100_000) });
    const result = await writer().w.writeReadings([reading({ line: 'a' }), huge, reading({ line: 'b' })]);
    expect(result.stored).toBe(2);
    expect(result.rejected).toEqual([
      { item: huge, kind: 'invalid', reason: expect.stringMatching(/record limit/) },
    ]);
    expect(sentCalls().flatMap((c) => c.rows.map((r) => r.line))).toEqual(['a', 'b']);
  });

  it('resends only the failed entries, in their order, until they are accepted', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({
        FailedPutCount: 2,
        RequestResponses: [
          { RecordId: '1' },
          { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' },
          { RecordId: '3' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const { w, sleeps } = writer();
    const items = ['a', 'b', 'c', 'd'].map((line) => reading({ line }));
    const result = await w.writeReadings(items);
    expect(result).toEqual({ stored: 4, rejected: [] });
    expect(sentCalls().map((c) => c.rows.map((r) => r.line))).toEqual([
      ['a', 'b', 'c', 'd'],
      ['b', 'd'],
    ]);
    expect(sleeps).toEqual([50]);
  });

  it('accepts every row exactly once under random partial failures, resending only failed entries (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 700 }),
        fc.infiniteStream(fc.boolean()),
        async (n, fails) => {
          firehose.reset();
          const accepted: string[] = [];
          let lastFailed: string[] = [];
          firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
            const lines = (input.Records ?? []).map((r) => decode(r.Data as Uint8Array).line as string);
            // A resend holds exactly the entries that failed last time, in their order.
            if (lastFailed.length > 0) expect(lines).toEqual(lastFailed);
            const failedNow = lines.map(() => fails.next().value);
            lastFailed = lines.filter((_, i) => failedNow[i]);
            accepted.push(...lines.filter((_, i) => !failedNow[i]));
            return {
              FailedPutCount: lastFailed.length,
              RequestResponses: lines.map((_, i) =>
                failedNow[i]
                  ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
                  : { RecordId: 'r' },
              ),
            };
          });
          const items = Array.from({ length: n }, (_, i) => reading({ line: `l${i}` }));
          const result = await writer({ concurrency: 1, maxAttempts: 100 }).w.writeReadings(items);
          expect(result.stored).toBe(n);
          expect(accepted.sort()).toEqual(items.map((r) => r.line).sort());
        },
      ),
      { numRuns: 50 },
    );
  });

  it('retries a throttled call as a whole and succeeds', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const result = await writer().w.writeReadings([reading()]);
    expect(result.stored).toBe(1);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(2);
  });

  it('resends the whole call when failures are reported without per-entry results', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({ FailedPutCount: 1, RequestResponses: undefined })
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const result = await writer().w.writeReadings([reading({ line: 'a' }), reading({ line: 'b' })]);
    expect(result.stored).toBe(2);
    expect(sentCalls().map((c) => c.rows.length)).toEqual([2, 2]);
  });

  it('retries throttling, then raises UnavailableError when the invocation runs out of time', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .rejects(new ServiceUnavailableException({ message: 'Slow down.', $metadata: {} }));
    const clock = new FixedClock(NOW);
    const deadline = NOW + 3_000;
    const { w } = writer({
      clock,
      sleep: async (ms) => {
        clock.current += ms + 300;
      },
      random: () => 0.99,
    });
    await expect(w.writeReadings([reading()], { deadline })).rejects.toBeInstanceOf(UnavailableError);
    expect(firehose.commandCalls(PutRecordBatchCommand).length).toBeGreaterThanOrEqual(2);
    expect(clock.now()).toBeLessThan(deadline);
  });

  it('raises UnavailableError when entries still fail after the attempts', async () => {
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }],
    });
    const error = await writer({ maxAttempts: 3 })
      .w.writeReadings([reading()])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(3);
  });

  it('sends nothing and raises UnavailableError when no time is left', async () => {
    const { w } = writer();
    await expect(w.writeReadings([reading()], { deadline: NOW + 1_000 })).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });

  it('holds each call to its own deadline when two invocations write through one writer at once', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const { w } = writer();
    const [late, soon] = await Promise.allSettled([
      w.writeMovements([movement()], { deadline: NOW + 600_000 }),
      w.writeReadings([reading()], { deadline: NOW + 1_000 }),
    ]);
    // Only the call inside its 2 s margin is refused; the other is sent and stored.
    expect(late).toEqual({ status: 'fulfilled', value: { stored: 1, rejected: [] } });
    expect(soon).toMatchObject({ status: 'rejected', reason: expect.any(UnavailableError) });
    expect(sentCalls().map((c) => c.stream)).toEqual(['movements-stream']);
  });

  it.each([
    new InvalidArgumentException({ message: 'bad', $metadata: {} }),
    new ResourceNotFoundException({ message: 'no stream', $metadata: {} }),
    Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
  ])('propagates $name as a FirehoseWriteError, without retrying', async (failure) => {
    firehose.on(PutRecordBatchCommand).rejects(failure);
    const error = await writer()
      .w.writeReadings([reading()])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FirehoseWriteError);
    expect(error).not.toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toBe(failure);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(1);
  });

  it('propagates a KMS entry error as a FirehoseWriteError', async () => {
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ ErrorCode: 'KMSAccessDeniedException', ErrorMessage: 'key' }],
    });
    await expect(writer().w.writeReadings([reading()])).rejects.toBeInstanceOf(FirehoseWriteError);
  });

  it('sends an exact redelivery once and counts every copy stored', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const result = await writer().w.writeReadings([reading(), reading(), reading()]);
    expect(result).toEqual({ stored: 3, rejected: [] });
    expect(sentCalls().flatMap((c) => c.rows)).toHaveLength(1);
  });

  it('refuses, whatever the order, the contents of one identity and version after the first in fingerprint order', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const a = reading({ value: 100 });
    const b = reading({ value: 200 });
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      firehose.resetHistory();
      const result = await writer().w.writeReadings(order);
      expect(result.stored).toBe(1);
      expect(result.rejected).toEqual([{ item: b, kind: 'conflict', reason: expect.any(String) }]);
      expect(sentCalls().flatMap((c) => c.rows.map((r) => r.value))).toEqual([100]);
    }
  });

  it('sends a correction beside its base version (readers keep the highest)', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const base = reading({ value: 100 });
    const fix = reading({ value: 120, correction: true, version: NOW });
    const result = await writer().w.writeReadings([base, fix]);
    expect(result).toEqual({ stored: 2, rejected: [] });
    expect(sentCalls().flatMap((c) => c.rows.map((r) => r.version))).toEqual([1, NOW]);
  });

  it('refuses readings more than 15 minutes ahead and invalid ones without sending them', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: PutRecordBatchCommandInput) => ok(input.Records?.length ?? 0));
    const future = reading({ ts: NOW + 16 * MINUTE });
    const nan = reading({ value: Number.NaN });
    const result = await writer().w.writeReadings([future, nan]);
    expect(result.stored).toBe(0);
    expect(result.rejected.map((r) => r.kind)).toEqual(['out-of-window', 'invalid']);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });
});
