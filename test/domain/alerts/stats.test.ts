import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ewma,
  MAD_SCALE,
  mean,
  median,
  medianAbsoluteDeviation,
  populationStd,
} from '../../../lambdas/domain/alerts/stats.ts';

describe('robust statistics', () => {
  it.each([
    { values: [], median: Number.NaN, mad: Number.NaN },
    { values: [5], median: 5, mad: 0 },
    { values: [3, 1, 2], median: 2, mad: 1 },
    { values: [4, 1, 3, 2], median: 2.5, mad: 1 },
    { values: [20, 20, 20, 20, 900], median: 20, mad: 0 },
    { values: [1, 2, 3, 4, 100], median: 3, mad: 1 },
  ])('median and MAD of $values', ({ values, median: m, mad }) => {
    expect(median(values)).toBe(m);
    expect(medianAbsoluteDeviation(values)).toBe(mad);
  });

  it('scales MAD to estimate σ of normal data (1.4826 ≈ 1 / Φ⁻¹(3/4))', () => {
    // For a normal distribution the MAD is σ × Φ⁻¹(0.75) = 0.6744897…σ.
    expect(MAD_SCALE * 0.6744897501960817).toBeCloseTo(1, 4);
  });

  it('gives exactly zero spread for a flat series of large values', () => {
    expect(populationStd(Array(1000).fill(850.1))).toBe(0);
    expect(populationStd([0.1, 0.1, 0.1])).toBe(0);
  });

  it.each([
    { values: [2, 4, 4, 4, 5, 5, 7, 9], mean: 5, std: 2 },
    { values: [1], mean: 1, std: 0 },
  ])('mean and population std of $values', ({ values, mean: m, std }) => {
    expect(mean(values)).toBe(m);
    expect(populationStd(values)).toBe(std);
  });

  it('does not depend on the order of the values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (values) => {
          const reversed = [...values].reverse();
          expect(median(reversed)).toBe(median(values));
          expect(medianAbsoluteDeviation(reversed)).toBe(medianAbsoluteDeviation(values));
        },
      ),
      { numRuns: 1_000, seed: 14826 },
    );
  });
});

describe('ewma', () => {
  it('computes the exponentially weighted mean and variance (worked example, λ = 0.3)', () => {
    // mean: 0.5 → 0.53 → 0.521 → 0.5447; variance: 0 → 0.0021 → 0.001659 → 0.00247191
    const state = ewma([0.5, 0.6, 0.5, 0.6], 0.3);
    expect(state?.mean).toBeCloseTo(0.5447, 12);
    expect(state?.variance).toBeCloseTo(0.00247191, 12);
    expect(state?.count).toBe(4);
  });

  it('weights a step by (1 − λ)^n after n values', () => {
    expect(ewma([...Array(10).fill(0.7), ...Array(5).fill(0.5)], 0.3)?.mean).toBeCloseTo(
      0.5 + 0.2 * 0.7 ** 5,
      12,
    );
  });

  it('clips an outlier to sigmas × σ (σ floored to a fraction of the mean)', () => {
    const clipped = ewma([100, 100, 0], 0.5, { sigmas: 3, sigmaFloorFraction: 0.01 });
    // σ = max(0, 1) = 1, so 0 enters as 97: mean 98.5, variance 0.5 × (0 + 3 × 1.5)
    expect(clipped).toEqual({ mean: 98.5, variance: 2.25, count: 3 });
    expect(ewma([100, 100, 0], 0.5)?.mean).toBe(50);
  });

  it('has nothing to say about no values', () => {
    expect(ewma([], 0.3)).toBeUndefined();
  });
});
