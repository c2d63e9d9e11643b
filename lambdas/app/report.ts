/**
 * The annual plant report (docs/report.md): the year's KPI point and its
 * twelve months through the KPI query path itself (so they equal what
 * GET /kpis answers for interval=1y and 1mo), the coverage of the key
 * series, R1 from the year's energies and the plant's R1 settings, and the
 * alerts opened in the year, counted by type.
 */
import type { AlertType } from '../domain/alerts/model.ts';
import type { MetricName } from '../domain/catalog.ts';
import { bucketsAlignWithSlots, SLOT_MS } from '../domain/kpi-rollup.ts';
import { DIVERSION_POLICY, isKpiCounter, type KpiPoint, kpiBuckets } from '../domain/kpis.ts';
import type { GoodHour, MetricsStore } from '../domain/metrics-ports.ts';
import type { PlantConfig } from '../domain/plant.ts';
import type { AlertStore } from '../domain/ports.ts';
import {
  alertCountsOf,
  coverageOf,
  REPORT_COVERAGE_METRICS,
  type ReportR1,
  reportR1,
  type SeriesCoverage,
} from '../domain/report.ts';
import { type KpiTarget, targetsFor } from '../domain/targets.ts';
import { bucketEnd, bucketStart, HOUR_MS, toIso, zonedTimeToEpoch } from '../domain/time.ts';
import { type KpiSource, loadKpisOfInterval } from './kpi-query.ts';

/** Alert pages of 100 read at most per report: 5,000 alerts of one plant. */
export const MAX_ALERT_PAGES = 50;
const ALERT_PAGE_SIZE = 100;

export interface ReportSources {
  readonly metrics: KpiSource & Partial<Pick<MetricsStore, 'readGoodHours'>>;
  readonly alerts: Pick<AlertStore, 'listAlerts'>;
}

type KpiFields = Omit<KpiPoint, 'start' | 'end'>;

export interface PlantReport {
  readonly plantId: string;
  readonly name: string;
  readonly year: number;
  readonly timezone: string;
  readonly policy: string;
  /** The plant-local calendar year, and the instant the figures run to (now, for the current year). */
  readonly period: { readonly start: string; readonly end: string; readonly until: string };
  readonly complete: boolean;
  readonly generatedAt: string;
  readonly totals: KpiFields;
  readonly months: ReadonlyArray<KpiFields & { readonly start: string; readonly end: string }>;
  readonly coverage: {
    readonly basis: string;
    readonly series: readonly SeriesCoverage[];
  };
  readonly r1: ReportR1;
  readonly alerts: {
    readonly byType: Record<AlertType, number>;
    readonly total: number;
    /** The plant has more alerts than one report reads; counts are a lower bound. */
    readonly truncated: boolean;
  };
  readonly targets: readonly KpiTarget[];
}

/** The plant-local calendar year `year`, epoch ms [start, end). */
export function yearBounds(year: number, timeZone: string): { start: number; end: number } {
  const start = bucketStart(zonedTimeToEpoch(year, 7, 1, 12, timeZone), '1y', timeZone);
  return { start, end: bucketEnd(start, '1y', timeZone) };
}

/**
 * Hours with a GOOD reading of each series over [start, until): the store's
 * aggregate when it has one; otherwise the KPI rollup's slot summaries for
 * the counters (a slot lists the series with a GOOD reading in it) and raw
 * readings, one metric and one month at a time, for the rest (docs/report.md
 * says what this costs).
 */
