/**
 * Which KPI points answer the ratios of truck tonnages: days do, hours carry
 * them as null and keep every other field (docs/kpis.md).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answersMovementRatios,
  computeKpisForBuckets,
  type KpiPoint,
  MOVEMENT_RATIOS,
  withRatiosFor,
} from '../../lambdas/domain/kpis.ts';

const amount = fc.double({ min: 0, max: 1e6, noNaN: true });
const ratio = fc.option(fc.double({ min: -10, max: 10, noNaN: true }), { nil: null });
const point: fc.Arbitrary<KpiPoint> = fc.record({
  start: fc.integer({ min: 0, max: 2e12 }),
  end: fc.integer({ min: 0, max: 2e12 }),
  complete: fc.boolean(),
  received_t: amount,
  landfilled_t: amount,
  recycled_t: amount,
  fed_t: amount,
  electricity_generated_mwh: amount,
  electricity_exported_mwh: amount,
  heat_exported_mwh: amount,
  diversion_rate: ratio,
  recycling_rate: ratio,
  net_mwh_per_t: ratio,
  mass_balance_gap: ratio,
});

describe('withRatiosFor', () => {
  it('answers days unchanged', () => {
    fc.assert(
      fc.property(point, (p) => {
        expect(withRatiosFor('1d', p)).toBe(p);
      }),
    );
  });

  it('answers hours with the three movement ratios null and every other field as computed', () => {
    fc.assert(
      fc.property(point, (p) => {
        const hourly = withRatiosFor('1h', p);
        expect(hourly).toEqual({ ...p, diversion_rate: null, recycling_rate: null, mass_balance_gap: null });
        expect(hourly.net_mwh_per_t).toBe(p.net_mwh_per_t);
      }),
    );
  });

  it('names the ratios it leaves out of hours', () => {
    expect(MOVEMENT_RATIOS).toEqual(['diversion_rate', 'recycling_rate', 'mass_balance_gap']);
    expect([answersMovementRatios('1h'), answersMovementRatios('1d')]).toEqual([false, true]);
  });
});

describe('computeKpisForBuckets (the alert rules judge a day so far with it)', () => {
  it('answers the ratios for any window, however short: the interval rule lives in the query layer', () => {
    const start = Date.parse('2026-11-24T00:00:00+05:00');
    const end = start + 90 * 60_000;
    const [p] = computeKpisForBuckets(
      [{ start, end }],
      end,
      [],
      [
        { ts: start + 60_000, direction: 'in', netTonnes: 20, material: 'mixed_waste' },
        { ts: start + 120_000, direction: 'out', netTonnes: 5, material: 'rejects', destination: 'landfill' },
      ],
    );
    expect(p?.diversion_rate).toBe(0.75);
    expect(p?.recycling_rate).toBe(0);
    expect(p?.mass_balance_gap).toBe(0.75);
  });
});
