/**
 * The annual plant report's own figures (docs/report.md): data coverage of
 * the key series, the R1 energy efficiency of the year, and alert counts.
 * The KPI totals and months are the KPI answers themselves (kpi-query.ts).
 * Pure: the caller passes the data, the plant and the current time.
 */
import { ALERT_TYPES, type Alert, type AlertType } from './alerts/model.ts';
import type { MetricName } from './catalog.ts';
import { kpiBuckets } from './kpis.ts';
import type { GoodHour } from './metrics-ports.ts';
import type { R1Settings } from './plant.ts';
import { MWH_TO_GJ, type R1Result, r1EnergyEfficiency } from './r1.ts';
import { HOUR_MS, localDate } from './time.ts';

/**
 * The series whose coverage the report states: the counters every annual
 * figure rests on, and the 2-second-zone temperature a permit asks for.
 */
export const REPORT_COVERAGE_METRICS: readonly MetricName[] = [
  'waste_fed',
  'electricity_generated',
  'electricity_exported',
  'heat_exported',
  'furnace_temperature',
];

/** A run of consecutive plant-local dates, inclusive at both ends. */
export interface DateRange {
  readonly from: string;
  readonly to: string;
  readonly days: number;
}

export interface SeriesCoverage {
  readonly metric: MetricName;
  /** The series' line; null when no line of the metric reported in the year. */
  readonly line: string | null;
  /** Hours of the period with at least one GOOD reading. */
  readonly goodHours: number;
  /** Hours of the period (so far, for the current year). */
  readonly hours: number;
  /** goodHours / hours, 0 to 1. */
  readonly share: number;
  /** Plant-local days with at least one hour without a GOOD reading, as ranges. */
  readonly gapDays: readonly DateRange[];
  /** How many days the ranges hold. */
  readonly gapDayCount: number;
}

/** The UTC hours of [from, until): the coverage denominator. */
function hourStarts(from: number, until: number): number[] {
  const hours: number[] = [];
  for (let h = Math.floor(from / HOUR_MS) * HOUR_MS; h < until; h += HOUR_MS) hours.push(h);
  return hours;
}

/** Consecutive plant-local dates joined into ranges (dates come in order). */
function rangesOf(dates: readonly string[], dayStarts: ReadonlyMap<string, number>): DateRange[] {
  const ranges: Array<{ from: string; to: string; days: number; index: number }> = [];
  for (const date of dates) {
    const index = dayStarts.get(date) ?? -1;
    const last = ranges.at(-1);
    if (last && index === last.index + 1) {
      last.to = date;
      last.days += 1;
      last.index = index;
    } else ranges.push({ from: date, to: date, days: 1, index });
  }
  return ranges.map(({ from, to, days }) => ({ from, to, days }));
}

/**
 * Coverage of each metric of `metrics` over [from, until): one entry per
 * line seen (a metric with no line at all gets one entry, line null, share
 * 0, every day a gap). An hour counts when it holds a GOOD reading.
 */
export function coverageOf(
  goodHours: readonly GoodHour[],
  metrics: readonly MetricName[],
  from: number,
  until: number,
  timeZone: string,
): SeriesCoverage[] {
  const hours = hourStarts(from, until);
  const days = kpiBuckets('1d', timeZone, from, until);
  const dates = days.map((day) => localDate(day.start, timeZone));
  const dayIndex = new Map(dates.map((date, i) => [date, i]));
  // The plant-local days each hour overlaps (two where a day starts mid-hour, as in UTC+05:30).
  const daysOfHour: number[][] = [];
  let first = 0;
  for (const h of hours) {
    while (first < days.length && (days[first] as { end: number }).end <= h) first++;
    const overlapped: number[] = [];
    for (let i = first; i < days.length && (days[i] as { start: number }).start < h + HOUR_MS; i++)
      overlapped.push(i);
    daysOfHour.push(overlapped);
  }
  const firstHour = hours[0] ?? until;
  const bySeries = new Map<MetricName, Map<string, Set<number>>>();
  for (const g of goodHours) {
    if (!metrics.includes(g.metric) || g.hour < firstHour || g.hour >= until) continue;
    const lines = bySeries.get(g.metric) ?? new Map<string, Set<number>>();
    const set = lines.get(g.line) ?? new Set<number>();
    set.add(g.hour);
    lines.set(g.line, set);
    bySeries.set(g.metric, lines);
  }
  const result: SeriesCoverage[] = [];
  for (const metric of metrics) {
    const lines = bySeries.get(metric) ?? new Map<string, Set<number>>();
    const names = [...lines.keys()].sort();
    for (const line of names.length === 0 ? [null] : names) {
      const good = (line === null ? undefined : lines.get(line)) ?? new Set<number>();
      const gap = new Set<number>();
      hours.forEach((h, i) => {
        if (!good.has(h)) for (const day of daysOfHour[i] ?? []) gap.add(day);
      });
      const gapDates = [...gap].sort((a, b) => a - b).map((i) => dates[i] as string);
      result.push({
        metric,
        line,
        goodHours: good.size,
        hours: hours.length,
        share: hours.length === 0 ? 0 : good.size / hours.length,
        gapDays: rangesOf(gapDates, dayIndex),
        gapDayCount: gapDates.length,
      });
    }
  }
  return result;
}

