/**
 * The drain estimate against the fresh-eyes review of session 11
 * (docs/backpressure.md, "Time to process"): batches full by message count
 * must not teach a bytes rate that is then applied to big bodies, and one
 * long batch must not drag the estimate near zero, while a pipeline whose
 * batches keep failing still refuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overload } from '../../lambdas/local/backlog-bound.ts';
import { DrainRate } from '../../lambdas/local/drain-rate.ts';

const MIB = 1024 * 1024;
/** Local mode's settings: 500 messages or 2 MiB a batch, two consumers, a 2 s bound. */
const limits = { batchMaxBytes: 2 * MIB, batchSize: 500, consumers: 2 };
const BOUND = { maxAgeMs: 2_000, maxBytes: 64 * MIB };
/** An MQTT fleet envelope (a few readings) and an HTTP body of 50 tickets and 50 readings. */
const ENVELOPE = 400;
const HEAVY = 11_800;

function learned(batches: number, messages: number, size: number, ms: number): DrainRate {
  const rate = new DrainRate(limits);
  for (let i = 0; i < batches; i++) rate.finished(messages, messages * size, messages * size, ms);
  return rate;
}

describe('the drain estimate counts batches, not bytes', () => {
  it('does not refuse about one batch of big bodies after batches full by message count', () => {
    // 500 envelopes (200 kB) a batch in 400 ms: a bytes rate would make 2.25 MiB take 2.4 s.
    const rate = learned(6, 500, ENVELOPE, 400);
    const messages = 200;
    const bytes = messages * HEAVY; // 2.25 MiB: 1.13 batches by bytes
    const drainMs = rate.drainMs(messages, bytes);
    expect(drainMs).toBeCloseTo(((bytes / (2 * MIB)) * 400) / 2, 0);
    expect(overload({ oldestAgeMs: 100, drainMs, bytes, messages }, BOUND)).toBeUndefined();
  });

  it('does not take small messages for little work after batches full by bytes', () => {
    // 178 heavy bodies (2 MiB) a batch in 600 ms; 1,500 envelopes are three batches by count, not 0.3.
    const rate = learned(6, 178, HEAVY, 600);
    const msPerBatch = 600 / ((178 * HEAVY) / (2 * MIB)); // the batch was a hair over 2 MiB
    expect(rate.drainMs(1_500, 1_500 * ENVELOPE)).toBeCloseTo((3 * msPerBatch) / 2, 6);
  });

  it('counts a batch cut short (1.1 MiB) as one batch, not half of one', () => {
    // Batches of 1.1 MiB at 600 ms: a batch costs mostly its fixed part, so 4 batches queued take 1.2 s.
    const rate = learned(8, 100, (1.1 * MIB) / 100, 600);
    const bytes = 8 * MIB;
    expect(rate.drainMs(400, bytes)).toBeCloseTo((4 * 600) / 2, 6);
    expect(
      overload({ oldestAgeMs: 100, drainMs: rate.drainMs(400, bytes), bytes, messages: 400 }, BOUND),
    ).toBeUndefined();
  });
});

/** A full batch: 500 messages, or at least half of 2 MiB; any duration, any share processed. */
const fullBatch = fc.record({
  messages: fc.integer({ min: 1, max: 500 }),
  bytes: fc.integer({ min: MIB, max: 4 * MIB }),
  byCount: fc.boolean(),
  share: fc.double({ min: 0, max: 1, noNaN: true }),
  durationMs: fc.integer({ min: 0, max: 60_000 }),
});
type FullBatch = typeof fullBatch extends fc.Arbitrary<infer T> ? T : never;

function feed(rate: DrainRate, b: FullBatch): void {
  const [messages, bytes] = b.byCount ? [500, Math.floor(b.bytes / 8)] : [b.messages, b.bytes];
  rate.finished(messages, bytes, Math.floor(bytes * b.share), b.durationMs);
}

describe('the drain estimate counts batches, not bytes (properties)', () => {
  it('estimates a batch of any message size at the time of the batches it learnt from', () => {
    const size = fc.integer({ min: 100, max: 64 * 1024 });
    fc.assert(
      fc.property(size, size, fc.integer({ min: 50, max: 5_000 }), (learnt, queued, ms) => {
        // Batches as the queue makes them: 500 messages, or as many as fit in 2 MiB.
        const perBatch = (s: number) => Math.min(500, Math.floor((2 * MIB) / s));
        const rate = learned(6, perBatch(learnt), learnt, ms);
        const messages = 2 * perBatch(queued);
        const drainMs = rate.drainMs(messages, messages * queued) as number;
        // Two batches, two consumers: one batch's time, within the slack of a batch's last message.
        expect(drainMs / ms).toBeGreaterThan(0.95);
        expect(drainMs / ms).toBeLessThan(1.05);
      }),
    );
  });
});

describe('one long batch moves the estimate by a bounded factor', () => {
  it('raises it by at most 1.75× per batch, whatever the history and the batch', () => {
    fc.assert(
      fc.property(fc.array(fullBatch, { minLength: 2, maxLength: 30 }), fullBatch, (history, next) => {
        const rate = new DrainRate(limits);
        for (const b of history) feed(rate, b);
        const before = rate.drainMs(1_000, 6 * MIB) as number;
        feed(rate, next);
        const after = rate.drainMs(1_000, 6 * MIB) as number;
        expect(after).toBeGreaterThan(0);
        if (Number.isFinite(before)) expect(after).toBeLessThanOrEqual(1.75 * before * (1 + 1e-9));
        // A batch that processed nothing never makes the pipeline look faster.
        if (next.share === 0) expect(after).toBeGreaterThanOrEqual(before * (1 - 1e-9));
      }),
    );
  });

  const queued = { messages: 400, bytes: 400 * HEAVY }; // 2.25 batches

  it('one failing 15 s batch at most doubles it, and a few good batches bring it back', () => {
    const rate = learned(6, 178, HEAVY, 400);
    const before = rate.drainMs(queued.messages, queued.bytes) as number;
    rate.finished(178, 178 * HEAVY, 0, 15_000);
    const after = rate.drainMs(queued.messages, queued.bytes) as number;
    expect(after).toBeGreaterThan(before); // no progress still counts
    expect(after).toBeLessThanOrEqual(2 * before);
    for (let i = 0; i < 3; i++) rate.finished(178, 178 * HEAVY, 178 * HEAVY, 400);
    expect(rate.drainMs(queued.messages, queued.bytes)).toBeLessThanOrEqual(1.25 * before);
  });

  it('one slow 15 s batch that succeeded at most doubles it', () => {
    const rate = learned(6, 178, HEAVY, 400);
    const before = rate.drainMs(queued.messages, queued.bytes) as number;
    rate.finished(178, 178 * HEAVY, 178 * HEAVY, 15_000);
    const after = rate.drainMs(queued.messages, queued.bytes) as number;
    expect(after).toBeGreaterThan(before);
    expect(after).toBeLessThanOrEqual(2 * before);
  });

  it('still refuses while full batches keep failing, however fast they fail', () => {
    const rate = learned(6, 178, HEAVY, 400);
    const admit = () =>
      overload({ oldestAgeMs: 100, drainMs: rate.drainMs(queued.messages, queued.bytes), ...queued }, BOUND);
    expect(admit()).toBeUndefined();
    // A store that refuses every write fails each batch within milliseconds.
    for (let i = 0; i < 8; i++) rate.finished(178, 178 * HEAVY, 0, 10);
    expect(admit()).toMatchObject({ reason: 'drain' });
  });
});
