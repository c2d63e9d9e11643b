/**
 * The operator page's y scale (web/src/scale.ts): one value far from the
 * rest is clipped to the axis edge and counted, instead of flattening the
 * chart; real excursions of a signal stay on the axis.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { axisRange, clip, offScaleNote, robustScale } from '../../web/src/scale.ts';

const furnaceDay = Array.from({ length: 144 }, (_, i) => 900 + 30 * Math.sin(i / 7));

describe('robustScale', () => {
  it('keeps the axis on the normal values when one value is absurdly large', () => {
    const scale = robustScale([...furnaceDay, 1e12]);
    expect(scale).toMatchObject({ below: 0, above: 1, highest: 1e12 });
    expect(scale?.lo).toBeCloseTo(Math.min(...furnaceDay), 9);
    expect(scale?.hi).toBeCloseTo(Math.max(...furnaceDay), 9);
  });

  it('keeps the axis on the normal values when one daily energy figure is a counter jump', () => {
    const scale = robustScale([0.52, 0.49, null, 0.51, 2_000_000, 0.5]);
    expect(scale).toMatchObject({ lo: 0.49, hi: 0.52, above: 1, highest: 2_000_000 });
  });

  it('keeps every physically possible furnace temperature on the axis: drops, shutdowns, the 2,000 degC maximum', () => {
    const values = [...furnaceDay, 600, 300, 20, -40, 1999];
    expect(robustScale(values)).toMatchObject({ lo: -40, hi: 1999, below: 0, above: 0 });
  });

  it('sizes a mostly-zero series by its nearest non-zero value', () => {
    const scale = robustScale([0, 0, 0, 0, 0, 50, 1e9]);
    expect(scale).toMatchObject({ lo: 0, hi: 50, above: 1, highest: 1e9 });
  });

  it('clips both ways and says so in the caption', () => {
    const scale = robustScale([...furnaceDay, 1e9, -1e9, 5e9]);
    if (!scale) throw new Error('no scale');
    expect(scale).toMatchObject({ below: 1, above: 2, lowest: -1e9, highest: 5e9 });
    expect(clip(5e9, scale)).toBe(scale.hi);
    expect(clip(-1e9, scale)).toBe(scale.lo);
    expect(clip(null, scale)).toBeNull();
    expect(offScaleNote(scale, String)).toBe(
      '3 values off the scale (up to 5000000000, down to -1000000000), drawn on its edge',
    );
  });

  it('has nothing to scale without finite values, and clips nothing of a constant series', () => {
    expect(robustScale([null, Number.NaN, Number.POSITIVE_INFINITY])).toBeUndefined();
    expect(robustScale([7, 7, 7])).toEqual({ lo: 7, hi: 7, below: 0, above: 0 });
  });

  it('clips at most the values beyond ten spreads, and never half the data or more', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (values) => {
          const scale = robustScale(values);
          if (!scale) throw new Error('no scale');
          expect(scale.lo).toBeLessThanOrEqual(scale.hi);
          expect(scale.below + scale.above).toBeLessThan(Math.max(1, values.length / 2));
          for (const v of values) {
            const drawn = clip(v, scale) as number;
            expect(drawn).toBeGreaterThanOrEqual(scale.lo);
            expect(drawn).toBeLessThanOrEqual(scale.hi);
          }
        },
      ),
    );
  });
});

describe('axisRange', () => {
  it('keeps net MWh/t at least 0.1 wide: a 1 % change does not fill the chart', () => {
    const [lo, hi] = axisRange(0.546, 0.552, { minSpan: 0.1 });
    expect(hi - lo).toBeCloseTo(0.1, 9);
    expect(lo).toBeLessThan(0.546);
    expect(hi).toBeGreaterThan(0.552);
    // Drawn on that axis, the 1 % change spans about 6 % of the height, not all of it.
    expect((0.552 - 0.546) / (hi - lo)).toBeLessThan(0.07);
  });

  it('starts zero-based quantities at zero, and never goes below zero for data that is not', () => {
    expect(axisRange(900, 1500, { zeroBased: true })[0]).toBe(0);
    expect(axisRange(0.01, 0.02, { minSpan: 0.1 })).toEqual([0, 0.1]);
    expect(axisRange(-5, 5)[0]).toBeLessThan(-5);
  });

  it('holds the threshold, and widens no further than the data needs beyond the minimum span', () => {
    const [lo, hi] = axisRange(940, 990, { threshold: 850, minSpan: 100 });
    expect(lo).toBeLessThan(850);
    expect(hi).toBeGreaterThan(990);
    expect(axisRange(null, null, { minSpan: 0.1 })).toEqual([0, 0.1]);
  });

  it('spans the minimum to within the spacing of doubles at the data (-855297.54, span 0.0372)', () => {
    // Found by the property below: at 8.6e5 doubles are 1.2e-10 apart, 3e-9 of this span.
    const [lo, hi] = axisRange(-855297.5432476505, -855297.5432476505 + 0.0003135836718413666, {
      minSpan: 0.037165292624842076,
    });
    expect(hi - lo).toBeGreaterThanOrEqual(0.037165292624842076 - 4 * Number.EPSILON * 855297.6);
  });

  it('always holds the data and is at least the minimum span (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e3, noNaN: true }),
        (min, width, minSpan) => {
          const [lo, hi] = axisRange(min, min + width, { minSpan });
          expect(lo).toBeLessThanOrEqual(min);
          expect(hi).toBeGreaterThanOrEqual(min + width);
          // Up to a few doubles' spacing at the data's magnitude (the ends are rounded there), and
          // subnormal spans (below 1e-300) are below any rounding.
          const spacing = Math.max(4 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi)), 1e-300);
          expect(hi - lo).toBeGreaterThanOrEqual(minSpan * (1 - 1e-9) - spacing);
        },
      ),
    );
  });
});