/** What the R1 figure takes from the year's KPIs. */
export interface R1Totals {
  readonly fed_t: number;
  readonly electricity_generated_mwh: number;
  readonly heat_exported_mwh: number;
}

export type ReportR1 =
  | (R1Result & {
      readonly value: number;
      /** The energy terms used, GJ for the period. */
      readonly inputs: {
        readonly electricityProducedGJ: number;
        readonly heatCommercialGJ: number;
        readonly wasteEnergyGJ: number;
        readonly importedGJ: number;
        readonly fuelInputGJ: number;
        readonly heatingDegreeDays: number;
        readonly permittedOn: string;
      };
      /** Share of the calendar year the figure covers; annual settings are scaled by it. */
      readonly yearShare: number;
      readonly reason: null;
    })
  | { readonly value: null; readonly reason: string };

/** Plant settings R1 cannot do without, in the order the reason names them. */
const REQUIRED_R1_SETTINGS: ReadonlyArray<keyof R1Settings> = [
  'wasteNcvGJPerT',
  'importedEnergyGJPerYear',
  'heatingDegreeDays',
  'permittedOn',
];

/**
 * R1 of the period from its metered energies (gross electricity generated,
 * heat exported as heat for commercial use, waste fed at the configured net
 * calorific value) and the plant's annual settings, scaled by `yearShare`
 * for a year not yet over; `value: null` with the reason when an input is
 * missing or the period fed no waste.
 */
export function reportR1(
  totals: R1Totals,
  settings: R1Settings | undefined,
  year: number,
  yearShare: number,
): ReportR1 {
  const missing = REQUIRED_R1_SETTINGS.filter((key) => settings?.[key] === undefined);
  if (missing.length > 0 || settings === undefined)
    return {
      value: null,
      reason: `missing plant setting${missing.length > 1 ? 's' : ''} r1.${missing.join(', r1.')} (docs/report.md)`,
    };
  if (!(totals.fed_t > 0)) return { value: null, reason: 'no waste was fed in the period (fed_t is 0)' };
  const inputs = {
    electricityProducedGJ: totals.electricity_generated_mwh * MWH_TO_GJ,
    heatCommercialGJ: totals.heat_exported_mwh * MWH_TO_GJ,
    wasteEnergyGJ: totals.fed_t * (settings.wasteNcvGJPerT as number),
    importedGJ: (settings.importedEnergyGJPerYear as number) * yearShare,
    fuelInputGJ: (settings.auxiliaryFuelGJPerYear ?? 0) * yearShare,
    heatingDegreeDays: settings.heatingDegreeDays as number,
    permittedOn: settings.permittedOn as string,
  };
  const result = r1EnergyEfficiency({
    ...inputs,
    ...(settings.inOperationSince === undefined ? {} : { inOperationSince: settings.inOperationSince }),
    calculationYear: year,
  });
  return { ...result, value: result.r1, inputs, yearShare, reason: null };
}

/** Alerts opened in [from, to), counted by type (every type present, 0 when none). */
export function alertCountsOf(
  alerts: readonly Pick<Alert, 'type' | 'openedAt'>[],
  from: number,
  to: number,
): Record<AlertType, number> {
  const counts = Object.fromEntries(ALERT_TYPES.map((type) => [type, 0])) as Record<AlertType, number>;
  for (const alert of alerts) if (alert.openedAt >= from && alert.openedAt < to) counts[alert.type] += 1;
  return counts;
}