async function goodHoursOf(
  metrics: ReportSources['metrics'],
  plantId: string,
  names: readonly MetricName[],
  start: number,
  until: number,
  months: ReadonlyArray<{ start: number; end: number }>,
): Promise<GoodHour[]> {
  if (metrics.readGoodHours) return metrics.readGoodHours(plantId, names, start, until);
  const slotEnd = Math.ceil(until / SLOT_MS) * SLOT_MS;
  const fromSlots =
    metrics.readKpiCounterSlots && bucketsAlignWithSlots([{ start, end: slotEnd }])
      ? names.filter(isKpiCounter)
      : [];
  const hours: GoodHour[] = [];
  if (metrics.readKpiCounterSlots && fromSlots.length > 0) {
    const { slots } = await metrics.readKpiCounterSlots(plantId, start, slotEnd);
    for (const slot of slots)
      for (const series of slot.series)
        if (fromSlots.includes(series.metric))
          hours.push({
            metric: series.metric,
            line: series.line,
            hour: Math.floor(slot.start / HOUR_MS) * HOUR_MS,
          });
  }
  for (const metric of names.filter((name) => !(fromSlots as readonly MetricName[]).includes(name))) {
    for (const month of months) {
      const seen = new Set<string>();
      for (const r of await metrics.readReadings({ plantId, metric, from: month.start, to: month.end })) {
        if (r.quality !== 'GOOD') continue;
        const hour = Math.floor(r.ts / HOUR_MS) * HOUR_MS;
        const key = `${r.line}\u0000${hour}`;
        if (seen.has(key)) continue;
        seen.add(key);
        hours.push({ metric, line: r.line, hour });
      }
    }
  }
  return hours;
}

async function alertsOpenedIn(
  alerts: Pick<AlertStore, 'listAlerts'>,
  plantId: string,
  from: number,
  to: number,
): Promise<PlantReport['alerts']> {
  const opened: Array<{ type: AlertType; openedAt: number }> = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await alerts.listAlerts({
      plantId,
      limit: ALERT_PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    opened.push(...page.items);
    cursor = page.cursor;
    pages++;
  } while (cursor !== undefined && pages < MAX_ALERT_PAGES);
  const byType = alertCountsOf(opened, from, to);
  return {
    byType,
    total: Object.values(byType).reduce((a, b) => a + b, 0),
    truncated: cursor !== undefined,
  };
}

function fieldsOf(point: KpiPoint): KpiFields {
  const { start: _start, end: _end, ...fields } = point;
  return fields;
}

/** The report of `plant` for the plant-local calendar year `year`, as of `now` (which must be after its start). */
export async function loadPlantReport(
  sources: ReportSources,
  plant: PlantConfig,
  year: number,
  now: number,
): Promise<PlantReport> {
  const tz = plant.timeZone;
  const { start, end } = yearBounds(year, tz);
  const until = Math.min(end, now);
  // Coverage counts whole hours: the hour still running is not a gap yet.
  const covered = now >= end ? end : Math.max(start, Math.floor(now / HOUR_MS) * HOUR_MS);
  const monthBuckets = kpiBuckets('1mo', tz, start, end);
  const [[yearPoint], months, goodHours, alerts] = await Promise.all([
    loadKpisOfInterval(sources.metrics, plant.plantId, '1y', tz, [{ start, end }], now),
    loadKpisOfInterval(sources.metrics, plant.plantId, '1mo', tz, monthBuckets, now),
    goodHoursOf(
      sources.metrics,
      plant.plantId,
      REPORT_COVERAGE_METRICS,
      start,
      covered,
      monthBuckets
        .filter((m) => m.start < covered)
        .map((m) => ({ start: m.start, end: Math.min(m.end, covered) })),
    ),
    alertsOpenedIn(sources.alerts, plant.plantId, start, end),
  ]);
  if (yearPoint === undefined) throw new Error(`no KPI point for ${year}`);
  const yearShare = (until - start) / (end - start);
  return {
    plantId: plant.plantId,
    name: plant.name,
    year,
    timezone: tz,
    policy: DIVERSION_POLICY,
    period: { start: toIso(start), end: toIso(end), until: toIso(until) },
    complete: now >= end,
    generatedAt: toIso(now),
    totals: fieldsOf(yearPoint),
    months: months.map((m) => ({ start: toIso(m.start), end: toIso(m.end), ...fieldsOf(m) })),
    coverage: {
      basis:
        'share of the whole hours of the period (so far; the hour still running is left out) with at least one GOOD reading of the series; a gap day is a plant-local day with an hour without one',
      series: coverageOf(goodHours, REPORT_COVERAGE_METRICS, start, covered, tz),
    },
    r1: reportR1(yearPoint, plant.r1, year, yearShare),
    alerts,
    targets: targetsFor(plant),
  };
}
