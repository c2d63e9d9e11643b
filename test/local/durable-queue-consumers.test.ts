/**
 * The local queue's consumers as local mode runs them: several batches in
 * flight at once (the event source's maximum concurrency), each message in
 * exactly one of them while it is invisible, every consumer woken by a send,
 * and batches bounded in bytes as Lambda bounds an SQS event.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DLQ_FILE, DurableQueue, type DurableQueueProps } from '../../lambdas/local/durable-queue.ts';

const open: DurableQueue[] = [];
afterEach(async () => {
  for (const queue of open.splice(0)) await queue.close();
});

async function queueIn(props: Partial<DurableQueueProps> = {}): Promise<DurableQueue> {
  const dir = mkdtempSync(join(tmpdir(), 'wte-queue-consumers-'));
  const queue = await DurableQueue.open({ dir, visibilityTimeoutMs: 10_000, batchingWindowMs: 5, ...props });
  open.push(queue);
  return queue;
}

async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('DurableQueue consumers', () => {
  it('holds several batches at once, each message in one of them', async () => {
    const queue = await queueIn({ batchSize: 3 });
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.startConsumer(
      async (event) => {
        inFlight++;
        most = Math.max(most, inFlight);
        seen.push(...event.Records.map((r) => r.body));
        await gate;
        inFlight--;
        return { batchItemFailures: [] };
      },
      () => {},
      3,
    );
    await queue.send(Array.from({ length: 9 }, (_, i) => `m${i}`));
    await until(() => seen.length >= 9);
    expect(most).toBe(3);
    release();
    await until(() => queue.stats().visible + queue.stats().inFlight === 0);
    expect(seen.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `m${i}`).sort());
    expect(queue.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  it('wakes every idle consumer when messages arrive', async () => {
    const queue = await queueIn({ batchSize: 1 });
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.startConsumer(
      async () => {
        started.push(Date.now());
        await gate;
        return { batchItemFailures: [] };
      },
      () => {},
      2,
    );
    // Both consumers are asleep on an empty queue; one send of two messages must start both batches.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await queue.send(['a', 'b']);
    await until(() => started.length >= 2, 900);
    expect(started).toHaveLength(2);
    release();
  });

  it('stops a batch before it passes batchMaxBytes, but always takes one message', async () => {
    const queue = await queueIn({ batchSize: 100, batchMaxBytes: 25 });
    const sizes: number[] = [];
    queue.startConsumer(async (event) => {
      sizes.push(event.Records.length);
      return { batchItemFailures: [] };
    });
    await queue.send(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(10), 'x'.repeat(40), 'x'.repeat(10)]);
    await until(() => sizes.reduce((a, b) => a + b, 0) >= 5);
    expect(sizes).toEqual([2, 1, 1, 1]);
  });

  it('dead-letters a message once, however many consumers see it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wte-queue-consumers-'));
    const queue = await DurableQueue.open({
      dir,
      visibilityTimeoutMs: 1,
      batchingWindowMs: 5,
      maxReceiveCount: 1,
    });
    open.push(queue);
    queue.startConsumer(
      async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }),
      () => {},
      2,
    );
    await queue.send(['poison']);
    await until(() => queue.stats().deadLettered > 0 && queue.stats().visible + queue.stats().inFlight === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(queue.stats().deadLettered).toBe(1);
    const lines = readFileSync(join(dir, DLQ_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
  });

  it('on close takes no new batch and journals the deletes of the batches in flight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wte-queue-consumers-'));
    const queue = await DurableQueue.open({ dir, batchSize: 500, batchingWindowMs: 100 });
    const batches: string[][] = [];
    queue.startConsumer(
      async (event) => {
        batches.push(event.Records.map((r) => r.body));
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { batchItemFailures: [] };
      },
      () => {},
      2,
    );
    await queue.send(['a']);
    await until(() => batches.length === 1);
    await queue.send(['b']); // the other consumer is inside its batching window when close comes
    await new Promise((resolve) => setTimeout(resolve, 20));
    await queue.close();
    expect(batches).toEqual([['a']]);
    const reopened = await DurableQueue.open({ dir });
    open.push(reopened);
    // a was processed and its delete journaled; b was never taken and is still there.
    expect(reopened.backlog().messages).toBe(1);
  });

  it('keeps a batch that outlives its visibility timeout from the other consumers', async () => {
    const queue = await queueIn({ batchSize: 10, visibilityTimeoutMs: 40 });
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.startConsumer(
      async (event) => {
        seen.push(...event.Records.map((r) => r.body));
        await gate;
        return { batchItemFailures: [] };
      },
      () => {},
      2,
    );
    await queue.send(['slow-1', 'slow-2']);
    await until(() => seen.length >= 2);
    // Ten visibility timeouts pass while the batch runs: nobody else is given its messages.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(seen).toEqual(['slow-1', 'slow-2']);
    expect(queue.stats()).toMatchObject({ visible: 0, inFlight: 2 });
    release();
    await until(() => queue.stats().inFlight === 0);
    expect(queue.stats()).toEqual({ visible: 0, inFlight: 0, deadLettered: 0 });
    expect(seen).toEqual(['slow-1', 'slow-2']);
  });

  it('settles by receipt: a batch past maxBatchMs cannot delete a message received again since', async () => {
    const queue = await queueIn({
      batchSize: 10,
      visibilityTimeoutMs: 30,
      maxBatchMs: 60,
      maxReceiveCount: 1000,
    });
    const receipts: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.startConsumer(
      async (event) => {
        const [record] = event.Records;
        if (!record) return { batchItemFailures: [] };
        receipts.push(record.receiptHandle);
        // The first receiver hangs past maxBatchMs and then succeeds; the second fails the message.
        if (receipts.length === 1) {
          await gate;
          return { batchItemFailures: [] };
        }
        return { batchItemFailures: [{ itemIdentifier: record.messageId }] };
      },
      () => {},
      2,
    );
    await queue.send(['contested']);
    await until(() => receipts.length >= 2);
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The stale success did not delete it: the latest receiver's failure stands, so it comes back.
    expect(receipts[0]).not.toBe(receipts[1]);
    expect(queue.stats().visible + queue.stats().inFlight).toBe(1);
  });
});
