/**
 * The fast paths taken for benchmark findings (docs/performance.md) give
 * exactly what the reference formulas give.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { doubleText } from '../../lambdas/adapters/timestream/records.ts';
import { wellFormedReading } from '../../lambdas/domain/parse-telemetry.ts';
import { readingSchema } from '../../lambdas/domain/telemetry.ts';

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

/** Values near every rule of readingSchema, and a few far from all of them. */
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    'GOOD',
    'UNCERTAIN',
    'BAD',
    'good',
    'degC',
    'boiler-1',
    'a b',
    '',
    'x'.repeat(16),
    'x'.repeat(17),
  ),
  fc.string({ maxLength: 70 }),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);

/** Mostly valid (so most cases sit next to a rule), sometimes anything, sometimes missing. */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anyValue });

const readingLike = fc.record(
  {
    ts: field(fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.string({ minLength: 60, maxLength: 66 }))),
    line: field(fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/), fc.string({ maxLength: 66 }))),
    metric: field(fc.constantFrom('furnace_temperature', 'x'.repeat(64), 'x'.repeat(65))),
    value: field(fc.double()),
    unit: field(fc.string({ maxLength: 18 })),
    quality: field(fc.constantFrom('GOOD', 'UNCERTAIN', 'BAD')),
    correction: field(fc.boolean()),
    extra: anyValue,
  },
  { requiredKeys: [] },
);

describe('wellFormedReading (the parser skips zod for well-formed readings)', () => {
  it('accepts only what readingSchema accepts, and returns what it returns', () => {
    fc.assert(
      fc.property(readingLike, (raw) => {
        const fast = wellFormedReading(raw);
        const zod = readingSchema.safeParse(raw);
        if (fast === undefined) return;
        expect(zod.success).toBe(true);
        const { unit, ...rest } = zod.data as Record<string, unknown>;
        expect(fast).toEqual(unit === undefined ? rest : { ...rest, unit });
      }),
      { numRuns: 50_000 },
    );
  });

  it('takes every reading a gateway normally sends', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            ts: fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.constant('2026-11-24T10:00:00+05:00')),
            line: fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
            metric: fc.constantFrom('furnace_temperature', 'waste_fed', 'nox'),
            value: fc.double({ noNaN: true, noDefaultInfinity: true }),
            unit: fc.constantFrom('degC', 't', 'mg/Nm3'),
            quality: fc.constantFrom('GOOD', 'UNCERTAIN', 'BAD'),
            correction: fc.boolean(),
          },
          { requiredKeys: ['ts', 'line', 'metric', 'value'] },
        ),
        (raw) => {
          expect(wellFormedReading(raw)).toEqual(readingSchema.parse(raw));
        },
      ),
    );
  });
});
