/**
 * `evaluateCombustionAt` (the series built once for all of a batch's
 * instants) gives exactly what `evaluateCombustion` gives at each instant:
 * any readings (several lines, duplicates, corrections, BAD quality, gaps,
 * values around the limit) and any instants, future-dated readings included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateCombustion, evaluateCombustionAt } from '../../../lambdas/domain/alerts/combustion-rule.ts';
import type { RuleReading } from '../../../lambdas/domain/alerts/good-series.ts';
import { MINUTE_MS } from '../../../lambdas/domain/time.ts';
import { FURNACE_T0, PLANT, RULES } from './fixtures.ts';

const reading: fc.Arbitrary<RuleReading> = fc.record({
  line: fc.constantFrom('boiler-1', 'boiler-2'),
  metric: fc.constantFrom('furnace_temperature', 'steam_flow'),
  ts: fc.integer({ min: 0, max: 60 }).map((m) => FURNACE_T0 + m * MINUTE_MS),
  value: fc.constantFrom(700, 849.9, 850, 851, 900),
  quality: fc.constantFrom('GOOD', 'GOOD', 'GOOD', 'BAD', 'UNCERTAIN'),
  correction: fc.boolean(),
});

describe('evaluateCombustionAt', () => {
  it('equals evaluateCombustion at each instant', () => {
    fc.assert(
      fc.property(
        fc.array(reading, { maxLength: 60 }),
        fc.uniqueArray(fc.integer({ min: -5, max: 70 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 10 }),
        (readings, minutes, gapMinutes) => {
          const instants = minutes.map((m) => FURNACE_T0 + m * MINUTE_MS).sort((a, b) => a - b);
          const gap = gapMinutes * MINUTE_MS;
          const once = evaluateCombustionAt(PLANT, 'boiler-1', readings, instants, RULES, gap);
          const each = instants.flatMap((now) =>
            evaluateCombustion(PLANT, 'boiler-1', readings, now, RULES, gap),
          );
          expect(once).toEqual(each);
        },
      ),
      { numRuns: 500 },
    );
  });
});
