import { describe, expect, it } from 'vitest';
import { SERIES_INTERVAL_MS } from '../../lambdas/domain/series.ts';
import {
  addDays,
  dayStart,
  defaultRange,
  epochRange,
  isDate,
  MAX_RANGE_DAYS,
  MAX_SERIES_BUCKETS,
  normalizeRange,
  seriesIntervalFor,
} from '../../web/src/range.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ALMATY = 'Asia/Almaty';
/** 2026-11-24 09:30 in Almaty (UTC+5). */
const NOW = Date.parse('2026-11-24T09:30:00+05:00');

describe('the page date range', () => {
  it('defaults to the last seven plant-local days, today included', () => {
    expect(defaultRange(NOW, ALMATY)).toEqual({ fromDate: '2026-11-18', toDate: '2026-11-24' });
    // 23:30 UTC on the 23rd is already the 24th in Almaty.
    expect(defaultRange(Date.parse('2026-11-23T23:30:00Z'), ALMATY).toDate).toBe('2026-11-24');
  });

  it('turns days into plant-local midnights, the end exclusive', () => {
    expect(epochRange({ fromDate: '2026-11-22', toDate: '2026-11-24' }, ALMATY)).toEqual({
      from: Date.parse('2026-11-22T00:00:00+05:00'),
      to: Date.parse('2026-11-25T00:00:00+05:00'),
    });
  });

  it('keeps days whole across a daylight-saving change (a 23-hour day)', () => {
    const { from, to } = epochRange({ fromDate: '2026-03-29', toDate: '2026-03-29' }, 'Europe/Berlin');
    expect(from).toBe(Date.parse('2026-03-29T00:00:00+01:00'));
    expect(to - from).toBe(23 * HOUR);
    expect(dayStart('2026-03-30', 'Europe/Berlin')).toBe(Date.parse('2026-03-30T00:00:00+02:00'));
  });

  it.each([
    ['2026-11-24', true],
    ['2026-02-29', false],
    ['2028-02-29', true],
    ['2026-13-01', false],
    ['24.11.2026', false],
    ['', false],
  ])('knows whether %j is a date', (text, valid) => {
    expect(isDate(text)).toBe(valid);
  });

  it('adds calendar days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('repairs what the URL or the inputs give: bad dates default, a reversed range is swapped, a long one is cut', () => {
    expect(normalizeRange('garbage', '2026-11-20', NOW, ALMATY)).toEqual({
      fromDate: '2026-11-18',
      toDate: '2026-11-20',
    });
    expect(normalizeRange(null, undefined, NOW, ALMATY)).toEqual(defaultRange(NOW, ALMATY));
    expect(normalizeRange('2026-11-24', '2026-11-01', NOW, ALMATY)).toEqual({
      fromDate: '2026-11-01',
      toDate: '2026-11-24',
    });
    const long = normalizeRange('2020-01-01', '2026-11-24', NOW, ALMATY);
    expect(long).toEqual({ fromDate: addDays('2026-11-24', 1 - MAX_RANGE_DAYS), toDate: '2026-11-24' });
    const { from, to } = epochRange(long, ALMATY);
    expect(Math.round((to - from) / DAY)).toBe(MAX_RANGE_DAYS);
  });

  it.each([
    [1, '5m'],
    [5, '15m'],
    [7, '30m'],
    [20, '1h'],
    [31, '6h'],
    [366, '1d'],
  ])('charts %i days of a series at %s, the finest interval within the bucket budget', (days, interval) => {
    const range = { from: NOW, to: NOW + days * DAY };
    expect(seriesIntervalFor(range)).toBe(interval);
  });

  it('never asks for more buckets than the budget, however long the range', () => {
    for (let days = 1; days <= MAX_RANGE_DAYS; days++) {
      const interval = seriesIntervalFor({ from: NOW, to: NOW + days * DAY });
      const buckets = (days * DAY) / SERIES_INTERVAL_MS[interval];
      expect(buckets <= MAX_SERIES_BUCKETS || interval === '1d').toBe(true);
    }
  });
});
