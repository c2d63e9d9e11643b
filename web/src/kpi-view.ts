/**
 * The selected plant's charts and totals over the range: daily diversion
 * against target, tonnes, net MWh per tonne (days without data are gaps,
 * partial days shaded, gaps.ts), and the furnace temperature against its
 * minimum (a break wherever buckets are missing). Axes do not exaggerate:
 * rates 0 to 100 %, tonnes from zero, net MWh/t at least 0.1 wide,
 * temperature at least 100 degC wide.
 */

import { SERIES_INTERVAL_MS, type SeriesInterval } from '../../lambdas/domain/series.ts';
import type { KpiPoint, Plant, SeriesPoint } from './api.ts';
import { Chart } from './charts.ts';
import { breakGaps, type DayMark, dayMarks, hasData } from './gaps.ts';

export const MIN_SPAN = { netMwhPerT: 0.1, temperatureC: 100 } as const;

const COLORS = {
  diversion: '#1b7f4b',
  target: '#c0392b',
  received: '#2563eb',
  landfilled: '#8a5a2b',
  recycled: '#16a34a',
  energy: '#7c3aed',
  coldest: '#ea580c',
  average: '#64748b',
};

const number = (digits: number) =>
  new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const tonnes = number(0);
export const oneDecimal = number(1);
export const threeDecimals = number(3);
export const percent = (rate: number) => `${oneDecimal.format(rate * 100)} %`;

const seconds = (iso: string) => Date.parse(iso) / 1000;
const HALF_DAY_S = 43_200;

export interface Tiles {
  readonly received: HTMLElement;
  readonly diversion: HTMLElement;
  readonly energy: HTMLElement;
}

export class KpiView {
  private readonly charts: Record<'diversion' | 'tonnes' | 'energy' | 'temperature', Chart>;

  constructor(
    figures: Record<'diversion' | 'tonnes' | 'energy' | 'temperature', HTMLElement>,
    private readonly tiles: Tiles,
  ) {
    this.charts = {
      diversion: new Chart(figures.diversion),
      tonnes: new Chart(figures.tonnes),
      energy: new Chart(figures.energy),
      temperature: new Chart(figures.temperature),
    };
  }

  /** Daily charts and totals; `hours` (when the range allows them) find days with hours missing. */
  renderDays(
    plant: Plant,
    days: readonly KpiPoint[],
    hours: readonly KpiPoint[] | undefined,
    from: number,
    to: number,
  ) {
    const marks = dayMarks(days, hours);
    const x = days.map((p) => seconds(p.start));
    const lastStart = x.at(-1) ?? from / 1000;
    // Daily points sit on their day's midnight tick, half a day of room either side.
    const xRange = [
      from / 1000 - HALF_DAY_S,
      Math.max(lastStart, to / 1000 - 2 * HALF_DAY_S) + HALF_DAY_S,
    ] as const;
    const withData = days.map(hasData);
    const daily = (read: (p: KpiPoint) => number | null) =>
      days.map((p, i) => (withData[i] ? read(p) : null));
    const note = marksNote(marks, plant.timeZone);
    const common = { x, xRange, daily: true, timeZone: plant.timeZone, marks, ...(note ? { note } : {}) };
    const target = plant.diversionTarget;
    this.charts.diversion.render({
      ...common,
      yLabel: '%',
      yRange: [0, 100],
      format: (v) => oneDecimal.format(v),
      note: [`target ${percent(target)}`, note].filter(Boolean).join(' · '),
      threshold: { value: target * 100, label: `target ${percent(target)}`, color: COLORS.target },
      series: [
        {
          label: 'diversion %',
          color: COLORS.diversion,
          points: true,
          values: daily((p) => (p.diversion_rate === null ? null : p.diversion_rate * 100)),
        },
      ],
    });
    this.charts.tonnes.render({
      ...common,
      yLabel: 't',
      robust: false,
      zeroBased: true,
      format: (v) => tonnes.format(v),
      series: [
        { label: 'received t', color: COLORS.received, points: true, values: daily((p) => p.received_t) },
        {
          label: 'landfilled t',
          color: COLORS.landfilled,
          points: true,
          values: daily((p) => p.landfilled_t),
        },
        { label: 'recycled t', color: COLORS.recycled, points: true, values: daily((p) => p.recycled_t) },
      ],
    });
    this.charts.energy.render({
      ...common,
      yLabel: 'MWh/t',
      minSpan: MIN_SPAN.netMwhPerT,
      format: (v) => threeDecimals.format(v),
      series: [
        { label: 'net MWh/t', color: COLORS.energy, points: true, values: daily((p) => p.net_mwh_per_t) },
      ],
    });
    this.renderTotals(plant, days);
  }

