import { describe, expect, it } from 'vitest';
import type { KpiSource } from '../../lambdas/app/kpi-query.ts';
import { DEFAULT_PLANT_SETTINGS, type PlantConfig } from '../../lambdas/domain/plant.ts';
import type { StoredMovement, StoredReading } from '../../lambdas/domain/ports.ts';
import {
  escapeHtml,
  KPI_WIDGET_DESCRIPTION,
  MAX_WIDGET_DAYS,
  makeKpiWidgetHandler,
  rangeOf,
} from '../../lambdas/handlers/kpi-widget.ts';
import { FixedClock } from '../support/memory-ports.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Plant-local (Asia/Almaty) midnights of 2026-11-22 and -23; "now" is the 24th at 06:00. */
const DAY1 = Date.parse('2026-11-22T00:00:00+05:00');
const DAY2 = DAY1 + DAY;
const NOW = DAY2 + DAY + 6 * HOUR;

const plant = (plantId: string, name = plantId): PlantConfig => ({
  ...DEFAULT_PLANT_SETTINGS,
  plantId,
  name,
});

const movement = (
  ticketId: string,
  ts: number,
  direction: 'in' | 'out',
  netTonnes: number,
  landfill = false,
) =>
  ({
    plantId: 'kz-ast-01',
    ticketId,
    ts,
    direction,
    netTonnes,
    material: direction === 'in' ? 'mixed_waste' : 'bottom_ash',
    ...(direction === 'out' ? { destination: landfill ? 'landfill' : 'recycling' } : {}),
    correction: false,
    version: 1,
  }) as StoredMovement;

const counter = (metric: 'electricity_exported' | 'waste_fed', ts: number, value: number): StoredReading => ({
  plantId: 'kz-ast-01',
  line: metric === 'waste_fed' ? 'boiler-1' : 'turbine',
  metric,
  kind: 'counter',
  ts,
  value,
  unit: metric === 'waste_fed' ? 't' : 'MWh',
  quality: 'GOOD',
  correction: false,
  version: 1,
});

/** Day 1: 100 t in, 70 t to landfill (30 %, below target); day 2: 100 t in, 10 t to landfill, 20 t recycled. */
const MOVEMENTS = [
  movement('IN-1', DAY1 + 9 * HOUR, 'in', 100),
  movement('OUT-1', DAY1 + 15 * HOUR, 'out', 70, true),
  movement('IN-2', DAY2 + 9 * HOUR, 'in', 100),
  movement('OUT-2', DAY2 + 15 * HOUR, 'out', 10, true),
  movement('OUT-3', DAY2 + 16 * HOUR, 'out', 20),
];
/** 55 MWh exported for 100 t fed each day. */
const READINGS = [
  counter('electricity_exported', DAY1 - HOUR, 1000),
  counter('electricity_exported', DAY1 + 12 * HOUR, 1055),
  counter('electricity_exported', DAY2 + 12 * HOUR, 1110),
  counter('waste_fed', DAY1 - HOUR, 5000),
  counter('waste_fed', DAY1 + 12 * HOUR, 5100),
  counter('waste_fed', DAY2 + 12 * HOUR, 5200),
];

const source = (failing: ReadonlySet<string> = new Set()): KpiSource => ({
  readReadings: async ({ plantId, metric, from, to }) => {
    if (failing.has(plantId)) throw new Error('throttled');
    return READINGS.filter((r) => r.plantId === plantId && r.metric === metric && r.ts >= from && r.ts < to);
  },
  readLastBefore: async (plantId, metric, before) => {
    const earlier = READINGS.filter((r) => r.plantId === plantId && r.metric === metric && r.ts < before);
    return earlier.slice(-1);
  },
  readMovements: async (plantId, from, to) =>
    MOVEMENTS.filter((m) => m.plantId === plantId && m.ts >= from && m.ts < to),
});

const widgetEvent = (start: number, end: number) => ({ widgetContext: { timeRange: { start, end } } });

