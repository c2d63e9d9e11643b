/**
 * Time series of one metric, bucketed in the plant's time zone and aggregated
 * per bucket (docs/contract.md section 4, `GET /v1/plants/{plantId}/series`).
 *
 * - Intervals `1m`, `5m`, `15m`, `30m`, `1h`, `6h`, `1d`. Sub-hour buckets
 *   start on local minutes that are multiples of the interval (so in a zone
 *   with a 5:45 offset a 30-minute bucket starts at :15 and :45 UTC); `1h` and
 *   `1d` are the KPI buckets of time.ts (plant-local hours and days); `6h`
 *   buckets start at local 00:00, 06:00, 12:00 and 18:00, so across a DST
 *   change one of them is 5 or 7 hours long.
 * - Only GOOD readings count (docs/reference/domain.md section 8.2: UNCERTAIN and BAD values
 *   never feed a computation). A bucket without a GOOD reading has no point:
 *   gaps stay gaps, nothing is interpolated or carried forward (docs/reference/domain.md
 *   section 8.4).
 * - All lines of the metric are pooled unless the caller filters by line.
 *
 * Pure: the caller passes the data.
 */
import type { Reading } from './telemetry.ts';
import { bucketEnd, bucketStart, DAY_MS, HOUR_MS, localParts, MINUTE_MS, zonedTimeToEpoch } from './time.ts';

export const SERIES_INTERVALS = ['1m', '5m', '15m', '30m', '1h', '6h', '1d'] as const;
export type SeriesInterval = (typeof SERIES_INTERVALS)[number];

export const SERIES_AGGREGATIONS = ['avg', 'min', 'max', 'last'] as const;
export type SeriesAggregation = (typeof SERIES_AGGREGATIONS)[number];

/** Nominal bucket length; `6h` and `1d` buckets differ from it across a DST change. */
export const SERIES_INTERVAL_MS: Readonly<Record<SeriesInterval, number>> = {
  '1m': MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': HOUR_MS,
  '6h': 6 * HOUR_MS,
  '1d': DAY_MS,
};

/** Intervals whose buckets all have the same length. */
const FIXED_LENGTH: ReadonlySet<SeriesInterval> = new Set(['1m', '5m', '15m', '30m', '1h']);

export function isSeriesInterval(value: string): value is SeriesInterval {
  return (SERIES_INTERVALS as readonly string[]).includes(value);
}

export function isSeriesAggregation(value: string): value is SeriesAggregation {
  return (SERIES_AGGREGATIONS as readonly string[]).includes(value);
}

export interface SeriesBucket {
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
}

const millisOf = (epochMs: number): number => ((epochMs % 1000) + 1000) % 1000;

/** Start of the bucket that contains `epochMs`. */
export function seriesBucketStart(epochMs: number, interval: SeriesInterval, timeZone: string): number {
  if (interval === '1h' || interval === '1d') return bucketStart(epochMs, interval, timeZone);
  const p = localParts(epochMs, timeZone);
  const intoMinute = p.second * 1000 + millisOf(epochMs);
  if (interval === '6h') {
    const hour = Math.floor(p.hour / 6) * 6;
    const start = zonedTimeToEpoch(p.year, p.month, p.day, hour, timeZone);
    // A wall time repeated by a DST change may resolve to its later instant.
    return start <= epochMs
      ? start
      : epochMs - ((p.hour - hour) * HOUR_MS + p.minute * MINUTE_MS + intoMinute);
  }
  const minutes = SERIES_INTERVAL_MS[interval] / MINUTE_MS;
  return epochMs - ((p.minute % minutes) * MINUTE_MS + intoMinute);
}

/**
 * `start` plus the nominal length when that instant is itself a boundary
 * (local midnight, or local 0, 6, 12 or 18 h): then no other boundary lies
 * between, since only a DST change shortens a bucket and it moves the wall
 * clock off the boundary. One time-zone lookup instead of several, which
 * matters when a query walks 100,000 buckets.
 */
function nominalEnd(start: number, hours: 6 | 24, timeZone: string): number | undefined {
  const candidate = start + hours * HOUR_MS;
  const p = localParts(candidate, timeZone);
  const onBoundary = p.minute === 0 && p.second === 0 && millisOf(candidate) === 0 && p.hour % hours === 0;
  return onBoundary ? candidate : undefined;
}

/** End (exclusive) of the bucket that starts at `start`. */
export function seriesBucketEnd(start: number, interval: SeriesInterval, timeZone: string): number {
  if (interval === '1d') return nominalEnd(start, 24, timeZone) ?? bucketEnd(start, interval, timeZone);
  if (interval === '1h') return bucketEnd(start, interval, timeZone);
  if (interval !== '6h') return start + SERIES_INTERVAL_MS[interval];
  const nominal = nominalEnd(start, 6, timeZone);
  if (nominal !== undefined) return nominal;
  const p = localParts(start, timeZone);
  const nextHour = Math.floor(p.hour / 6) * 6 + 6;
  const end =
    nextHour >= 24
      ? bucketEnd(bucketStart(start, '1d', timeZone), '1d', timeZone)
      : zonedTimeToEpoch(p.year, p.month, p.day, nextHour, timeZone);
  return end > start ? end : start + 6 * HOUR_MS;
}