  renderTemperature(
    plant: Plant,
    coldest: readonly SeriesPoint[],
    average: readonly SeriesPoint[],
    from: number,
    to: number,
    interval: SeriesInterval,
  ): void {
    const byTs = new Map<number, { min: number | null; avg: number | null }>();
    for (const p of coldest) byTs.set(seconds(p.ts), { min: p.value, avg: null });
    for (const p of average) {
      const ts = seconds(p.ts);
      byTs.set(ts, { min: byTs.get(ts)?.min ?? null, avg: p.value });
    }
    const buckets = [...byTs.keys()].sort((a, b) => a - b);
    const broken = breakGaps(
      buckets,
      [buckets.map((t) => byTs.get(t)?.min ?? null), buckets.map((t) => byTs.get(t)?.avg ?? null)],
      SERIES_INTERVAL_MS[interval] / 1000,
    );
    const minimum = plant.combustionMinTempC;
    this.charts.temperature.render({
      x: broken.x,
      gaps: broken.gaps,
      xRange: [from / 1000, to / 1000],
      timeZone: plant.timeZone,
      yLabel: '°C',
      minSpan: MIN_SPAN.temperatureC,
      note: [
        `per ${interval}, minimum ${minimum} °C`,
        broken.gaps > 0 ? `${broken.gaps} gap${broken.gaps === 1 ? '' : 's'} without data` : '',
      ]
        .filter(Boolean)
        .join(' · '),
      format: (v) => tonnes.format(v),
      threshold: { value: minimum, label: `${minimum} °C`, color: COLORS.target },
      series: [
        { label: 'coldest line °C', color: COLORS.coldest, values: broken.series[0] ?? [] },
        { label: 'average °C', color: COLORS.average, dash: [4, 3], values: broken.series[1] ?? [] },
      ],
    });
  }

  private renderTotals(plant: Plant, points: readonly KpiPoint[]): void {
    const sum = (key: 'received_t' | 'landfilled_t' | 'fed_t' | 'electricity_exported_mwh') =>
      points.reduce((total, p) => total + p[key], 0);
    const received = sum('received_t');
    const fed = sum('fed_t');
    const diversion = received > 0 ? 1 - sum('landfilled_t') / received : null;
    this.tiles.received.textContent = points.some(hasData) ? `${tonnes.format(received)} t` : 'no data';
    this.tiles.diversion.textContent = diversion === null ? '–' : percent(diversion);
    this.tiles.diversion.dataset.below = String(diversion !== null && diversion < plant.diversionTarget);
    this.tiles.energy.textContent =
      fed > 0 ? threeDecimals.format(sum('electricity_exported_mwh') / fed) : '–';
  }
}

/** "partial: 2 Dec (14 of 24 h with data), 6 Dec (so far) · no data: 4 Dec" */
function marksNote(marks: readonly DayMark[], timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' });
  const partial = marks
    .filter((m) => m.state === 'partial')
    .map((m) => `${day.format(m.start)} (${m.reason})`);
  const none = marks.filter((m) => m.state === 'none').map((m) => day.format(m.start));
  return [
    partial.length > 0 ? `partial: ${partial.join(', ')}` : '',
    none.length > 0 ? `no data: ${none.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}
