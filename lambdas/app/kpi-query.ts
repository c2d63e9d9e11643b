/**
 * KPIs from the metrics store: loads the counters (with each series' last
 * reading before the range, so the first bucket's first step counts) and the
 * tickets, and computes with the domain core. The query API, the alert engine
 * and backtests share it, so every path computes KPIs the same way.
 */
import { computeKpisForBuckets, KPI_COUNTER_METRICS, type KpiPoint, kpiBuckets } from '../domain/kpis.ts';
import type { MetricsStore, StoredReading } from '../domain/ports.ts';
import type { KpiInterval } from '../domain/time.ts';

export type KpiSource = Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'>;

/** KPI points for explicit buckets (calendar buckets or one arbitrary window). */
export async function loadKpisForBuckets(
  metrics: KpiSource,
  plantId: string,
  buckets: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  now: number,
): Promise<KpiPoint[]> {
  const first = buckets[0];
  const last = buckets.at(-1);
  if (!first || !last) return [];
  const readings: StoredReading[] = [];
  for (const metric of KPI_COUNTER_METRICS) {
    readings.push(...(await metrics.readLastBefore(plantId, metric, first.start)));
    readings.push(...(await metrics.readReadings({ plantId, metric, from: first.start, to: last.end })));
  }
  const movements = await metrics.readMovements(plantId, first.start, last.end);
  return computeKpisForBuckets(buckets, now, readings, movements);
}

/** KPI points of the plant-local hours or days covering [from, to). */
export function loadKpis(
  metrics: KpiSource,
  plantId: string,
  interval: KpiInterval,
  timeZone: string,
  from: number,
  to: number,
  now: number,
): Promise<KpiPoint[]> {
  return loadKpisForBuckets(metrics, plantId, kpiBuckets(interval, timeZone, from, to), now);
}
