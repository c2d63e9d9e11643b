/**
 * Plant KPIs per plant-local hour or day, exactly as docs/contract.md section 3
 * defines them. Only GOOD readings count; every movement counts (tickets have
 * no quality). Pure: the caller passes the data and the current time.
 *
 * Counter fields are exact sums of their steps, rounded once (exact-sum.ts):
 * the answer does not depend on the order readings come in, and the KPI
 * rollup (kpi-rollup.ts), which adds pre-summed 15-minute slots, gives the
 * identical double.
 */
import type { MetricName } from './catalog.ts';
import { type CounterPoint, counterSteps } from './counters.ts';
import { ExactSum } from './exact-sum.ts';
import type { Movement, Reading } from './telemetry.ts';
import { bucketEnd, bucketStart, type KpiInterval } from './time.ts';

/** Name of the versioned diversion definition the KPIs follow (docs/reference/domain.md section 5.3). */
export const DIVERSION_POLICY = 'diversion.gross.v1';

export const DEFAULT_TIME_ZONE = 'Asia/Almaty';

/** Counters that feed KPIs, and the field each one fills. */
export const KPI_COUNTERS = {
  waste_fed: 'fed_t',
  electricity_generated: 'electricity_generated_mwh',
  electricity_exported: 'electricity_exported_mwh',
  heat_exported: 'heat_exported_mwh',
} as const satisfies Partial<Record<MetricName, string>>;

export type KpiCounterMetric = keyof typeof KPI_COUNTERS;

export const KPI_COUNTER_METRICS = Object.keys(KPI_COUNTERS) as KpiCounterMetric[];

/** Outbound materials that left unburnt: they reduce what the furnace could have fed. */
const UNBURNT_MATERIALS: ReadonlySet<Movement['material']> = new Set([
  'mixed_waste',
  'recyclables',
  'rejects',
  'other',
]);

export interface KpiValues {
  readonly received_t: number;
  readonly landfilled_t: number;
  readonly recycled_t: number;
  readonly fed_t: number;
  readonly electricity_generated_mwh: number;
  readonly electricity_exported_mwh: number;
  readonly heat_exported_mwh: number;
  readonly diversion_rate: number | null;
  readonly recycling_rate: number | null;
  readonly net_mwh_per_t: number | null;
  readonly mass_balance_gap: number | null;
}

export interface KpiPoint extends KpiValues {
  /** Bucket start, epoch ms (inclusive). */
  readonly start: number;
  /** Bucket end, epoch ms (exclusive). */
  readonly end: number;
  /** The bucket has ended; late data inside the horizon may still restate it. */
  readonly complete: boolean;
}

export type KpiReading = Pick<Reading, 'line' | 'metric' | 'ts' | 'value' | 'quality'>;
export type KpiMovement = Pick<Movement, 'ts' | 'direction' | 'netTonnes' | 'material' | 'destination'>;

export interface KpiRequest {
  readonly interval: KpiInterval;
  readonly timeZone: string;
  /** Epoch ms; the bucket containing it is the first. */
  readonly from: number;
  /** Epoch ms, exclusive; the bucket containing `to - 1` is the last. */
  readonly to: number;
  readonly now: number;
  /**
   * Counter readings of the plant. For an exact first bucket, include for each
   * series its last GOOD reading before the first bucket starts: the step from
   * it into the bucket belongs to the bucket.
   */
  readonly readings: Iterable<KpiReading>;
  readonly movements: Iterable<KpiMovement>;
}

export interface KpiTotals {
  received_t: number;
  landfilled_t: number;
  recycled_t: number;
  unburnt_out_t: number;
  fed_t: number;
  electricity_generated_mwh: number;
  electricity_exported_mwh: number;
  heat_exported_mwh: number;
}

/** Adds one weighbridge movement to the tonnages of `totals`. */
export function addMovement(totals: KpiTotals, movement: KpiMovement): void {
  if (movement.direction === 'in') {
    totals.received_t += movement.netTonnes;
    return;
  }
  if (movement.destination === 'landfill') totals.landfilled_t += movement.netTonnes;
  if (movement.destination === 'recycling') totals.recycled_t += movement.netTonnes;
  if (UNBURNT_MATERIALS.has(movement.material)) totals.unburnt_out_t += movement.netTonnes;
}

