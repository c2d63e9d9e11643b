/**
 * Telling missing data from zero (docs/dashboards.md, "Gaps and partial
 * days"). The KPI API answers a bucket for every day and hour, with zeros
 * where nothing arrived; the page must draw those as gaps and mark days it
 * saw only part of. Pure, so the rule is tested without a browser.
 */
import type { KpiValues } from '../../lambdas/domain/kpis.ts';

/** Every quantity a KPI bucket sums: all zero means the API had nothing to compute from. */
const QUANTITIES = [
  'received_t',
  'landfilled_t',
  'recycled_t',
  'fed_t',
  'electricity_generated_mwh',
  'electricity_exported_mwh',
  'heat_exported_mwh',
] as const satisfies ReadonlyArray<keyof KpiValues>;

export interface Bucket extends Pick<KpiValues, (typeof QUANTITIES)[number]> {
  /** ISO instants, as the API answers them. */
  readonly start: string;
  readonly end: string;
  readonly complete: boolean;
}

/** A bucket with no ticket and no counter step: no data, not zero tonnes. */
export function hasData(bucket: Pick<KpiValues, (typeof QUANTITIES)[number]>): boolean {
  return QUANTITIES.some((key) => bucket[key] !== 0);
}

export type DayState = 'none' | 'partial' | 'full';

export interface DayMark {
  readonly start: number;
  readonly end: number;
  readonly state: DayState;
  /** Why a day is partial: "so far" (not over) or "14 of 24 h with data". */
  readonly reason?: string;
}

/**
 * Each day's state: `none` without data; `partial` when it is not over
 * (`complete: false`) or when some of its hours have no data (only judged
 * where the hours are given, ranges up to the hourly KPI limit); else
 * `full`.
 */
export function dayMarks(days: readonly Bucket[], hours?: readonly Bucket[]): DayMark[] {
  const hourly = (hours ?? []).map((h) => ({ start: Date.parse(h.start), data: hasData(h) }));
  return days.map((day) => {
    const start = Date.parse(day.start);
    const end = Date.parse(day.end);
    if (!hasData(day)) return { start, end, state: 'none' };
    if (!day.complete) return { start, end, state: 'partial', reason: 'so far' };
    if (hours === undefined) return { start, end, state: 'full' };
    const inDay = hourly.filter((h) => h.start >= start && h.start < end);
    const withData = inDay.filter((h) => h.data).length;
    if (inDay.length > 0 && withData < inDay.length) {
      return { start, end, state: 'partial', reason: `${withData} of ${inDay.length} h with data` };
    }
    return { start, end, state: 'full' };
  });
}

/**
 * The series with a null inserted wherever two neighbouring points lie more
 * than twice the usual spacing apart (and more than two buckets), so a line
 * chart breaks there instead of drawing a straight line across missing
 * time. The usual spacing (the median) keeps a plant that samples every 20
 * minutes, drawn in 15-minute buckets, from breaking every hour. `x`
 * ascending, in any unit.
 */
export function breakGaps(
  x: readonly number[],
  series: ReadonlyArray<ReadonlyArray<number | null>>,
  bucket: number,
): { x: number[]; series: Array<Array<number | null>>; gaps: number } {
  const steps = x.slice(1).map((t, i) => t - (x[i] as number));
  const maxStep = 2 * Math.max(bucket, median(steps) ?? bucket);
  const outX: number[] = [];
  const outSeries = series.map(() => [] as Array<number | null>);
  let gaps = 0;
  x.forEach((t, i) => {
    const previous = x[i - 1];
    if (previous !== undefined && t - previous > maxStep) {
      outX.push((previous + t) / 2);
      for (const values of outSeries) values.push(null);
      gaps++;
    }
    outX.push(t);
    series.forEach((values, s) => {
      outSeries[s]?.push(values[i] ?? null);
    });
  });
  return { x: outX, series: outSeries, gaps };
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