describe('the plant KPI widget of the CloudWatch dashboard', () => {
  it('shows each plant over the plant-local days of the dashboard range, diversion below target in red', async () => {
    const handler = makeKpiWidgetHandler({
      plants: { listPlants: async () => [plant('kz-ast-01', 'Astana <WtE>')] },
      metrics: source(),
      clock: new FixedClock(NOW),
    });
    const html = await handler(widgetEvent(DAY1 + HOUR, DAY2 + 23 * HOUR));
    expect(typeof html).toBe('string');
    const row = String(html).split('<tbody>')[1] ?? '';
    const cells = [...row.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(0, 4)).toEqual(['Astana &lt;WtE&gt; (kz-ast-01)', '200', '80', '20']);
    // 1 - 80/200 = 60 % over the range; the last complete day (the 23rd) 90 %.
    expect(cells[4]).toBe('<span style="">60.0 %</span> (40.0 %)');
    expect(cells[5]).toBe('<span style="">90.0 %</span> on 2026-11-23');
    expect(cells[6]).toBe('0.550');
    expect(cells[7]).toMatch(/^<svg .*<polyline .*<\/svg>$/);
  });

  it('marks a range whose diversion is below target', async () => {
    const handler = makeKpiWidgetHandler({
      plants: { listPlants: async () => [plant('kz-ast-01')] },
      metrics: source(),
      clock: new FixedClock(NOW),
    });
    const html = String(await handler(widgetEvent(DAY1, DAY1 + DAY)));
    expect(html).toContain('<span style="color:#d13212;font-weight:bold">30.0 %</span> (40.0 %)');
  });

  it('shows a plant whose data cannot be read as unavailable, and the others', async () => {
    const warnings: string[] = [];
    const handler = makeKpiWidgetHandler({
      plants: { listPlants: async () => [plant('kz-ast-01'), plant('kz-ala-01')] },
      metrics: source(new Set(['kz-ala-01'])),
      clock: new FixedClock(NOW),
      log: (_level, message, fields) => warnings.push(`${message} ${fields.plantId}`),
    });
    const html = String(await handler(widgetEvent(DAY1, DAY2 + DAY)));
    expect(html.indexOf('kz-ala-01')).toBeLessThan(html.indexOf('kz-ast-01'));
    expect(html).toContain('<td>kz-ala-01</td><td colspan="7">unavailable (see the function log)</td>');
    expect(html).toContain('<td>kz-ast-01</td><td>200</td>');
    expect(html).not.toContain('throttled');
    expect(warnings).toEqual(['plant KPIs unavailable for the dashboard widget kz-ala-01']);
  });

  it('says so when no plant is registered', async () => {
    const handler = makeKpiWidgetHandler({
      plants: { listPlants: async () => [] },
      metrics: source(),
      clock: new FixedClock(NOW),
    });
    expect(String(await handler(widgetEvent(DAY1, DAY2)))).toContain('No plant is registered yet');
  });

  it('answers CloudWatch’s describe request with its documentation', async () => {
    const handler = makeKpiWidgetHandler({
      plants: { listPlants: async () => [] },
      metrics: source(),
      clock: new FixedClock(NOW),
    });
    expect(await handler({ describe: true })).toEqual({ markdown: KPI_WIDGET_DESCRIPTION });
  });

  it('takes the zoom over the range, keeps the end of a long range, and defaults to the last week', () => {
    expect(
      rangeOf(
        { widgetContext: { timeRange: { start: 0, end: DAY2, zoom: { start: DAY1, end: DAY2 } } } },
        NOW,
      ),
    ).toEqual({ from: DAY1, to: DAY2 });
    expect(rangeOf(widgetEvent(0, NOW), NOW)).toEqual({ from: NOW - MAX_WIDGET_DAYS * DAY, to: NOW });
    expect(rangeOf({}, NOW)).toEqual({ from: NOW - 7 * DAY, to: NOW });
    expect(rangeOf(widgetEvent(NOW, DAY1), NOW)).toEqual({ from: NOW - 7 * DAY, to: NOW });
    expect(rangeOf({ widgetContext: { timeRange: { start: '1', end: 'x' } } }, NOW)).toEqual({
      from: NOW - 7 * DAY,
      to: NOW,
    });
  });

  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<b a="1" b='2'>&</b>`)).toBe('&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;&lt;/b&gt;');
  });
});
