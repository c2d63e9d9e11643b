import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aggregateSeries,
  computeSeries,
  potentialBuckets,
  SERIES_AGGREGATIONS,
  SERIES_INTERVALS,
  type SeriesAggregation,
  type SeriesInterval,
  type SeriesReading,
  seriesBucketEnd,
  seriesBucketStart,
  seriesBuckets,
} from '../../lambdas/domain/series.ts';
import { localParts } from '../../lambdas/domain/time.ts';

const ALMATY = 'Asia/Almaty'; // UTC+5
const KOLKATA = 'Asia/Kolkata'; // UTC+5:30
const at = (iso: string): number => Date.parse(iso);

describe('series buckets', () => {
  it.each<[string, SeriesInterval, string, string, string]>([
    // Asia/Almaty, across the plant-local midnight of 2026-11-24 (19:00 UTC on the 23rd)
    [ALMATY, '1m', '2026-11-23T23:59:59.999+05:00', '2026-11-23T23:59:00+05:00', '2026-11-24T00:00:00+05:00'],
    [ALMATY, '5m', '2026-11-24T00:04:59.999+05:00', '2026-11-24T00:00:00+05:00', '2026-11-24T00:05:00+05:00'],
    [ALMATY, '15m', '2026-11-23T23:50:00+05:00', '2026-11-23T23:45:00+05:00', '2026-11-24T00:00:00+05:00'],
    [
      ALMATY,
      '30m',
      '2026-11-24T00:29:59.999+05:00',
      '2026-11-24T00:00:00+05:00',
      '2026-11-24T00:30:00+05:00',
    ],
    [ALMATY, '1h', '2026-11-23T23:30:00+05:00', '2026-11-23T23:00:00+05:00', '2026-11-24T00:00:00+05:00'],
    [ALMATY, '6h', '2026-11-23T19:00:00+05:00', '2026-11-23T18:00:00+05:00', '2026-11-24T00:00:00+05:00'],
    [ALMATY, '6h', '2026-11-24T05:59:59.999+05:00', '2026-11-24T00:00:00+05:00', '2026-11-24T06:00:00+05:00'],
    // still the 23rd in UTC, already the 24th in Almaty
    [ALMATY, '1d', '2026-11-23T23:59:00Z', '2026-11-24T00:00:00+05:00', '2026-11-25T00:00:00+05:00'],
    [ALMATY, '1d', '2026-11-24T00:00:00+05:00', '2026-11-24T00:00:00+05:00', '2026-11-25T00:00:00+05:00'],
    // Asia/Kolkata: a half-hour offset, so local boundaries sit on :30 UTC
    [KOLKATA, '15m', '2026-11-24T00:14:59+05:30', '2026-11-24T00:00:00+05:30', '2026-11-24T00:15:00+05:30'],
    [KOLKATA, '30m', '2026-11-24T00:10:00+05:30', '2026-11-24T00:00:00+05:30', '2026-11-24T00:30:00+05:30'],
    [KOLKATA, '1h', '2026-11-23T23:59:00+05:30', '2026-11-23T23:00:00+05:30', '2026-11-24T00:00:00+05:30'],
    [KOLKATA, '6h', '2026-11-24T11:00:00+05:30', '2026-11-24T06:00:00+05:30', '2026-11-24T12:00:00+05:30'],
    [KOLKATA, '1d', '2026-11-23T18:29:59.999Z', '2026-11-23T00:00:00+05:30', '2026-11-24T00:00:00+05:30'],
    [KOLKATA, '1d', '2026-11-23T18:30:00Z', '2026-11-24T00:00:00+05:30', '2026-11-25T00:00:00+05:30'],
    // a 5:45 offset: sub-hour buckets follow local minutes
    [
      'Asia/Kathmandu',
      '30m',
      '2026-11-24T10:50:00+05:45',
      '2026-11-24T10:30:00+05:45',
      '2026-11-24T11:00:00+05:45',
    ],
    // DST: the 6-hour bucket over the change is 5 hours (spring) or 7 hours (autumn) long
    [
      'Australia/Adelaide',
      '6h',
      '2026-10-04T04:00:00+10:30',
      '2026-10-04T00:00:00+09:30',
      '2026-10-04T06:00:00+10:30',
    ],
    [
      'America/New_York',
      '6h',
      '2026-11-01T01:30:00-05:00',
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T06:00:00-05:00',
    ],
    [
      'America/New_York',
      '1d',
      '2026-03-08T12:00:00-04:00',
      '2026-03-08T00:00:00-05:00',
      '2026-03-09T00:00:00-04:00',
    ],
  ])('%s %s: %s lies in [%s, %s)', (zone, interval, instant, start, end) => {
    expect(new Date(seriesBucketStart(at(instant), interval, zone)).toISOString()).toBe(
      new Date(at(start)).toISOString(),
    );
    expect(new Date(seriesBucketEnd(at(start), interval, zone)).toISOString()).toBe(
      new Date(at(end)).toISOString(),
    );
  });

  it('covers [from, to) widened to whole buckets, each starting where the one before ends', () => {
    const buckets = [
      ...seriesBuckets('6h', ALMATY, at('2026-11-23T13:00:00+05:00'), at('2026-11-24T06:00:00.001+05:00')),
    ].map((b) => [new Date(b.start).toISOString(), new Date(b.end).toISOString()]);
    expect(buckets).toEqual([
      ['2026-11-23T07:00:00.000Z', '2026-11-23T13:00:00.000Z'],
      ['2026-11-23T13:00:00.000Z', '2026-11-23T19:00:00.000Z'],
      ['2026-11-23T19:00:00.000Z', '2026-11-24T01:00:00.000Z'],
      ['2026-11-24T01:00:00.000Z', '2026-11-24T07:00:00.000Z'],
    ]);
    expect([...seriesBuckets('1h', ALMATY, 5, 5)]).toEqual([]);
  });

  it('measures a query by the nominal bucket length, rounded up', () => {
    expect(potentialBuckets('1m', 0, 100_000 * 60_000)).toBe(100_000);
    expect(potentialBuckets('1m', 0, 100_000 * 60_000 + 1)).toBe(100_001);
    expect(potentialBuckets('1d', 0, 1)).toBe(1);
    expect(potentialBuckets('1d', 1, 1)).toBe(0);
  });
});

