/**
 * Large batches, as the memory benchmark sends them (the deployed batch size
 * may be raised up to 10,000): the processor handles one plant's thousands of
 * messages in one invocation, alert evaluation included.
 */
import { describe, expect, it } from 'vitest';
import { BENCH_START, fleetQueue, HOUR_MS, sqsEvents } from '../../bench/fleet-data.ts';
import { MemoryStateStore, NullRejections } from '../../bench/memory-sinks.ts';
import type { StoredReading } from '../../lambdas/domain/ports.ts';
import type { AlertEvaluator } from '../../lambdas/handlers/processor.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';

describe('a batch of 3,000 messages of one plant', () => {
  it('is processed and evaluated once for the plant over its whole time range', async () => {
    const bodies = fleetQueue({ plants: 1, hours: 9 }).slice(0, 3_000);
    const readings = bodies.reduce((n, b) => n + b.readings.length, 0);
    expect(readings).toBeGreaterThan(130_000); // more than Math.min(...times) takes as arguments
    const stored: StoredReading[] = [];
    const calls: Array<Parameters<AlertEvaluator['afterBatch']>> = [];
    const handle = makeProcessorHandler({
      metrics: {
        writeReadings: async (items) => {
          // A loop: push(...items) with this many arguments overflows the stack, as Math.min(...times) did.
          for (const item of items) stored.push(item);
          return { stored: items.length, rejected: [] };
        },
        writeMovements: async (items) => ({ stored: items.length, rejected: [] }),
      },
      state: new MemoryStateStore(),
      rejections: new NullRejections(),
      alerts: { afterBatch: async (...args) => void calls.push(args) },
    });
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
      },
    ]);
    expect(now).toBe(bodies.reduce((a, b) => Math.max(a, b.receivedAt), 0));
    expect(now).toBeLessThan(BENCH_START + 10 * HOUR_MS);
  });
});
