import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactSum, exactSum } from '../../lambdas/domain/exact-sum.ts';

/**
 * The reference: every term is an integer multiple of 2^-60 below 2^50, so
 * their exact sum is a BigInt of 2^-60 units; Number(bigint) rounds to nearest,
 * ties to even (ECMA-262), and scaling by a power of two is exact.
 */
const SCALE = 2n ** 60n;
function reference(terms: readonly number[]): number {
  let units = 0n;
  for (const term of terms) {
    const scaled = term * 2 ** 60;
    if (!Number.isInteger(scaled)) throw new Error(`test term ${term} is not a multiple of 2^-60`);
    units += BigInt(scaled);
  }
  return Number(units) / Number(SCALE);
}

/** Doubles in [2^-7, 2^50), zero, and their negatives: multiples of 2^-60 by construction. */
const term = fc.oneof(
  fc.double({ min: 2 ** -7, max: 2 ** 50, noNaN: true, noDefaultInfinity: true }),
  fc.constant(0),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 1024),
  fc.double({ min: 2 ** -7, max: 2 ** 50, noNaN: true, noDefaultInfinity: true }).map((x) => -x),
);

describe('ExactSum', () => {
  it('is the correctly rounded sum (checked against exact BigInt arithmetic)', () => {
    fc.assert(
      fc.property(fc.array(term, { maxLength: 60 }), (terms) => {
        expect(exactSum(terms)).toBe(reference(terms));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same double for any order and any grouping into stored partials', () => {
    fc.assert(
      fc.property(
        fc.array(term, { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        (terms, shuffleKeys, groups) => {
          const order = terms
            .map((t, i) => ({ t, k: shuffleKeys[i] ?? i }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.t);
          const grouped = new ExactSum();
          for (let g = 0; g < groups; g++) {
            const part = new ExactSum().addAll(order.filter((_, i) => i % groups === g));
            // stored and read back, as the rollup does (JSON round-trips doubles exactly)
            grouped.addAll(JSON.parse(JSON.stringify(part.partials())) as number[]);
          }
          expect(grouped.value()).toBe(exactSum(terms));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('differs from left-to-right addition where rounding bites, and is right', () => {
    const terms = [0.1, 0.2, 0.3];
    expect(terms.reduce((a, b) => a + b, 0)).toBe(0.6000000000000001);
    expect(exactSum(terms)).toBe(0.6);
    expect(exactSum([1e16, 1, 1])).toBe(1e16 + 2);
    expect([1e16, 1, 1].reduce((a, b) => a + b, 0)).toBe(1e16);
    // halfway between 1 and the next double: ties to even, unless a smaller partial tips it
    expect(exactSum([1, 2 ** -53])).toBe(1);
    expect(exactSum([2 ** -58, 1, 2 ** -53])).toBe(1 + 2 ** -52);
    expect(reference([2 ** -58, 1, 2 ** -53])).toBe(1 + 2 ** -52);
    expect(exactSum([])).toBe(0);
    expect(new ExactSum().partials()).toEqual([]);
  });

  it('keeps few partials and no zeros', () => {
    const sum = new ExactSum().addAll([1e16, 1, -1e16, 0, 0.5]);
    expect(sum.value()).toBe(1.5);
    expect(sum.partials().every((p) => p !== 0)).toBe(true);
    expect(sum.partials().length).toBeLessThanOrEqual(2);
  });

  it('propagates non-finite terms and overflow like plain addition', () => {
    expect(exactSum([1, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
    expect(exactSum([1, Number.NaN])).toBeNaN();
    expect(exactSum([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Number.POSITIVE_INFINITY);
    expect(new ExactSum().addAll([Number.MAX_VALUE, Number.MAX_VALUE]).partials()).toEqual([
      Number.POSITIVE_INFINITY,
    ]);
  });
});