export const emptyTotals = (): KpiTotals => ({
  received_t: 0,
  landfilled_t: 0,
  recycled_t: 0,
  unburnt_out_t: 0,
  fed_t: 0,
  electricity_generated_mwh: 0,
  electricity_exported_mwh: 0,
  heat_exported_mwh: 0,
});

const ratio = (numerator: number, denominator: number): number | null =>
  denominator > 0 ? numerator / denominator : null;

/** KPI values from bucket totals. */
export function kpiValues(t: KpiTotals): KpiValues {
  return {
    received_t: t.received_t,
    landfilled_t: t.landfilled_t,
    recycled_t: t.recycled_t,
    fed_t: t.fed_t,
    electricity_generated_mwh: t.electricity_generated_mwh,
    electricity_exported_mwh: t.electricity_exported_mwh,
    heat_exported_mwh: t.heat_exported_mwh,
    diversion_rate: t.received_t > 0 ? 1 - t.landfilled_t / t.received_t : null,
    recycling_rate: ratio(t.recycled_t, t.received_t),
    net_mwh_per_t: ratio(t.electricity_exported_mwh, t.fed_t),
    mass_balance_gap: ratio(t.received_t - t.fed_t - t.unburnt_out_t, t.received_t),
  };
}

/**
 * The ratios of weighbridge tonnages. They mean something over a day or
 * longer only: within an hour trucks leave in batches and the bunker stock is
 * not metered, so an hour shows gaps like -618 % (docs/contract.md section 3 note).
 * `net_mwh_per_t` is not among them: both of its terms are continuous meters.
 */
export const MOVEMENT_RATIOS = ['diversion_rate', 'recycling_rate', 'mass_balance_gap'] as const;

/** Whether points of an interval answer the movement ratios; a Record so a new interval must decide. */
const ANSWERS_MOVEMENT_RATIOS: Readonly<Record<KpiInterval, boolean>> = {
  '1h': false,
  '1d': true,
  '1mo': true,
  '1y': true,
};

export function answersMovementRatios(interval: KpiInterval): boolean {
  return ANSWERS_MOVEMENT_RATIOS[interval];
}

/**
 * The point as answered for buckets of `interval`: unchanged for days, the
 * movement ratios `null` for hours (tonnages and energies kept). Applied by
 * the query layer, not by computeKpis*, whose arbitrary windows (an alert's
 * day so far) need the ratios.
 */
export function withRatiosFor<P extends KpiValues>(interval: KpiInterval, point: P): P {
  if (answersMovementRatios(interval)) return point;
  return { ...point, diversion_rate: null, recycling_rate: null, mass_balance_gap: null };
}

/** The buckets covering [from, to), in order. */
export function kpiBuckets(
  interval: KpiInterval,
  timeZone: string,
  from: number,
  to: number,
): Array<{ start: number; end: number }> {
  const buckets: Array<{ start: number; end: number }> = [];
  if (!(to > from)) return buckets;
  for (let start = bucketStart(from, interval, timeZone); start < to; ) {
    const end = bucketEnd(start, interval, timeZone);
    buckets.push({ start, end });
    start = end;
  }
  return buckets;
}

export function isKpiCounter(metric: string): metric is KpiCounterMetric {
  return Object.hasOwn(KPI_COUNTERS, metric);
}

/**
 * A counter's increase attributed to the instant `ts` (its bucket counts it):
 * one step between readings, or the exact partials of several steps summed
 * ahead of time (a rolled-up 15-minute slot, kpi-rollup.ts).
 */
export interface CounterIncrement {
  readonly metric: KpiCounterMetric;
  readonly ts: number;
  /** Terms whose exact sum is the increase. */
  readonly parts: readonly number[];
}

/**
 * The steps of every counter series (line and metric) in `readings`, as
 * increments. Readings of other metrics are ignored.
 */
export function counterIncrements(readings: Iterable<KpiReading>): CounterIncrement[] {
  const series = new Map<string, { metric: KpiCounterMetric; points: CounterPoint[] }>();
  for (const reading of readings) {
    if (!isKpiCounter(reading.metric)) continue;
    const key = `${reading.line}\u0000${reading.metric}`;
    let entry = series.get(key);
    if (!entry) {
      entry = { metric: reading.metric, points: [] };
      series.set(key, entry);
    }
    entry.points.push(reading);
  }
  const increments: CounterIncrement[] = [];
  for (const { metric, points } of series.values()) {
    for (const step of counterSteps(points)) increments.push({ metric, ts: step.ts, parts: [step.increase] });
  }
  return increments;
}

