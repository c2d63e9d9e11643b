/**
 * `evaluateDiversionCheckpoints` (the day so far summed once, in one pass)
 * gives exactly what judging the day so far afresh at each ticket instant
 * gives, the way it was computed before: any movements (both directions,
 * every destination, fractional tonnes whose sums round, several tickets at
 * one instant, some before the day or after the judged span), in time order
 * as the stores read them, or in any order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateDiversion,
  evaluateDiversionCheckpoints,
} from '../../../lambdas/domain/alerts/diversion-rule.ts';
import { computeKpisForBuckets, type KpiMovement } from '../../../lambdas/domain/kpis.ts';
import { DESTINATIONS, MATERIALS } from '../../../lambdas/domain/telemetry.ts';
import { MINUTE_MS } from '../../../lambdas/domain/time.ts';
import { dayStart, PLANT, RULES, TZ } from './fixtures.ts';

const DAY = { start: dayStart(3), end: dayStart(4) };

const movement: fc.Arbitrary<KpiMovement> = fc.record({
  ts: fc.integer({ min: -30, max: 24 * 60 + 30 }).map((m) => DAY.start + m * MINUTE_MS),
  direction: fc.constantFrom('in', 'in', 'out'),
  netTonnes: fc.constantFrom(0.1, 0.2, 0.3, 1, 12.34, 7.01, 25),
  material: fc.constantFrom(...MATERIALS),
  destination: fc.option(fc.constantFrom(...DESTINATIONS), { nil: undefined }),
});

/** The day so far judged afresh at each instant, as before the one-pass version. */
function eachInstant(movements: readonly KpiMovement[], from: number, upTo: number) {
  const first = Math.max(DAY.start, from);
  const last = Math.min(DAY.end - 1, upTo);
  const instants = [...new Set(movements.map((m) => m.ts).filter((ts) => ts >= first && ts <= last))].sort(
    (a, b) => a - b,
  );
  return instants.flatMap((instant) => {
    const [point] = computeKpisForBuckets(
      [{ start: DAY.start, end: instant + 1 }],
      instant + 1,
      [],
      movements,
    );
    return point ? [evaluateDiversion(PLANT, { ...point, complete: false }, RULES, TZ)] : [];
  });
}

describe('evaluateDiversionCheckpoints', () => {
  it('equals the day so far judged afresh at each instant, in time order or not', () => {
    fc.assert(
      fc.property(
        fc.array(movement, { maxLength: 80 }),
        fc.integer({ min: -60, max: 25 * 60 }),
        fc.integer({ min: 0, max: 25 * 60 }),
        fc.boolean(),
        (movements, fromMinute, spanMinutes, ordered) => {
          const given = ordered ? [...movements].sort((a, b) => a.ts - b.ts) : movements;
          const from = DAY.start + fromMinute * MINUTE_MS;
          const upTo = from + spanMinutes * MINUTE_MS;
          const once = evaluateDiversionCheckpoints(PLANT, DAY, given, { from, upTo }, RULES, TZ);
          expect(once).toEqual(eachInstant(given, from, upTo));
        },
      ),
      { numRuns: 500 },
    );
  });
});
