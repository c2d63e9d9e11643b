/**
 * The fast paths taken for benchmark findings (docs/performance.md) give
 * exactly what the reference formulas give.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { doubleText } from '../../lambdas/adapters/timestream/records.ts';

const reference = (value: number): string => String(Number(value.toPrecision(12)));

describe('doubleText fast path', () => {
  it('equals rounding to 12 significant digits for any double', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        expect(doubleText(value)).toBe(reference(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('equals it for the short decimals sensors send', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: 0, max: 9 }),
        (units, decimals) => {
          const value = units / 10 ** decimals;
          expect(doubleText(value)).toBe(reference(value));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('keeps the edge cases', () => {
    for (const value of [
      0,
      -0,
      1e21,
      1e-7,
      123456789012,
      1234567890123,
      0.1 + 0.2,
      -1.5,
      9.99999999999949,
      999999999999.5,
    ])
      expect(doubleText(value)).toBe(reference(value));
  });
});