describe('series aggregation', () => {
  const good = (iso: string, value: number, line = 'boiler-1'): SeriesReading => ({
    ts: at(iso),
    value,
    line,
    quality: 'GOOD',
  });
  const bad = (iso: string, value: number): SeriesReading => ({
    ts: at(iso),
    value,
    line: 'boiler-1',
    quality: 'BAD',
  });
  // Shuffled on purpose: the answer must not depend on arrival order.
  const readings: SeriesReading[] = [
    good('2026-11-24T00:05:00+05:00', 5),
    bad('2026-11-23T23:55:00+05:00', 1000),
    good('2026-11-23T23:50:00+05:00', 20, 'boiler-2'),
    good('2026-11-23T23:10:00+05:00', 10),
    { ...good('2026-11-24T00:20:00+05:00', -50), quality: 'UNCERTAIN' },
    good('2026-11-24T03:00:00+05:00', 99), // after `to`: only a widened 1d bucket sees it
    good('2026-11-23T23:50:00+05:00', 30, 'boiler-1'),
    bad('2026-11-24T01:30:00+05:00', 7), // the only reading of its hour: no point there
    good('2026-11-23T22:59:59.999+05:00', 99), // before `from`: only a widened 1d bucket sees it
    good('2026-11-23T23:40:00+05:00', 40),
    good('2026-11-24T02:59:59.999+05:00', 8),
  ];
  const from = at('2026-11-23T23:00:00+05:00');
  const to = at('2026-11-24T03:00:00+05:00');

  it.each<[SeriesInterval, SeriesAggregation, Array<[string, number]>]>([
    // 23:00 hour: 10, 40, 30 (boiler-1 at 23:50), 20 (boiler-2 at 23:50); BAD 1000 ignored
    [
      '1h',
      'avg',
      [
        ['2026-11-23T23:00:00+05:00', 25],
        ['2026-11-24T00:00:00+05:00', 5],
        ['2026-11-24T02:00:00+05:00', 8],
      ],
    ],
    [
      '1h',
      'min',
      [
        ['2026-11-23T23:00:00+05:00', 10],
        ['2026-11-24T00:00:00+05:00', 5],
        ['2026-11-24T02:00:00+05:00', 8],
      ],
    ],
    [
      '1h',
      'max',
      [
        ['2026-11-23T23:00:00+05:00', 40],
        ['2026-11-24T00:00:00+05:00', 5],
        ['2026-11-24T02:00:00+05:00', 8],
      ],
    ],
    // last by ts; at 23:50 two lines tie and the greater line name (boiler-2) wins
    [
      '1h',
      'last',
      [
        ['2026-11-23T23:00:00+05:00', 20],
        ['2026-11-24T00:00:00+05:00', 5],
        ['2026-11-24T02:00:00+05:00', 8],
      ],
    ],
    // plant-local days, widened to whole days: Nov 23 = 99, 10, 40, 30, 20; Nov 24 = 5, 8, 99
    [
      '1d',
      'avg',
      [
        ['2026-11-23T00:00:00+05:00', 39.8],
        ['2026-11-24T00:00:00+05:00', 112 / 3],
      ],
    ],
    [
      '1d',
      'min',
      [
        ['2026-11-23T00:00:00+05:00', 10],
        ['2026-11-24T00:00:00+05:00', 5],
      ],
    ],
    [
      '1d',
      'last',
      [
        ['2026-11-23T00:00:00+05:00', 20],
        ['2026-11-24T00:00:00+05:00', 99],
      ],
    ],
    [
      '30m',
      'max',
      [
        ['2026-11-23T23:00:00+05:00', 10],
        ['2026-11-23T23:30:00+05:00', 40],
        ['2026-11-24T00:00:00+05:00', 5],
        ['2026-11-24T02:30:00+05:00', 8],
      ],
    ],
  ])('%s %s over a plant-local midnight', (interval, aggregation, expected) => {
    const points = computeSeries({ interval, timeZone: ALMATY, from, to, aggregation, readings });
    expect(points.map((p) => [p.start, p.value])).toEqual(expected.map(([iso, v]) => [at(iso), v]));
  });

  it('buckets by the half-hour zone: the same instants fall into other local days in Asia/Kolkata', () => {
    const points = computeSeries({
      interval: '1d',
      timeZone: KOLKATA,
      from: at('2026-11-23T23:00:00+05:30'),
      to: at('2026-11-24T01:00:00+05:30'),
      aggregation: 'max',
      readings: [
        good('2026-11-23T23:59:59.999+05:30', 1),
        good('2026-11-24T00:00:00+05:30', 2), // 23:30 in Almaty: still the 23rd there
        good('2026-11-24T18:29:59.999Z', 3), // 23:59 Kolkata on the 24th
        good('2026-11-24T18:30:00Z', 4), // the 25th in Kolkata: outside the last bucket
      ],
    });
    expect(points.map((p) => [new Date(p.start).toISOString(), p.value, p.count])).toEqual([
      ['2026-11-22T18:30:00.000Z', 1, 1],
      ['2026-11-23T18:30:00.000Z', 3, 2],
    ]);
  });

  it('gives no point, not a zero, for a bucket with only BAD and UNCERTAIN readings', () => {
    const buckets = [...seriesBuckets('1h', ALMATY, from, to)];
    expect(buckets).toHaveLength(4);
    const points = aggregateSeries(buckets, readings, 'avg');
    expect(points.map((p) => p.start)).not.toContain(at('2026-11-24T01:00:00+05:00'));
    expect(aggregateSeries(buckets, [bad('2026-11-24T01:30:00+05:00', 7)], 'max')).toEqual([]);
    expect(aggregateSeries([], readings, 'max')).toEqual([]);
  });

  it('keeps the mean of equal values inside them despite rounding', () => {
    const buckets = [...seriesBuckets('1h', ALMATY, from, from + 1)];
    const same = [0, 1, 2].map((i) => good(`2026-11-23T23:0${i}:00+05:00`, 0.1));
    // 0.1 + 0.1 + 0.1 = 0.30000000000000004; divided by 3 that is above 0.1
    expect((0.1 + 0.1 + 0.1) / 3).toBeGreaterThan(0.1);
    expect(aggregateSeries(buckets, same, 'avg')[0]?.value).toBe(0.1);
  });
});

