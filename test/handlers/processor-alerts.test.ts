/**
 * The processor's alert step: after a batch, each plant's rules run once over
 * the span the batch touched; plants are evaluated a few at a time, and a
 * failed evaluation fails only that plant's messages.
 */
import { describe, expect, it } from 'vitest';
import { fleetQueue, sqsEvents } from '../../bench/fleet-data.ts';
import { MemoryStateStore, NullRejections } from '../../bench/memory-sinks.ts';
import { type AlertEvaluator, makeProcessorHandler } from '../../lambdas/handlers/processor.ts';

type Touched = Parameters<AlertEvaluator['afterBatch']>[0][number];

const bodies = fleetQueue({ plants: 6, hours: 0.05 });
const plants = [...new Set(bodies.map((b) => b.plantId))];

function processorWith(
  alerts: AlertEvaluator,
  options: { alertConcurrency?: number; writeChunkReadings?: number } = {},
) {
  return makeProcessorHandler({
    ...options,
    metrics: {
      writeReadings: async (items) => ({ stored: items.length, rejected: [] }),
      writeMovements: async (items) => ({ stored: items.length, rejected: [] }),
    },
    state: new MemoryStateStore(),
    rejections: new NullRejections(),
    alerts,
  });
}

describe('processor alert evaluation', () => {
  it('evaluates each plant of a batch once, over the span of its own readings', async () => {
    expect(plants).toHaveLength(6);
    const seen: Touched[] = [];
    const handle = processorWith({ afterBatch: async (touched) => void seen.push(...touched) });
    const [event] = sqsEvents([bodies]);
    expect((await handle(event as NonNullable<typeof event>)).batchItemFailures).toEqual([]);
    expect(seen.map((t) => t.plantId).sort()).toEqual([...plants].sort());
    for (const plantId of plants) {
      const times = bodies.filter((b) => b.plantId === plantId).flatMap((b) => b.readings.map((r) => r.ts));
      expect(seen.find((t) => t.plantId === plantId)).toMatchObject({
        from: Math.min(...times),
        to: Math.max(...times) + 1,
      });
    }
  });

  it('overlaps the evaluations of different plants, at most four at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const handle = processorWith({
      afterBatch: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
    });
    const [event] = sqsEvents([bodies]);
    expect((await handle(event as NonNullable<typeof event>)).batchItemFailures).toEqual([]);
    expect(most).toBe(4);
    expect(inFlight).toBe(0);
  });

  it('evaluates as many plants at once as it is told (local mode judges all the plants of a big batch together)', async () => {
    let inFlight = 0;
    let most = 0;
    const handle = processorWith(
      {
        afterBatch: async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
        },
      },
      { alertConcurrency: 16 },
    );
    const [event] = sqsEvents([bodies]);
    expect((await handle(event as NonNullable<typeof event>)).batchItemFailures).toEqual([]);
    expect(most).toBe(plants.length);
  });

  it('fails only the messages of a plant whose evaluation failed, and still evaluates the others', async () => {
    const failing = plants[2] as string;
    const evaluated: string[] = [];
    const handle = processorWith({
      afterBatch: async (touched) => {
        await new Promise((resolve) => setImmediate(resolve));
        for (const t of touched) {
          if (t.plantId === failing) throw new Error('alert store unavailable');
          evaluated.push(t.plantId);
        }
      },
    });
    const [event] = sqsEvents([bodies]);
    const records = (event as NonNullable<typeof event>).Records;
    const { batchItemFailures } = await handle({ Records: records });
    const expected = records.filter((_, i) => bodies[i]?.plantId === failing).map((r) => r.messageId);
    expect(expected.length).toBeGreaterThan(0);
    expect(batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(expected.sort());
    expect(evaluated.sort()).toEqual(plants.filter((p) => p !== failing).sort());
  });
});
