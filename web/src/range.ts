/**
 * The page's date range: plant-local calendar days in, epoch ms out, and the
 * series interval that keeps a chart readable. Pure (the domain's calendar
 * arithmetic), so the browser and the tests compute the same ranges.
 */
import { SERIES_INTERVAL_MS, SERIES_INTERVALS, type SeriesInterval } from '../../lambdas/domain/series.ts';
import { localDate, zonedTimeToEpoch } from '../../lambdas/domain/time.ts';

/** The KPI API's longest range of daily buckets. */
export const MAX_RANGE_DAYS = 366;
/** Days shown when the URL names none: the last week, today included. */
export const DEFAULT_RANGE_DAYS = 7;
/** A series chart asks for at most this many buckets; the finest interval that fits is used. */
export const MAX_SERIES_BUCKETS = 500;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface DayRange {
  /** Plant-local dates, `YYYY-MM-DD`, both included. */
  readonly fromDate: string;
  readonly toDate: string;
}

export interface EpochRange {
  /** Plant-local midnight starting `fromDate`. */
  readonly from: number;
  /** Plant-local midnight ending `toDate` (exclusive). */
  readonly to: number;
}

export function isDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Midnight starting `date` in the zone. */
export function dayStart(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return zonedTimeToEpoch(y, m, d, 0, timeZone);
}

export function epochRange(range: DayRange, timeZone: string): EpochRange {
  return { from: dayStart(range.fromDate, timeZone), to: dayStart(addDays(range.toDate, 1), timeZone) };
}

/** The last `DEFAULT_RANGE_DAYS` plant-local days, today included. */
export function defaultRange(now: number, timeZone: string): DayRange {
  const today = localDate(now, timeZone);
  return { fromDate: addDays(today, 1 - DEFAULT_RANGE_DAYS), toDate: today };
}

/**
 * The range the user asked for, made valid: dates that are not dates fall
 * back to the default, a reversed range is swapped, and a range longer than
 * the API allows keeps its end and loses days at its start.
 */
export function normalizeRange(
  fromDate: string | null | undefined,
  toDate: string | null | undefined,
  now: number,
  timeZone: string,
): DayRange {
  const fallback = defaultRange(now, timeZone);
  let from = fromDate && isDate(fromDate) ? fromDate : fallback.fromDate;
  let to = toDate && isDate(toDate) ? toDate : fallback.toDate;
  if (from > to) [from, to] = [to, from];
  const earliest = addDays(to, 1 - MAX_RANGE_DAYS);
  if (from < earliest) from = earliest;
  return { fromDate: from, toDate: to };
}

/** The finest series interval that covers the range in at most `MAX_SERIES_BUCKETS` buckets. */
export function seriesIntervalFor(range: EpochRange): SeriesInterval {
  const span = range.to - range.from;
  const fits = SERIES_INTERVALS.filter((i) => i !== '1m').find(
    (i) => span / SERIES_INTERVAL_MS[i] <= MAX_SERIES_BUCKETS,
  );
  return fits ?? '1d';
}
