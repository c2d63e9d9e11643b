/**
 * Missing data is not zero (web/src/gaps.ts): a KPI bucket with nothing
 * summed is "no data"; a day not over, or with hours without data, is
 * partial; a line breaks across missing time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bucket, breakGaps, dayMarks, hasData } from '../../web/src/gaps.ts';

const HOUR = 3_600_000;
const DAY0 = Date.parse('2026-12-01T19:00:00Z'); // midnight in Asia/Almaty
const ZERO = {
  received_t: 0,
  landfilled_t: 0,
  recycled_t: 0,
  fed_t: 0,
  electricity_generated_mwh: 0,
  electricity_exported_mwh: 0,
  heat_exported_mwh: 0,
};
const bucket = (
  start: number,
  length: number,
  values: Partial<typeof ZERO> = {},
  complete = true,
): Bucket => ({
  ...ZERO,
  ...values,
  start: new Date(start).toISOString(),
  end: new Date(start + length).toISOString(),
  complete,
});
const hours = (day: number, withData: (hour: number) => boolean) =>
  Array.from({ length: 24 }, (_, h) =>
    bucket(DAY0 + day * 24 * HOUR + h * HOUR, HOUR, withData(h) ? { fed_t: 20 } : {}),
  );

describe('hasData', () => {
  it('is false only when every summed quantity is zero', () => {
    expect(hasData(ZERO)).toBe(false);
    for (const key of Object.keys(ZERO) as Array<keyof typeof ZERO>) {
      expect(hasData({ ...ZERO, [key]: 0.001 }), key).toBe(true);
    }
  });
});

describe('dayMarks', () => {
  it('marks a day with received_t 0 and no counter step as no data, not 0 t', () => {
    const days = [
      bucket(DAY0, 24 * HOUR, { received_t: 900, fed_t: 800 }),
      bucket(DAY0 + 24 * HOUR, 24 * HOUR),
    ];
    expect(dayMarks(days).map((m) => m.state)).toEqual(['full', 'none']);
  });

  it('marks a day not over as partial, so far', () => {
    const today = bucket(DAY0, 24 * HOUR, { received_t: 300 }, false);
    expect(dayMarks([today])).toEqual([
      { start: DAY0, end: DAY0 + 24 * HOUR, state: 'partial', reason: 'so far' },
    ]);
  });

  it('marks a complete day with hours without data as partial, counting them', () => {
    const days = [
      bucket(DAY0, 24 * HOUR, { fed_t: 480 }),
      bucket(DAY0 + 24 * HOUR, 24 * HOUR, { fed_t: 300 }),
    ];
    const hourly = [...hours(0, () => true), ...hours(1, (h) => h >= 12)];
    expect(dayMarks(days, hourly).map((m) => [m.state, m.reason])).toEqual([
      ['full', undefined],
      ['partial', '12 of 24 h with data'],
    ]);
  });

  it('without hours, judges a complete day with data as full', () => {
    expect(dayMarks([bucket(DAY0, 24 * HOUR, { fed_t: 1 })])[0]?.state).toBe('full');
  });
});

describe('breakGaps', () => {
  it('breaks the line once across a missing stretch, and not at a sampling slower than the buckets', () => {
    // 20-minute sampling in 15-minute buckets: every fourth bucket is empty, which is not a gap.
    const x = [0, 15, 30, 60, 75, 90, 120, 135, 150, /* six hours missing */ 510, 525, 540];
    const { x: out, series, gaps } = breakGaps(x, [x.map((t) => t * 2)], 15);
    expect(gaps).toBe(1);
    expect(out).toHaveLength(x.length + 1);
    expect(series[0]?.[9]).toBeNull();
    expect(out[9]).toBe((150 + 510) / 2);
  });

  it('keeps every point and adds only nulls (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 60 }), (raw) => {
        const x = [...raw].sort((a, b) => a - b);
        const { x: out, series, gaps } = breakGaps(x, [x], 10);
        expect(out.length).toBe(x.length + gaps);
        expect(series[0]?.filter((v) => v !== null)).toEqual(x);
        for (let i = 1; i < out.length; i++) expect(out[i]).toBeGreaterThan(out[i - 1] as number);
      }),
    );
  });
});
