/**
 * The invocation's deadline travels with each read of the alert rules and
 * with the relay (issue #21): one alert-step handler and one engine, built
 * once as at a cold start, serve two invocations in flight at once, and each
 * read carries the deadline of the invocation that made it.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { BatchAlertEngine } from '../../lambdas/app/batch-alert-engine.ts';
import type { CallOptions } from '../../lambdas/domain/deadline.ts';
import type { MetricsReader } from '../../lambdas/domain/metrics-ports.ts';
import { encodeAlertStep } from '../../lambdas/domain/touched-plants.ts';
import { makeAlertStepHandler } from '../../lambdas/handlers/alert-step.ts';
import { FixedClock } from '../support/memory-ports.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z'); // 17:00 in Almaty: the touched day is live
const HOUR = 3_600_000;

const stepRecords = (plantId: string): SQSRecord[] =>
  encodeAlertStep({
    now: NOW,
    touched: { plantId, from: NOW - 2 * HOUR, to: NOW - HOUR, furnaceLines: ['boiler-1'] },
  }).map((body, i) => ({ messageId: `${plantId}-${i}`, body }) as SQSRecord);
const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

describe('alert step deadlines', () => {
  it('gives every read and the relay of each of two invocations in flight at once its own deadline', async () => {
    const seen: Array<{ plantId: string; read: string; deadline: number | undefined }> = [];
    let aReading!: () => void;
    const aInFlight = new Promise<void>((resolve) => {
      aReading = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const record = async (plantId: string, read: string, options: CallOptions | undefined) => {
      seen.push({ plantId, read, deadline: options?.deadline });
      // Plant A's reads wait until B's invocation is done: both invocations are in flight at once.
      if (plantId === 'plant-a') {
        aReading();
        await released;
      }
      return [];
    };
    const metrics: Pick<MetricsReader, 'readReadings' | 'readLastBefore' | 'readMovements'> = {
      readReadings: (query, options) => record(query.plantId, 'readings', options),
      readLastBefore: (plantId, _metric, _before, options) => record(plantId, 'lastBefore', options),
      readMovements: (plantId, _from, _to, options) => record(plantId, 'movements', options),
    };
    const clock = new FixedClock(NOW);
    const relayed: Array<number | undefined> = [];
    const handle = makeAlertStepHandler({
      engine: new BatchAlertEngine({
        metrics,
        alerts: { getCurrent: async () => undefined, applyTransition: async () => true },
        plants: { getPlant: async () => undefined, listPlants: async () => [] },
        days: { recordArrival: async () => {}, owe: async () => {} },
        clock,
      }),
      relay: async (options) => {
        relayed.push(options?.deadline);
        return { published: 0, stoppedBy: 'done' };
      },
      clock,
    });

    const a = handle({ Records: stepRecords('plant-a') }, lambdaContext(600_000));
    await aInFlight;
    const b = await handle({ Records: stepRecords('plant-b') }, lambdaContext(30_000));
    release();
    expect((await a).batchItemFailures).toEqual([]);
    expect(b.batchItemFailures).toEqual([]);

    const deadlinesOf = (plantId: string) =>
      new Set(seen.filter((s) => s.plantId === plantId).map((s) => s.deadline));
    // Both rules read (diversion's tickets, combustion's furnace readings), each with its invocation's deadline.
    expect(new Set(seen.map((s) => s.read))).toEqual(new Set(['movements', 'readings']));
    expect(deadlinesOf('plant-a')).toEqual(new Set([NOW + 600_000]));
    expect(deadlinesOf('plant-b')).toEqual(new Set([NOW + 30_000]));
    expect(relayed).toEqual([NOW + 30_000, NOW + 600_000]);
  });
});