const ZONES = [ALMATY, KOLKATA, 'Asia/Kathmandu', 'America/New_York', 'Australia/Adelaide', 'Europe/London'];
const RANGE_START = at('2026-01-01T00:00:00Z');
const RANGE_END = at('2027-01-01T00:00:00Z');
const MAX_SPAN: Record<SeriesInterval, number> = {
  '1m': 3 * 3_600_000,
  '5m': 12 * 3_600_000,
  '15m': 2 * 86_400_000,
  '30m': 4 * 86_400_000,
  '1h': 8 * 86_400_000,
  '6h': 40 * 86_400_000,
  '1d': 200 * 86_400_000,
};

const scenario = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    interval: fc.constantFrom(...SERIES_INTERVALS),
    from: fc.integer({ min: RANGE_START, max: RANGE_END }),
    spanFraction: fc.double({ min: 0.0001, max: 1, noNaN: true }),
  })
  .chain(({ zone, interval, from, spanFraction }) => {
    const to = from + Math.max(1, Math.floor(spanFraction * MAX_SPAN[interval]));
    const reading = fc.record({
      ts: fc.integer({ min: from - MAX_SPAN[interval] / 4, max: to + MAX_SPAN[interval] / 4 }),
      value: fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0.1, 1 / 3, 850)),
      line: fc.constantFrom('boiler-1', 'boiler-2', 'stack'),
      quality: fc.constantFrom('GOOD', 'GOOD', 'UNCERTAIN', 'BAD'),
    });
    return fc.record({
      zone: fc.constant(zone),
      interval: fc.constant(interval),
      from: fc.constant(from),
      to: fc.constant(to),
      readings: fc.array(reading as fc.Arbitrary<SeriesReading>, { maxLength: 60 }),
    });
  });

