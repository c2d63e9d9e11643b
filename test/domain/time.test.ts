import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketEnd,
  bucketStart,
  isTimeZone,
  localDate,
  parseRfc3339,
  parseTimestamp,
  zoneOffsetMs,
} from '../../lambdas/domain/time.ts';

describe('parseTimestamp', () => {
  it.each([
    ['2026-11-24T10:00:00Z', Date.UTC(2026, 10, 24, 10)],
    ['2026-11-24T15:00:00+05:00', Date.UTC(2026, 10, 24, 10)],
    ['2026-11-24T05:30:00-04:30', Date.UTC(2026, 10, 24, 10)],
    ['2026-11-24t10:00:00z', Date.UTC(2026, 10, 24, 10)],
    ['2026-11-24T10:00:00.5Z', Date.UTC(2026, 10, 24, 10, 0, 0, 500)],
    ['2026-11-24T10:00:00.123456789Z', Date.UTC(2026, 10, 24, 10, 0, 0, 123)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    [1795514390000, 1795514390000],
  ])('reads %s', (input, expected) => {
    expect(parseTimestamp(input)).toEqual({ ok: true, epochMs: expected });
  });

  it.each([
    '2026-11-24T10:00:00', // no offset: ambiguous local time
    '2026-11-24 10:00:00Z',
    '2026-11-24',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-11-24T24:00:00Z',
    '2026-11-24T10:00:60Z',
    '2026-11-24T10:00:00+24:00',
    'yesterday',
    '',
    1795514390000.5,
    -1,
    9e15,
    Number.NaN,
    null,
    true,
    {},
  ])('refuses %j with a reason', (input) => {
    const result = parseTimestamp(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(5);
  });

  it('round-trips every instant written as ISO 8601 UTC', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(parseRfc3339(new Date(ms).toISOString())).toEqual({ ok: true, epochMs: ms });
      }),
      { numRuns: 5_000, seed: 3 },
    );
  });
});

describe('plant-local calendar', () => {
  it('knows Asia/Almaty is UTC+5 (since March 2024)', () => {
    expect(zoneOffsetMs(Date.UTC(2026, 10, 24), 'Asia/Almaty')).toBe(5 * 3_600_000);
    expect(localDate(Date.UTC(2026, 10, 24, 19), 'Asia/Almaty')).toBe('2026-11-25');
    expect(localDate(Date.UTC(2026, 10, 24, 18, 59, 59), 'Asia/Almaty')).toBe('2026-11-24');
  });

  it('starts hour buckets at local hours in a half-hour zone', () => {
    const t = Date.parse('2026-11-24T10:47:12.345+05:30');
    expect(new Date(bucketStart(t, '1h', 'Asia/Kolkata')).toISOString()).toBe('2026-11-24T04:30:00.000Z');
    expect(new Date(bucketStart(t, '1d', 'Asia/Kolkata')).toISOString()).toBe('2026-11-23T18:30:00.000Z');
  });

  it('puts every instant inside its own bucket, in any zone', () => {
    const zones = [
      'Asia/Almaty',
      'Asia/Kolkata',
      'Europe/Berlin',
      'America/St_Johns',
      'UTC',
      'Pacific/Chatham',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }),
        fc.constantFrom(...zones),
        fc.constantFrom('1h' as const, '1d' as const),
        (ts, zone, interval) => {
          const start = bucketStart(ts, interval, zone);
          const end = bucketEnd(start, interval, zone);
          expect(start).toBeLessThanOrEqual(ts);
          expect(end).toBeGreaterThan(ts);
          expect(bucketStart(end, interval, zone)).toBe(end);
          if (interval === '1d') expect(localDate(start, zone)).toBe(localDate(ts, zone));
        },
      ),
      { numRuns: 3_000, seed: 5 },
    );
  });

  it('recognizes IANA zone names', () => {
    expect(isTimeZone('Asia/Almaty')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
