/**
 * The backlog bound (docs/backpressure.md): the pure decision, and the
 * queue's report of what was accepted and not yet processed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_SECONDS, overload } from '../../lambdas/local/backlog-bound.ts';
import { DurableQueue } from '../../lambdas/local/durable-queue.ts';

const BOUND = { maxAgeMs: 30_000, maxBytes: 1_000 };

describe('overload', () => {
  it.each([
    { oldestAgeMs: 0, bytes: 0, messages: 0 },
    { oldestAgeMs: 30_000, bytes: 1_000, messages: 5 },
    { oldestAgeMs: 29_999, bytes: 999, messages: 5 },
  ])('leaves room at or under both bounds: %o', (backlog) => {
    expect(overload(backlog, BOUND)).toBeUndefined();
  });

  it('refuses by age, asking to retry after a fifth of the overshoot, at least 1 s', () => {
    expect(overload({ oldestAgeMs: 30_001, bytes: 0, messages: 1 }, BOUND)).toMatchObject({
      reason: 'age',
      retryAfterSeconds: 1,
    });
    const refusal = overload({ oldestAgeMs: 42_500, bytes: 10, messages: 3 }, BOUND);
    expect(refusal).toMatchObject({ reason: 'age', retryAfterSeconds: 3 });
    expect(refusal?.detail).toContain('behind');
    expect(refusal?.detail).toContain('42.5 s');
  });

  it('caps Retry-After, however far behind', () => {
    expect(overload({ oldestAgeMs: 3_600_000, bytes: 0, messages: 1 }, BOUND)?.retryAfterSeconds).toBe(
      MAX_RETRY_AFTER_SECONDS,
    );
  });

  it('refuses when the queued messages would take longer than the bound to process, however young', () => {
    const refusal = overload({ oldestAgeMs: 200, drainMs: 41_000, bytes: 500, messages: 40 }, BOUND);
    // Its own reason in the logs: the age alone is within the bound.
    expect(refusal).toMatchObject({ reason: 'drain', retryAfterSeconds: 3 });
    expect(refusal?.detail).toContain('would take about 41.0 s to process');
    // Within the bound by both measures: room.
    expect(overload({ oldestAgeMs: 200, drainMs: 29_000, bytes: 500, messages: 40 }, BOUND)).toBeUndefined();
    // The longer of the two measures is the one reported, with its reason.
    const byAge = overload({ oldestAgeMs: 45_000, drainMs: 31_000, bytes: 0, messages: 1 }, BOUND);
    expect(byAge).toMatchObject({ reason: 'age' });
    expect(byAge?.detail).toContain('has waited 45.0 s');
  });

  it('refuses for the longest Retry-After while the recent full batches processed nothing', () => {
    const refusal = overload(
      { oldestAgeMs: 100, drainMs: Number.POSITIVE_INFINITY, bytes: 500, messages: 40 },
      BOUND,
    );
    expect(refusal).toMatchObject({ reason: 'drain', retryAfterSeconds: MAX_RETRY_AFTER_SECONDS });
    expect(refusal?.detail).toContain('processed nothing');
  });

  it('refuses by bytes when young messages fill the budget', () => {
    const refusal = overload({ oldestAgeMs: 10, bytes: 1_001, messages: 2 }, BOUND);
    expect(refusal?.reason).toBe('bytes');
    expect(refusal?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refusal?.detail).toContain('behind');
  });
});

describe('DurableQueue.backlog', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function queueAt(clock: { now: () => number }) {
    const dir = mkdtempSync(join(tmpdir(), 'wte-backlog-'));
    dirs.push(dir);
    return DurableQueue.open({ dir, clock, batchingWindowMs: 0, batchSize: 1 });
  }

  it('reports the bytes queued and the age of the oldest message the processor has not taken', async () => {
    let now = 1_000_000;
    const queue = await queueAt({ now: () => now });
    expect(queue.backlog()).toEqual({ oldestAgeMs: 0, bytes: 0, messages: 0 });
    await queue.send(['aaaa']);
    now += 5_000;
    await queue.send(['bbbbbb']);
    now += 1_000;
    expect(queue.backlog()).toEqual({ oldestAgeMs: 6_000, bytes: 10, messages: 2 });

    // Taken: no longer waiting (its age no longer counts), but its bytes do until it is deleted.
    const [first] = await queue.receive(0);
    expect(first?.body).toBe('aaaa');
    expect(queue.backlog()).toEqual({ oldestAgeMs: 1_000, bytes: 10, messages: 2 });
    queue.acknowledge([first?.messageId ?? '']);
    expect(queue.backlog()).toEqual({ oldestAgeMs: 1_000, bytes: 6, messages: 1 });

    const [second] = await queue.receive(0);
    queue.acknowledge([second?.messageId ?? '']);
    expect(queue.backlog()).toEqual({ oldestAgeMs: 0, bytes: 0, messages: 0 });
    await queue.close();
  });

  it('counts what a restart recovered as waiting again, from its original send time', async () => {
    let now = 2_000_000;
    const dir = mkdtempSync(join(tmpdir(), 'wte-backlog-'));
    dirs.push(dir);
    const first = await DurableQueue.open({ dir, clock: { now: () => now } });
    await first.send(['ü']); // two bytes in UTF-8
    await first.close();
    now += 7_000;
    const second = await DurableQueue.open({ dir, clock: { now: () => now } });
    expect(second.backlog()).toEqual({ oldestAgeMs: 7_000, bytes: 2, messages: 1 });
    await second.close();
  });
});
