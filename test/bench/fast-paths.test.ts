/**
 * The fast paths taken for benchmark findings (docs/performance.md) give
 * exactly what the reference formulas give.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { doubleText } from '../../lambdas/adapters/timestream/records.ts';
import { canonicalUnitOf, METRIC_NAMES, METRICS } from '../../lambdas/domain/catalog.ts';
import { parseTelemetry, wellFormedReading } from '../../lambdas/domain/parse-telemetry.ts';
import { ProblemType } from '../../lambdas/domain/problem.ts';
import { readingSchema } from '../../lambdas/domain/telemetry-schemas.ts';
import { fromCanonical, toCanonical, type Unit, unitsOf } from '../../lambdas/domain/units.ts';

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

/** Readings of every metric in every unit, values inside, on and far outside the physical bounds. */
const boundedReading = fc
  .record({
    metric: fc.constantFrom(...METRIC_NAMES),
    unitIndex: fc.option(fc.nat(), { nil: undefined }),
    canonical: fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: -1e4, max: 1e4, noNaN: true }),
      fc.constantFrom(1e308, -1e308, -0, -5000, 250, 2000.5, -273.16, 1e9 + 1, -1),
    ),
  })
  .map(({ metric, unitIndex, canonical }) => {
    const units = unitsOf(METRICS[metric].quantity);
    const unit = unitIndex === undefined ? undefined : (units[unitIndex % units.length] as Unit);
    const value = fromCanonical(canonical, unit ?? canonicalUnitOf(metric));
    return { ts: 1_795_514_390_000, line: 'boiler-1', metric, value, ...(unit ? { unit } : {}) };
  });

describe('physical bounds hold on the fast path as after zod', () => {
  it('refuses out-of-bounds values of readings the fast path takes, by pointer, and keeps the rest', () => {
    fc.assert(
      fc.property(boundedReading, (raw) => {
        fc.pre(Number.isFinite(raw.value));
        // Both paths take the reading as well formed: bounds are judged after either one.
        expect(wellFormedReading(raw)).toEqual(readingSchema.parse(raw));
        const { min, max } = METRICS[raw.metric].bounds;
        const canonical = toCanonical(
          raw.value,
          (raw.unit as Unit | undefined) ?? canonicalUnitOf(raw.metric),
        );
        const near = (limit: number) => Math.abs(canonical - limit) <= 1e-10 * Math.max(1, Math.abs(limit));
        fc.pre(!near(min) && !near(max));
        const result = parseTelemetry(
          { schema: 'wte.telemetry.v1', messageId: 'fast:1', readings: [raw] },
          { now: 1_795_514_400_000, plantId: 'kz-ast-01' },
        );
        if (canonical >= min && canonical <= max) {
          expect(result.ok).toBe(true);
          if (result.ok) expect(result.message.readings[0]?.value).toBe(canonical + 0);
        } else {
          expect(result.ok).toBe(false);
          if (!result.ok) {
            expect(result.problem.type).toBe(ProblemType.noValidItems);
            expect(result.problem.errors).toEqual([
              { pointer: '/readings/0/value', detail: expect.stringMatching(/physical (minimum|maximum)/) },
            ]);
          }
        }
      }),
      { numRuns: 20_000 },
    );
  });
});
