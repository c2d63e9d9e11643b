import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CounterPoint, counterIncrease, counterSteps } from '../../lambdas/domain/counters.ts';

const good = (ts: number, value: number): CounterPoint => ({ ts, value, quality: 'GOOD' });

describe('counterSteps', () => {
  it.each([
    { name: 'a steadily rising totalizer', values: [10, 12, 15], expected: 5 },
    { name: 'a reset counts from zero', values: [100, 110, 5, 15], expected: 10 + 5 + 10 },
    { name: 'a reset to exactly zero', values: [100, 0, 7], expected: 7 },
    { name: 'a flat totalizer', values: [42, 42, 42], expected: 0 },
    { name: 'a single reading has no step', values: [42], expected: 0 },
  ])('sums positive steps: $name', ({ values, expected }) => {
    const points = values.map((v, i) => good(i * 60_000, v));
    expect(counterIncrease(points, 0, Number.MAX_SAFE_INTEGER)).toBe(expected);
  });

  it('skips BAD and UNCERTAIN readings instead of treating them as resets', () => {
    const points: CounterPoint[] = [
      good(0, 100),
      { ts: 1, value: 3, quality: 'BAD' },
      { ts: 2, value: 1e9, quality: 'UNCERTAIN' },
      good(3, 110),
    ];
    expect(counterSteps(points)).toEqual([{ ts: 3, increase: 10 }]);
  });

  it('attributes each step to the time of its later reading', () => {
    expect(counterSteps([good(5_000, 3), good(1_000, 1), good(9_000, 8)])).toEqual([
      { ts: 5_000, increase: 2 },
      { ts: 9_000, increase: 5 },
    ]);
  });

  it('keeps one reading per instant, the last given', () => {
    expect(counterSteps([good(0, 1), good(10, 5), good(10, 4)])).toEqual([{ ts: 10, increase: 3 }]);
  });

  it('counts only steps inside the half-open interval [from, to)', () => {
    const points = [good(0, 0), good(10, 1), good(20, 3), good(30, 6)];
    expect(counterIncrease(points, 10, 30)).toBe(3);
  });
});

const series = fc
  .uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 40 })
  .chain((times) =>
    fc.tuple(
      fc.constant(times),
      fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), {
        minLength: times.length,
        maxLength: times.length,
      }),
    ),
  )
  .map(([times, values]) => times.map((ts, i) => good(ts, values[i] ?? 0)));

describe('counter properties', () => {
  it('are order-independent: any permutation of the readings gives the same steps', () => {
    fc.assert(
      fc.property(
        series.chain((points) =>
          fc.tuple(fc.constant(points), fc.shuffledSubarray(points, { minLength: points.length })),
        ),
        ([points, shuffled]) => {
          expect(counterSteps(shuffled)).toEqual(counterSteps(points));
        },
      ),
      { numRuns: 2_000, seed: 20261124 },
    );
  });

  it('never report a negative increase, and a series with no drop increases by last minus first', () => {
    fc.assert(
      fc.property(series, (points) => {
        const steps = counterSteps(points);
        for (const step of steps) expect(step.increase).toBeGreaterThanOrEqual(0);
        const ordered = [...points].sort((a, b) => a.ts - b.ts);
        const monotone = ordered.every((p, i) => i === 0 || p.value >= (ordered[i - 1]?.value ?? 0));
        if (monotone && ordered.length > 0) {
          const total = steps.reduce((sum, s) => sum + s.increase, 0);
          const expected = (ordered.at(-1)?.value ?? 0) - (ordered[0]?.value ?? 0);
          expect(Math.abs(total - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, expected));
        }
      }),
      { numRuns: 2_000, seed: 7 },
    );
  });

  it('split additively: the increase over [a, c) is the increase over [a, b) plus [b, c)', () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 0, max: 1_000_000 }), (points, split) => {
        const whole = counterIncrease(points, 0, 1_000_001);
        const parts = counterIncrease(points, 0, split) + counterIncrease(points, split, 1_000_001);
        expect(Math.abs(whole - parts)).toBeLessThanOrEqual(1e-6 * Math.max(1, whole));
      }),
      { numRuns: 2_000, seed: 11 },
    );
  });
});