describe('series properties', () => {
  it('puts every GOOD reading in [first start, last end) into exactly one bucket, and avg lies in [min, max]', () => {
    fc.assert(
      fc.property(scenario, ({ zone, interval, from, to, readings }) => {
        const buckets = [...seriesBuckets(interval, zone, from, to)];
        const first = buckets[0];
        const last = buckets.at(-1);
        if (!first || !last) throw new Error('a non-empty range has buckets');
        expect(first.start).toBeLessThanOrEqual(from);
        expect(first.end).toBeGreaterThan(from);
        expect(last.start).toBeLessThan(to);
        expect(last.end).toBeGreaterThanOrEqual(to);
        buckets.forEach((b, i) => {
          expect(b.end).toBeGreaterThan(b.start);
          if (i > 0) expect(b.start).toBe(buckets[i - 1]?.end);
          // each bucket start is a fixed point: the bucket of its own start
          expect(seriesBucketStart(b.start, interval, zone)).toBe(b.start);
        });

        const inRange = readings.filter(
          (r) => r.quality === 'GOOD' && r.ts >= first.start && r.ts < last.end,
        );
        const byAgg = Object.fromEntries(
          SERIES_AGGREGATIONS.map((agg) => [agg, aggregateSeries(buckets, readings, agg)]),
        ) as Record<SeriesAggregation, ReturnType<typeof aggregateSeries>>;
        const points = byAgg.avg;
        expect(points.reduce((n, p) => n + p.count, 0)).toBe(inRange.length);
        for (const r of inRange) {
          const holding = points.filter((p) => p.start <= r.ts && r.ts < p.end);
          expect(holding).toHaveLength(1);
          // the chained bucket agrees with the bucket computed from the instant itself
          expect(holding[0]?.start).toBe(seriesBucketStart(r.ts, interval, zone));
        }
        points.forEach((p, i) => {
          const values = inRange.filter((r) => r.ts >= p.start && r.ts < p.end).map((r) => r.value);
          expect(p.count).toBe(values.length);
          const min = byAgg.min[i]?.value as number;
          const max = byAgg.max[i]?.value as number;
          expect(min).toBe(Math.min(...values));
          expect(max).toBe(Math.max(...values));
          expect(p.value).toBeGreaterThanOrEqual(min);
          expect(p.value).toBeLessThanOrEqual(max);
          expect(values).toContain(byAgg.last[i]?.value);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('starts sub-day buckets on local minutes that are multiples of the interval, and 6h ones on local 0, 6, 12, 18 h', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom<SeriesInterval>('1m', '5m', '15m', '30m', '1h', '6h'),
        fc.integer({ min: RANGE_START, max: RANGE_END }),
        (zone, interval, instant) => {
          const start = seriesBucketStart(instant, interval, zone);
          expect(start).toBeLessThanOrEqual(instant);
          expect(seriesBucketEnd(start, interval, zone)).toBeGreaterThan(instant);
          const p = localParts(start, zone);
          expect(p.second).toBe(0);
          const minutes: Partial<Record<SeriesInterval, number>> = { '1m': 1, '5m': 5, '15m': 15, '30m': 30 };
          if (interval === '6h') expect([0, 6, 12, 18]).toContain(p.hour);
          expect(p.minute % (minutes[interval] ?? 60)).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('resumes a bucket sequence exactly where a page ended', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, noNaN: true }), ({ zone, interval, from, to }, f) => {
        const all = [...seriesBuckets(interval, zone, from, to)];
        const resumeAt = Math.floor(from + f * (to - from));
        expect([...seriesBuckets(interval, zone, from, to, resumeAt)]).toEqual(
          all.filter((b) => b.start >= resumeAt),
        );
      }),
      { numRuns: 300 },
    );
  });
});
