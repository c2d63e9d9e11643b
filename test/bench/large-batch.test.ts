/**
 * Large batches, as the memory benchmark sends them (the deployed batch size
 * may be raised up to 10,000): the processor handles one plant's thousands of
 * messages in one invocation, alert evaluation included, writing them in
 * chunks of whole messages so memory does not grow with the batch.
 */
import { describe, expect, it } from 'vitest';
import { BENCH_START, fleetQueue, HOUR_MS, sqsEvents } from '../../bench/fleet-data.ts';
import { MemoryStateStore, NullRejections } from '../../bench/memory-sinks.ts';
import type { MetricsStore } from '../../lambdas/domain/metrics-ports.ts';
import { type StoredReading, UnavailableError } from '../../lambdas/domain/ports.ts';
import {
  type AlertEvaluator,
  makeProcessorHandler,
  WRITE_CHUNK_READINGS,
} from '../../lambdas/handlers/processor.ts';

const bodies = fleetQueue({ plants: 1, hours: 9 }).slice(0, 3_000);
const readings = bodies.reduce((n, b) => n + b.readings.length, 0);

/** The processor over in-memory state, a readings sink and, when given, an alert evaluator. */
function processorWith(
  writeReadings: MetricsStore['writeReadings'],
  alerts?: AlertEvaluator,
  writeChunkReadings?: number,
) {
  return makeProcessorHandler({
    ...(writeChunkReadings === undefined ? {} : { writeChunkReadings }),
    metrics: { writeReadings, writeMovements: async (items) => ({ stored: items.length, rejected: [] }) },
    state: new MemoryStateStore(),
    rejections: new NullRejections(),
    ...(alerts ? { alerts } : {}),
  });
}