/**
 * The size of a query before any data is read: the range divided by the
 * nominal bucket length, rounded up (a range that is not aligned to buckets
 * touches at most one bucket more).
 */
export function potentialBuckets(interval: SeriesInterval, from: number, to: number): number {
  return to > from ? Math.ceil((to - from) / SERIES_INTERVAL_MS[interval]) : 0;
}

/**
 * The buckets covering [from, to) in order: the first contains `from`, the
 * last contains `to - 1`, each starts where the one before ends. With
 * `resumeAt`, the sequence is the same but starts at the first bucket that
 * starts at or after it (how a page of a longer answer continues).
 */
export function* seriesBuckets(
  interval: SeriesInterval,
  timeZone: string,
  from: number,
  to: number,
  resumeAt = Number.NEGATIVE_INFINITY,
): Generator<SeriesBucket> {
  if (!(to > from)) return;
  let start = seriesBucketStart(from, interval, timeZone);
  if (FIXED_LENGTH.has(interval) && resumeAt > start) {
    const length = SERIES_INTERVAL_MS[interval];
    start += Math.ceil((resumeAt - start) / length) * length;
  }
  while (start < to) {
    const end = seriesBucketEnd(start, interval, timeZone);
    if (start >= resumeAt) yield { start, end };
    start = end;
  }
}

export type SeriesReading = Pick<Reading, 'line' | 'ts' | 'value' | 'quality'>;

export interface SeriesPoint extends SeriesBucket {
  readonly value: number;
  /** GOOD readings the value aggregates (at least 1). */
  readonly count: number;
}

interface Accumulator {
  count: number;
  sum: number;
  min: number;
  max: number;
  lastTs: number;
  lastLine: string;
  last: number;
}

/**
 * One point per bucket that holds at least one GOOD reading, in bucket order.
 * `buckets` must be ordered and contiguous (as `seriesBuckets` yields them);
 * readings outside them are ignored. `last` is the value with the latest `ts`;
 * of readings at the same instant on several lines, the greatest line name
 * wins (the store's `ts, line` order), so the answer never depends on the
 * order readings arrive in. `avg` is clamped to [min, max] so floating-point
 * rounding can never put the mean outside the values it averages.
 */
export function aggregateSeries(
  buckets: readonly SeriesBucket[],
  readings: Iterable<SeriesReading>,
  aggregation: SeriesAggregation,
): SeriesPoint[] {
  const first = buckets[0];
  const last = buckets.at(-1);
  if (!first || !last) return [];
  const accumulators: Array<Accumulator | undefined> = new Array(buckets.length);
  for (const reading of readings) {
    if (reading.quality !== 'GOOD' || !Number.isFinite(reading.value)) continue;
    const { ts, value, line } = reading;
    if (ts < first.start || ts >= last.end) continue;
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((buckets[mid] as SeriesBucket).start <= ts) lo = mid;
      else hi = mid - 1;
    }
    const acc = accumulators[lo];
    if (!acc) {
      accumulators[lo] = {
        count: 1,
        sum: value,
        min: value,
        max: value,
        lastTs: ts,
        lastLine: line,
        last: value,
      };
      continue;
    }
    acc.count += 1;
    acc.sum += value;
    if (value < acc.min) acc.min = value;
    if (value > acc.max) acc.max = value;
    if (ts > acc.lastTs || (ts === acc.lastTs && line >= acc.lastLine)) {
      acc.lastTs = ts;
      acc.lastLine = line;
      acc.last = value;
    }
  }
  const points: SeriesPoint[] = [];
  buckets.forEach((bucket, i) => {
    const acc = accumulators[i];
    if (!acc) return;
    points.push({
      start: bucket.start,
      end: bucket.end,
      value: aggregateValue(acc, aggregation),
      count: acc.count,
    });
  });
  return points;
}

function aggregateValue(acc: Accumulator, aggregation: SeriesAggregation): number {
  switch (aggregation) {
    case 'avg':
      return Math.min(acc.max, Math.max(acc.min, acc.sum / acc.count));
    case 'min':
      return acc.min;
    case 'max':
      return acc.max;
    case 'last':
      return acc.last;
  }
}

export interface SeriesRequest {
  readonly interval: SeriesInterval;
  readonly timeZone: string;
  /** Epoch ms; the bucket containing it is the first. */
  readonly from: number;
  /** Epoch ms, exclusive; the bucket containing `to - 1` is the last. */
  readonly to: number;
  readonly aggregation: SeriesAggregation;
  readonly readings: Iterable<SeriesReading>;
}

/** The points of one metric over [from, to), widened to whole buckets. */
export function computeSeries(request: SeriesRequest): SeriesPoint[] {
  const buckets = [...seriesBuckets(request.interval, request.timeZone, request.from, request.to)];
  return aggregateSeries(buckets, request.readings, request.aggregation);
}
