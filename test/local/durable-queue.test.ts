/**
 * The local queue keeps SQS semantics on disk: batches, visibility timeout,
 * redelivery of reported failures, the DLQ after max receives, and nothing
 * sent is lost across a reopen (including a torn journal tail).
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_BATCH_SIZE,
  DLQ_FILE,
  DurableQueue,
  type DurableQueueProps,
  JOURNAL_FILE,
} from '../../lambdas/local/durable-queue.ts';

const open: DurableQueue[] = [];

async function queueIn(dir: string, props: Partial<DurableQueueProps> = {}): Promise<DurableQueue> {
  const queue = await DurableQueue.open({ dir, visibilityTimeoutMs: 60, batchingWindowMs: 5, ...props });
  open.push(queue);
  return queue;
}

const freshDir = () => mkdtempSync(join(tmpdir(), 'wte-queue-'));

afterEach(async () => {
  for (const queue of open.splice(0)) await queue.close();
});

/** Runs the consumer until `until()` or the timeout; returns every delivered batch. */
async function consume(
  queue: DurableQueue,
  handler: (event: SQSEvent) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>,
  until: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  queue.startConsumer(handler);
  const deadline = Date.now() + timeoutMs;
  while (!until() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('DurableQueue', () => {
  it('delivers in batches of at most batchSize and deletes what succeeded', async () => {
    const queue = await queueIn(freshDir(), { batchSize: 4 });
    await queue.send(Array.from({ length: 10 }, (_, i) => `m${i}`));
    const sizes: number[] = [];
    const seen: string[] = [];
    await consume(
      queue,
      async (event) => {
        sizes.push(event.Records.length);
        seen.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
      () => seen.length >= 10,
    );
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
    expect(await queue.drained(1_000)).toBe(true);
  });

  it('delivers batches of up to DEFAULT_BATCH_SIZE (25, as deployed) unless told otherwise', async () => {
    const queue = await queueIn(freshDir());
    await queue.send(Array.from({ length: 60 }, (_, i) => `m${i}`));
    const sizes: number[] = [];
    await consume(
      queue,
      async (event) => {
        sizes.push(event.Records.length);
        return { batchItemFailures: [] };
      },
      () => sizes.reduce((a, b) => a + b, 0) >= 60,
    );
    expect(DEFAULT_BATCH_SIZE).toBe(25);
    expect(sizes[0]).toBe(DEFAULT_BATCH_SIZE);
    expect(Math.max(...sizes)).toBe(DEFAULT_BATCH_SIZE);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(60);
  });

  it('redelivers reported failures after the visibility timeout with a higher receive count', async () => {
    const queue = await queueIn(freshDir());
    await queue.send(['ok', 'flaky']);
    const receives: Array<[string, string]> = [];
    await consume(
      queue,
      async (event) => {
        for (const r of event.Records) receives.push([r.body, r.attributes.ApproximateReceiveCount]);
        const failures = event.Records.filter(
          (r) => r.body === 'flaky' && r.attributes.ApproximateReceiveCount === '1',
        );
        return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      () => receives.length >= 3,
    );
    expect(receives).toEqual(
      expect.arrayContaining([
        ['ok', '1'],
        ['flaky', '1'],
        ['flaky', '2'],
      ]),
    );
    expect(receives.filter(([body]) => body === 'ok')).toHaveLength(1);
    expect(await queue.drained(1_000)).toBe(true);
  });

  it('returns the whole batch when the handler throws', async () => {
    const queue = await queueIn(freshDir());
    await queue.send(['a', 'b']);
    let calls = 0;
    const bodies: string[] = [];
    await consume(
      queue,
      async (event) => {
        calls++;
        if (calls === 1) throw new Error('boom');
        bodies.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
      () => bodies.length >= 2,
    );
    expect(bodies.sort()).toEqual(['a', 'b']);
  });

  it('moves a message to the DLQ after maxReceiveCount failed receives', async () => {
    const dir = freshDir();
    const queue = await queueIn(dir, { maxReceiveCount: 3 });
    await queue.send(['poison', 'fine']);
    let poisonReceives = 0;
    await consume(
      queue,
      async (event) => {
        const poison = event.Records.filter((r) => r.body === 'poison');
        poisonReceives += poison.length;
        return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      () => queue.stats().deadLettered === 1,
    );
    expect(poisonReceives).toBe(3);
    expect(queue.stats()).toMatchObject({ deadLettered: 1, visible: 0, inFlight: 0 });
    const dead = readFileSync(join(dir, DLQ_FILE), 'utf8').trim().split('\n');
    expect(dead.map((l) => JSON.parse(l) as { body: string; receiveCount: number })).toMatchObject([
      { body: 'poison', receiveCount: 3 },
    ]);
  });

  it('loses nothing sent when reopened without a clean close, even after a torn last line', async () => {
    const dir = freshDir();
    const first = await DurableQueue.open({ dir });
    await first.send(['one', 'two', 'three']);
    // Simulate a crash mid-append: half a line at the end of the journal, and no close().
    appendFileSync(join(dir, JOURNAL_FILE), '{"op":"send","id":"torn","bo');
    const second = await queueIn(dir, { batchSize: 10 });
    const bodies: string[] = [];
    await consume(
      second,
      async (event) => {
        bodies.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
      () => bodies.length >= 3,
    );
    expect(bodies.sort()).toEqual(['one', 'three', 'two']);
    await first.close();
  });

  it('after any interleaving of sends, deliveries, failures and reopens, holds exactly the unacknowledged messages (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('send' as const), n: fc.integer({ min: 1, max: 5 }) }),
            fc.record({ op: fc.constant('receive' as const), failEvery: fc.integer({ min: 0, max: 3 }) }),
            fc.record({ op: fc.constant('reopen' as const) }),
          ),
          { maxLength: 25 },
        ),
        async (ops) => {
          const dir = freshDir();
          let queue = await DurableQueue.open({
            dir,
            visibilityTimeoutMs: 1,
            batchingWindowMs: 0,
            maxReceiveCount: 1_000,
          });
          const outstanding = new Set<string>();
          let sent = 0;
          try {
            for (const op of ops) {
              if (op.op === 'send') {
                const bodies = Array.from({ length: op.n }, () => `b${sent++}`);
                await queue.send(bodies);
                for (const b of bodies) outstanding.add(b);
              } else if (op.op === 'receive') {
                await new Promise((resolve) => setTimeout(resolve, 2));
                const records = await queue.receive(0);
                // Acknowledge some, fail the rest, by the same rule the consumer applies.
                const acked = records.filter((_, i) => op.failEvery === 0 || i % op.failEvery !== 0);
                for (const r of acked) outstanding.delete(r.body);
                queue.acknowledge(acked.map((r) => r.messageId));
              } else {
                await queue.close();
                queue = await DurableQueue.open({
                  dir,
                  visibilityTimeoutMs: 1,
                  batchingWindowMs: 0,
                  maxReceiveCount: 1_000,
                });
              }
            }
            await queue.close();
            queue = await DurableQueue.open({
              dir,
              visibilityTimeoutMs: 1,
              batchingWindowMs: 0,
              maxReceiveCount: 1_000,
            });
            const left: string[] = [];
            for (let i = 0; i < 50; i++) {
              const records = await queue.receive(0);
              if (records.length === 0) break;
              left.push(...records.map((r) => r.body));
              queue.acknowledge(records.map((r) => r.messageId));
            }
            expect(left.sort()).toEqual([...outstanding].sort());
          } finally {
            await queue.close();
          }
        },
      ),
      { numRuns: 30, seed: 611 },
    );
  });
});
