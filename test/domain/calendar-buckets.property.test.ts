/**
 * Plant-local calendar months and years (KPI intervals 1mo and 1y): each
 * holds its instant, starts where the day of its 1st starts (also in zones
 * whose DST changes at midnight), follows the previous one without a gap,
 * and is tiled exactly by its plant-local days, so a month's KPIs can be the
 * sums of its days'. kpisFromDays sums every field exactly and derives the
 * ratios from the sums.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactSum } from '../../lambdas/domain/exact-sum.ts';
import {
  emptyTotals,
  type KpiTotals,
  kpiBuckets,
  kpisFromDays,
  kpiValues,
} from '../../lambdas/domain/kpis.ts';
import { bucketEnd, bucketStart, localParts } from '../../lambdas/domain/time.ts';

/** Fixed offsets, half hours, southern DST, and zones whose DST moved at midnight. */
const ZONES = [
  'Asia/Almaty',
  'Asia/Kolkata',
  'Europe/Berlin',
  'America/Sao_Paulo',
  'America/Havana',
  'Asia/Beirut',
  'America/Santiago',
  'Pacific/Chatham',
  'UTC',
];
const instant = fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2099, 0, 1) });
const zone = fc.constantFrom(...ZONES);

describe('plant-local days where midnight does not exist', () => {
  // Found by the month property below (seed 1894167852): Havana sprang from 00:00 to 01:00 on
  // 2001-04-01, and the day was taken to begin at 23:00 of March 31.
  it('begins April 1, 2001 in Havana when the clocks jump, 01:00 local, so March ends there', () => {
    const aprilFirstNoon = Date.UTC(2001, 3, 1, 16);
    const dayStart = bucketStart(aprilFirstNoon, '1d', 'America/Havana');
    expect(new Date(dayStart).toISOString()).toBe('2001-04-01T05:00:00.000Z');
    expect(localParts(dayStart, 'America/Havana')).toMatchObject({ month: 4, day: 1, hour: 1, minute: 0 });
    const march = bucketStart(Date.UTC(2001, 2, 15), '1mo', 'America/Havana');
    expect(bucketEnd(march, '1mo', 'America/Havana')).toBe(dayStart);
    // March 31 ends there too, so no day straddles the two months.
    const march31 = bucketStart(Date.UTC(2001, 2, 31, 17), '1d', 'America/Havana');
    expect(bucketEnd(march31, '1d', 'America/Havana')).toBe(dayStart);
    const days = kpiBuckets('1d', 'America/Havana', march, bucketEnd(dayStart, '1mo', 'America/Havana'));
    expect(days.some((d) => d.start === dayStart)).toBe(true);
  });

  it('starts every day on its own date, at its first instant', () => {
    fc.assert(
      fc.property(instant, zone, (t, timeZone) => {
        const start = bucketStart(t, '1d', timeZone);
        const [day, first] = [localParts(t, timeZone), localParts(start, timeZone)];
        expect([first.year, first.month, first.day]).toEqual([day.year, day.month, day.day]);
        expect(start).toBeLessThanOrEqual(t);
        // The instant before belongs to the day before.
        expect(localParts(start - 1, timeZone).day).not.toBe(first.day);
        // The day ends where the next begins: days tile months and years.
        const end = bucketEnd(start, '1d', timeZone);
        expect(end).toBeGreaterThan(t);
        expect(bucketStart(end, '1d', timeZone)).toBe(end);
        expect(bucketStart(end - 1, '1d', timeZone)).toBe(start);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('calendar months and years', () => {
  it.each(['1mo', '1y'] as const)(
    '%s holds its instant, starts on the 1st and is tiled by its days',
    (interval) => {
      fc.assert(
        fc.property(instant, zone, (t, timeZone) => {
          const start = bucketStart(t, interval, timeZone);
          const end = bucketEnd(start, interval, timeZone);
          expect(start).toBeLessThanOrEqual(t);
          expect(end).toBeGreaterThan(t);
          const first = localParts(start, timeZone);
          expect(first.day).toBe(1);
          if (interval === '1y') expect(first.month).toBe(1);
          const t0 = localParts(t, timeZone);
          expect(first.year).toBe(t0.year);
          if (interval === '1mo') expect(first.month).toBe(t0.month);
          // The bucket begins where the day of its 1st begins, and the next begins where it ends.
          expect(bucketStart(start, '1d', timeZone)).toBe(start);
          expect(bucketStart(end, interval, timeZone)).toBe(end);
          expect(bucketStart(end - 1, interval, timeZone)).toBe(start);
          const days = kpiBuckets('1d', timeZone, start, end);
          expect(days[0]?.start).toBe(start);
          expect(days.at(-1)?.end).toBe(end);
          expect(days.length).toBeGreaterThanOrEqual(interval === '1mo' ? 28 : 365);
          expect(days.length).toBeLessThanOrEqual(interval === '1mo' ? 31 : 366);
        }),
        { numRuns: 300 },
      );
    },
  );

  it('gives a year twelve months, in order, without gaps', () => {
    const months = kpiBuckets(
      '1mo',
      'Asia/Almaty',
      Date.parse('2026-01-01T00:00:00+05:00'),
      Date.parse('2027-01-01T00:00:00+05:00'),
    );
    expect(months).toHaveLength(12);
    expect(months[0]?.start).toBe(Date.parse('2026-01-01T00:00:00+05:00'));
    for (let i = 1; i < months.length; i++) expect(months[i]?.start).toBe(months[i - 1]?.end);
    expect(new Date(months[1]?.end ?? 0).toISOString()).toBe('2026-02-28T19:00:00.000Z');
  });
});

describe('kpisFromDays', () => {
  const tonnes = fc.double({ min: 0, max: 5_000, noNaN: true });
  const dayTotals = fc.record({
    received_t: tonnes,
    landfilled_t: tonnes,
    recycled_t: tonnes,
    unburnt_out_t: tonnes,
    fed_t: tonnes,
    electricity_generated_mwh: tonnes,
    electricity_exported_mwh: tonnes,
    heat_exported_mwh: tonnes,
  });

  it("answers each field as the exactly rounded sum of its days' and the ratios from those sums", () => {
    const zoneName = 'Asia/Almaty';
    const month = kpiBuckets(
      '1mo',
      zoneName,
      Date.parse('2026-11-10T00:00:00Z'),
      Date.parse('2026-11-10T00:00:01Z'),
    );
    const days = kpiBuckets('1d', zoneName, month[0]?.start ?? 0, month[0]?.end ?? 0);
    fc.assert(
      fc.property(fc.array(dayTotals, { minLength: days.length, maxLength: days.length }), (totals) => {
        const withTotals = days.map((day, i) => ({ ...day, totals: totals[i] as KpiTotals }));
        const now = (month[0]?.end ?? 0) + 1;
        const [point] = kpisFromDays(month, withTotals, now);
        const sums = emptyTotals();
        for (const field of Object.keys(sums) as Array<keyof KpiTotals>)
          sums[field] = exactSum(totals.map((t) => t[field]));
        expect(point).toEqual({
          start: month[0]?.start,
          end: month[0]?.end,
          ...kpiValues(sums),
          complete: true,
        });
      }),
      { numRuns: 100 },
    );
  });

  it('answers zeros and null ratios for a month without data, incomplete until it ends', () => {
    const month = kpiBuckets('1mo', 'UTC', Date.UTC(2026, 0, 5), Date.UTC(2026, 0, 6));
    const [point] = kpisFromDays(month, [], Date.UTC(2026, 0, 20));
    expect(point).toMatchObject({
      received_t: 0,
      fed_t: 0,
      diversion_rate: null,
      recycling_rate: null,
      complete: false,
    });
  });
});