/** Computes one KPI point per bucket in the request's range, empty buckets included. */
export function computeKpis(request: KpiRequest): KpiPoint[] {
  const buckets = kpiBuckets(request.interval, request.timeZone, request.from, request.to);
  return computeKpisForBuckets(buckets, request.now, request.readings, request.movements);
}

/**
 * KPI points for explicit, ordered, contiguous buckets: calendar buckets, or
 * one arbitrary window such as the rolling 24 hours.
 */
export function computeKpisForBuckets(
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  now: number,
  readings: Iterable<KpiReading>,
  movements: Iterable<KpiMovement>,
): KpiPoint[] {
  return computeKpisFromIncrements(buckets, now, counterIncrements(readings), movements);
}

/**
 * KPI points from counter increments instead of readings. A bucket's counter
 * field is the exact sum of its increments, rounded once (exact-sum.ts), so
 * the same steps give the same double however they were grouped.
 */
export function computeKpisFromIncrements(
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  now: number,
  increments: Iterable<CounterIncrement>,
  movements: Iterable<KpiMovement>,
): KpiPoint[] {
  const totals = kpiTotalsFromIncrements(buckets, increments, movements);
  return buckets.map((bucket, i) => kpiPoint(bucket, totals[i] as KpiTotals, now));
}

function kpiPoint(
  bucket: { readonly start: number; readonly end: number },
  totals: KpiTotals,
  now: number,
): KpiPoint {
  return { start: bucket.start, end: bucket.end, ...kpiValues(totals), complete: now >= bucket.end };
}

/** The totals behind `computeKpisFromIncrements`, one per bucket. */
export function kpiTotalsFromIncrements(
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  increments: Iterable<CounterIncrement>,
  movements: Iterable<KpiMovement>,
): KpiTotals[] {
  const first = buckets[0];
  const last = buckets.at(-1);
  if (!first || !last) return [];
  const totals = buckets.map(emptyTotals);
  const indexOf = (ts: number): number => {
    if (ts < first.start || ts >= last.end) return -1;
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((buckets[mid] as { start: number }).start <= ts) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  for (const movement of movements) {
    const bucket = totals[indexOf(movement.ts)];
    if (bucket) addMovement(bucket, movement);
  }

  const sums = buckets.map(() => new Map<KpiCounterMetric, ExactSum>());
  for (const increment of increments) {
    const bucket = sums[indexOf(increment.ts)];
    if (!bucket) continue;
    let sum = bucket.get(increment.metric);
    if (!sum) {
      sum = new ExactSum();
      bucket.set(increment.metric, sum);
    }
    sum.addAll(increment.parts);
  }
  for (const [i, bucket] of sums.entries()) {
    const total = totals[i] as KpiTotals;
    for (const [metric, sum] of bucket) total[KPI_COUNTERS[metric]] = sum.value();
  }
  return totals;
}

/**
 * Points of calendar months or years from the totals of the plant-local days
 * that tile them (docs/kpis.md): every tonnage and energy is the exactly
 * rounded sum of its days' values (exact-sum.ts), the ratios are computed
 * from those sums, and a bucket is complete once it has ended. Days outside
 * every bucket are ignored; a bucket without days is all zeros.
 */
export function kpisFromDays(
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  days: ReadonlyArray<{ readonly start: number; readonly end: number; readonly totals: KpiTotals }>,
  now: number,
): KpiPoint[] {
  return buckets.map((bucket) => {
    const inside = days.filter((day) => day.start >= bucket.start && day.end <= bucket.end);
    const totals = emptyTotals();
    for (const field of Object.keys(totals) as Array<keyof KpiTotals>) {
      const sum = new ExactSum();
      for (const day of inside) sum.add(day.totals[field]);
      totals[field] = sum.value();
    }
    return kpiPoint(bucket, totals, now);
  });
}

/**
 * Each counter's last readings before a range, then its readings in it,
 * counter by counter in KPI_COUNTER_METRICS order: the order the raw KPI path
 * reads them one counter at a time (both inputs come ordered by metric).
 */
export function inCounterOrder<T extends { readonly metric: string }>(
  before: readonly T[],
  within: readonly T[],
): T[] {
  const out: T[] = [];
  for (const metric of KPI_COUNTER_METRICS) {
    for (const r of before) if (r.metric === metric) out.push(r);
    for (const r of within) if (r.metric === metric) out.push(r);
  }
  return out;
}
