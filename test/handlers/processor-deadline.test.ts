/**
 * The invocation's deadline travels with each write (issue #21): one
 * processor and one writer, built once as at a cold start, serve two
 * invocations in flight at once, and each write is held to the deadline of
 * the invocation that made it.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { readingsOfRow } from '../../lambdas/adapters/timestream/records.ts';
import { TimestreamMetricsWriter } from '../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { seededRandom, TimestreamFake } from '../adapters/timestream/timestream-fake.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { fleetQueueBodies } from '../support/fleet-queue.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const START = Date.parse('2026-11-24T00:00:00Z');
const NOW = START + 3_600_000;

let dynalite: RunningDynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite.close();
});

const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });
const records = (bodies: readonly string[], prefix: string): SQSRecord[] =>
  bodies.map((body, i) => ({ messageId: `${prefix}-${i}`, body }) as SQSRecord);

describe('processor deadlines', () => {
  it('holds each of two invocations in flight at once to its own deadline', async () => {
    const clock = new FixedClock(NOW);
    let firstCallWaiting!: () => void;
    const waiting = new Promise<void>((resolve) => {
      firstCallWaiting = resolve;
    });
    let releaseFirstCall!: () => void;
    const released = new Promise<void>((resolve) => {
      releaseFirstCall = resolve;
    });
    let held = false;
    const fake = new TimestreamFake({
      clock,
      // The first WriteRecords call waits until the test lets it go, so the other invocation runs meanwhile.
      latency: async () => {
        if (held) return;
        held = true;
        firstCallWaiting();
        await released;
      },
    });
    await createStateTable(dynalite.client, 'deadline-state');
    const writer = new TimestreamMetricsWriter({
      client: fake.client,
      databaseName: fake.databaseName,
      readingsTableName: 'readings',
      movementsTableName: 'movements',
      clock,
      sleep: async () => {},
      random: seededRandom(5),
      deadlineMarginMs: 2_000,
    });
    const process = makeProcessorHandler({
      metrics: writer,
      state: new DynamoStateStore({ client: dynalite.client, tableName: 'deadline-state' }),
      rejections: new MemoryRejections(),
      deadlineMarginMs: 0,
      clock,
    });
    const bodies = fleetQueueBodies({
      plants: 2,
      start: START,
      durationMs: 1_800_000,
      intervalMs: 300_000,
      seed: 3,
    });
    const half = Math.floor(bodies.length / 2);

    // A has ten minutes left; while its first write is in flight, B arrives with 1.5 s, inside the writer's margin.
    const a = process({ Records: records(bodies.slice(0, half), 'a') }, lambdaContext(600_000));
    await waiting;
    const b = await process({ Records: records(bodies.slice(half), 'b') }, lambdaContext(1_500));
    releaseFirstCall();

    expect(b.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      records(bodies.slice(half), 'b').map((r) => r.messageId),
    );
    expect((await a).batchItemFailures).toEqual([]);
    // Only A's readings reached Timestream (16 a message), and B's write sent nothing.
    const stored = fake.records('readings').flatMap((row) => readingsOfRow(row)).length;
    expect(stored).toBe(half * 16);
  });
});