describe('a batch of 3,000 messages of one plant', () => {
  it('is processed and evaluated once for the plant over its whole time range', async () => {
    expect(readings).toBeGreaterThan(130_000); // more than Math.min(...times) takes as arguments
    const stored: StoredReading[] = [];
    const calls: Array<Parameters<AlertEvaluator['afterBatch']>> = [];
    const handle = processorWith(
      async (items) => {
        // A loop: push(...items) with this many arguments overflows the stack, as Math.min(...times) did.
        for (const item of items) stored.push(item);
        return { stored: items.length, rejected: [] };
      },
      { afterBatch: async (...args) => void calls.push(args) },
    );
    const [event] = sqsEvents([bodies]);
    expect((await handle(event as NonNullable<typeof event>)).batchItemFailures).toEqual([]);
    expect(stored).toHaveLength(readings);
    expect(calls).toHaveLength(1);
    const [touched, now] = calls[0] as Parameters<AlertEvaluator['afterBatch']>;
    const times = stored.map((r) => r.ts);
    expect(touched).toEqual([
      {
        plantId: bodies[0]?.plantId,
        from: times.reduce((a, b) => Math.min(a, b)),
        to: times.reduce((a, b) => Math.max(a, b)) + 1,
        furnaceLines: expect.arrayContaining(['boiler-1']),
        spans: expect.any(Array),
      },
    ]);
    // One span per stored message: the days a batch records are the days its messages touch.
    expect(touched[0]?.spans).toHaveLength(bodies.length);
    expect(now).toBe(bodies.reduce((a, b) => Math.max(a, b.receivedAt), 0));
    expect(now).toBeLessThan(BENCH_START + 10 * HOUR_MS);
  });

  it('writes the readings in chunks of whole messages, each reading once, in message order', async () => {
    const writes: StoredReading[][] = [];
    const handle = processorWith(async (items) => {
      writes.push([...items]);
      return { stored: items.length, rejected: [] };
    });
    const [event] = sqsEvents([bodies]);
    expect((await handle(event as NonNullable<typeof event>)).batchItemFailures).toEqual([]);
    expect(writes.length).toBeGreaterThanOrEqual(Math.ceil(readings / WRITE_CHUNK_READINGS));
    // Chunk boundaries fall between messages: each write is a run of whole consecutive messages.
    let next = 0;
    for (const write of writes) {
      expect(write.length).toBeLessThanOrEqual(WRITE_CHUNK_READINGS);
      let taken = 0;
      while (taken < write.length) {
        const body = bodies[next++];
        if (!body) throw new Error('a write holds more readings than the messages left');
        expect(write.slice(taken, taken + body.readings.length).map((r) => [r.metric, r.line, r.ts])).toEqual(
          body.readings.map((r) => [r.metric, r.line, r.ts]),
        );
        taken += body.readings.length;
      }
    }
    expect(next).toBe(bodies.length);
  });

  it('writes chunks of the size it is told (local mode writes a batch in one transaction)', async () => {
    const sizes: number[] = [];
    const limit = 40_000;
    const handle = processorWith(
      async (items) => {
        sizes.push(items.length);
        return { stored: items.length, rejected: [] };
      },
      undefined,
      limit,
    );
    const [event] = sqsEvents([bodies]);
    expect((await handle(event as NonNullable<typeof event>)).batchItemFailures).toEqual([]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(readings);
    expect(Math.max(...sizes)).toBeGreaterThan(WRITE_CHUNK_READINGS);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(limit);
    expect(sizes.length).toBeLessThan(Math.ceil(readings / WRITE_CHUNK_READINGS));
  });

  it('fails only the messages of a chunk whose write failed', async () => {
    let call = 0;
    const sizes: number[] = [];
    const handle = processorWith(async (items) => {
      sizes.push(items.length);
      if (++call === 2) throw new UnavailableError('Timestream throttled');
      return { stored: items.length, rejected: [] };
    });
    const [event] = sqsEvents([bodies]);
    const records = (event as NonNullable<typeof event>).Records;
    const failed = (await handle({ Records: records })).batchItemFailures.map((f) => f.itemIdentifier);
    // The messages of the second write: those whose readings follow the first write's.
    const expected: string[] = [];
    let offset = 0;
    for (const [i, body] of bodies.entries()) {
      if (offset >= (sizes[0] as number) && offset < (sizes[0] as number) + (sizes[1] as number))
        expected.push(records[i]?.messageId as string);
      offset += body.readings.length;
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(failed).toEqual(expected);
    expect(sizes.length).toBeGreaterThan(2);
  });
  it('evaluates alerts over the messages that were stored, not those of a failed chunk', async () => {
    let call = 0;
    const stored: StoredReading[] = [];
    const calls: Array<Parameters<AlertEvaluator['afterBatch']>> = [];
    const handle = processorWith(
      async (items) => {
        if (++call === 1) throw new UnavailableError('Timestream throttled');
        for (const item of items) stored.push(item);
        return { stored: items.length, rejected: [] };
      },
      { afterBatch: async (...args) => void calls.push(args) },
    );
    const [event] = sqsEvents([bodies]);
    const records = (event as NonNullable<typeof event>).Records;
    const failed = new Set(
      (await handle({ Records: records })).batchItemFailures.map((f) => f.itemIdentifier),
    );
    expect(failed.size).toBeGreaterThan(0);
    expect(stored.length).toBeGreaterThan(0);
    const kept = bodies.filter((_, i) => !failed.has(records[i]?.messageId as string));
    const times = stored.map((r) => r.ts);
    const earliestOfAll = bodies.reduce((a, b) => Math.min(a, ...b.readings.map((r) => r.ts)), Infinity);
    expect(calls).toHaveLength(1);
    const [touched, now] = calls[0] as Parameters<AlertEvaluator['afterBatch']>;
    expect(touched).toEqual([
      {
        plantId: bodies[0]?.plantId,
        from: times.reduce((a, b) => Math.min(a, b)),
        to: times.reduce((a, b) => Math.max(a, b)) + 1,
        furnaceLines: expect.arrayContaining(['boiler-1']),
        spans: expect.any(Array),
      },
    ]);
    expect(touched[0]?.spans).toHaveLength(kept.length);
    // The failed first chunk held the earliest readings: the evaluated range starts after them.
    expect(touched[0]?.from).toBeGreaterThan(earliestOfAll);
    expect(now).toBe(kept.reduce((a, b) => Math.max(a, b.receivedAt), 0));
  });
});
