/**
 * The backlog bound's estimate of how long the queued messages take to
 * process (lambdas/local/drain-rate.ts), alone and as the queue reports it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DrainRate } from '../../lambdas/local/drain-rate.ts';
import { DurableQueue } from '../../lambdas/local/durable-queue.ts';

const MIB = 1024 * 1024;
const limits = { batchMaxBytes: 2 * MIB, batchSize: 500, consumers: 2 };

describe('DrainRate', () => {
  it('estimates nothing before two full batches were timed', () => {
    const rate = new DrainRate(limits);
    expect(rate.drainMs(1_000, 8 * MIB)).toBeUndefined();
    rate.finished(180, 2 * MIB, 2 * MIB, 1_000);
    expect(rate.drainMs(1_000, 8 * MIB)).toBeUndefined();
    rate.finished(180, 2 * MIB, 2 * MIB, 1_000);
    // 2 MiB a second per batch, two batches at once: 8 MiB take about 2 s.
    expect(rate.drainMs(1_000, 8 * MIB)).toBeCloseTo(2_000, 6);
  });

  it('times only full batches: small ones cost mostly their fixed part', () => {
    const rate = new DrainRate(limits);
    for (let i = 0; i < 50; i++) rate.finished(3, 30_000, 30_000, 150); // 0.2 MB/s: overhead, not speed
    expect(rate.drainMs(1_000, 8 * MIB)).toBeUndefined();
    rate.finished(500, MIB - 1, MIB - 1, 500); // full by count: one batch
    rate.finished(100, MIB, MIB, 500); // full by bytes (half the limit): timed, as one batch
    // 1,000 ms for 2 batches; 8 MiB are 4 batches, two at a time.
    expect(rate.drainMs(1_000, 8 * MIB)).toBeCloseTo((4 * (1_000 / 2)) / 2, 6);
  });

  it('leaves at most a full batch to the age bound', () => {
    const rate = new DrainRate(limits);
    rate.finished(180, 2 * MIB, 2 * MIB, 1_000);
    rate.finished(180, 2 * MIB, 2 * MIB, 1_000);
    expect(rate.drainMs(499, 2 * MIB)).toBeUndefined();
    expect(rate.drainMs(501, 100_000)).toBeDefined();
    expect(rate.drainMs(10, 2 * MIB + 1)).toBeDefined();
  });

  it('slows with failing batches, and is unbounded when full batches process nothing', () => {
    const rate = new DrainRate(limits);
    rate.finished(180, 2 * MIB, 2 * MIB, 1_000);
    rate.finished(180, 2 * MIB, 2 * MIB, 1_000);
    const before = rate.drainMs(1_000, 8 * MIB) as number;
    rate.finished(180, 2 * MIB, 0, 1_000);
    expect(rate.drainMs(1_000, 8 * MIB)).toBeGreaterThan(before);
    const stuck = new DrainRate(limits);
    stuck.finished(180, 2 * MIB, 0, 1_000);
    stuck.finished(180, 2 * MIB, 0, 1_000);
    expect(stuck.drainMs(1_000, 8 * MIB)).toBe(Number.POSITIVE_INFINITY);
  });

  it('grows with the backlog and follows the recent rate, whatever the batches', () => {
    const batch = fc.record({
      messages: fc.integer({ min: 1, max: 500 }),
      bytes: fc.integer({ min: 1, max: 2 * MIB }),
      failedShare: fc.double({ min: 0, max: 1, noNaN: true }),
      durationMs: fc.integer({ min: 0, max: 5_000 }),
    });
    fc.assert(
      fc.property(fc.array(batch, { maxLength: 40 }), fc.nat(20 * MIB), fc.nat(20 * MIB), (batches, a, b) => {
        const rate = new DrainRate(limits);
        for (const x of batches)
          rate.finished(x.messages, x.bytes, Math.floor(x.bytes * (1 - x.failedShare)), x.durationMs);
        const [small, large] = a <= b ? [a, b] : [b, a];
        const lo = rate.drainMs(1_000, small);
        const hi = rate.drainMs(1_000, large);
        if (lo !== undefined) expect(lo).toBeGreaterThanOrEqual(0);
        if (lo !== undefined && hi !== undefined) expect(hi).toBeGreaterThanOrEqual(lo);
      }),
    );
  });
});

describe('DurableQueue backlog with its consumers running', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reports how long the queued messages would take once full batches were timed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wte-drain-'));
    dirs.push(dir);
    const queue = await DurableQueue.open({ dir, batchingWindowMs: 0, batchSize: 10, batchMaxBytes: 1_000 });
    let release: () => void = () => {};
    let batches = 0;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.startConsumer(async () => {
      batches++;
      // The first two batches take a measurable time; the rest wait, so a backlog builds.
      if (batches <= 2) await new Promise((resolve) => setTimeout(resolve, 50));
      else await gate;
      return undefined;
    });
    const body = 'x'.repeat(99);
    await queue.send(Array.from({ length: 20 }, () => body)); // two full batches of 10
    await queue.drained(5_000);
    expect(batches).toBe(2);
    expect(queue.backlog().drainMs).toBeUndefined(); // nothing queued
    await queue.send(Array.from({ length: 40 }, () => body));
    while (batches < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const { drainMs, bytes } = queue.backlog();
    // About 990 bytes per 50 ms or more, one consumer: 40 messages queued take a few hundred ms.
    expect(bytes).toBe(40 * 99);
    expect(drainMs).toBeGreaterThan(0);
    expect(Number.isFinite(drainMs)).toBe(true);
    release();
    await queue.drained(5_000);
    await queue.close();
  });
});
