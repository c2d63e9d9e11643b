/**
 * Plant KPIs on the CloudWatch dashboard. KPIs are computed from Timestream
 * (docs/contract.md section 3), which CloudWatch cannot query, so the dashboard
 * shows them through a custom widget: CloudWatch calls this function with
 * the dashboard's time range (`widgetContext.timeRange`, zoom included) and
 * shows the HTML it returns. One row per registered plant: tonnes received,
 * landfilled and recycled over the plant-local days of the range, diversion
 * against the plant's target (red below it), the last complete day, net MWh
 * per tonne, and a sparkline of daily diversion with the target dashed.
 *
 * Cost and latency stay bounded: at most `MAX_WIDGET_DAYS` days (the end
 * of the range kept) and `MAX_WIDGET_PLANTS` plants, a few plants at a
 * time; a plant whose data cannot be read shows as unavailable rather than
 * failing the widget. Every text from the store is HTML-escaped.
 */
import { mapLimited } from '../adapters/map-limited.ts';
import { type KpiSource, loadKpisOfInterval } from '../app/kpi-query.ts';
import { readsWithin } from '../app/reads-within.ts';
import { errorName } from '../domain/error-name.ts';
import { type KpiPoint, kpiBuckets } from '../domain/kpis.ts';
import type { PlantConfig } from '../domain/plant.ts';
import type { Clock, StateStore } from '../domain/ports.ts';
import { DAY_MS, localDate } from '../domain/time.ts';
import { type InvocationContext, invocationCalls } from './invocation-deadline.ts';

export const MAX_WIDGET_DAYS = 31;
export const DEFAULT_WIDGET_DAYS = 7;
export const MAX_WIDGET_PLANTS = 25;
const CONCURRENCY = 4;

export interface KpiWidgetDeps {
  readonly plants: Pick<StateStore, 'listPlants'>;
  readonly metrics: KpiSource;
  readonly clock: Clock;
  readonly log?: (level: 'warn', message: string, fields: Record<string, unknown>) => void;
}

/** What CloudWatch sends a custom widget (the parts used here). */
export interface KpiWidgetEvent {
  /** CloudWatch asks for the widget's documentation with `describe: true`. */
  readonly describe?: boolean;
  readonly widgetContext?: {
    readonly timeRange?: {
      readonly start?: unknown;
      readonly end?: unknown;
      readonly zoom?: { readonly start?: unknown; readonly end?: unknown };
    };
  };
}

export const KPI_WIDGET_DESCRIPTION = [
  '## Plant KPIs',
  'Daily KPIs of every registered plant over the dashboard time range (plant-local days, at most',
  `${MAX_WIDGET_DAYS} days and ${MAX_WIDGET_PLANTS} plants), computed like \`GET /v1/plants/{plantId}/kpis\`.`,
].join('\n');

interface PlantRow {
  readonly plant: PlantConfig;
  readonly points?: readonly KpiPoint[];
}

export function makeKpiWidgetHandler(deps: KpiWidgetDeps) {
  return async (
    event: KpiWidgetEvent = {},
    context?: InvocationContext,
  ): Promise<string | { markdown: string }> => {
    if (event.describe === true) return { markdown: KPI_WIDGET_DESCRIPTION };
    const metrics = readsWithin(deps.metrics, invocationCalls(deps.clock, context));
    const now = deps.clock.now();
    const { from, to } = rangeOf(event, now);
    const plants = [...(await deps.plants.listPlants())]
      .sort((a, b) => (a.plantId < b.plantId ? -1 : a.plantId > b.plantId ? 1 : 0))
      .slice(0, MAX_WIDGET_PLANTS);
    const rows = await mapLimited(plants, CONCURRENCY, async (plant): Promise<PlantRow> => {
      try {
        // Days: the widget's ratios are daily ones, answered as the API answers them.
        const buckets = kpiBuckets('1d', plant.timeZone, from, to);
        return {
          plant,
          points: await loadKpisOfInterval(metrics, plant.plantId, '1d', plant.timeZone, buckets, now),
        };
      } catch (error) {
        deps.log?.('warn', 'plant KPIs unavailable for the dashboard widget', {
          plantId: plant.plantId,
          error: errorName(error),
        });
        return { plant };
      }
    });
    return renderWidget(rows, from, to);
  };
}

/** The widget's range: the zoom if any, else the dashboard range; the last days of it when it is long. */
export function rangeOf(event: KpiWidgetEvent, now: number): { from: number; to: number } {
  const range = event.widgetContext?.timeRange;
  const zoomed = epochPair(range?.zoom?.start, range?.zoom?.end);
  const chosen = zoomed ?? epochPair(range?.start, range?.end);
  const to = chosen?.to ?? now;
  const from = chosen?.from ?? to - DEFAULT_WIDGET_DAYS * DAY_MS;
  return { from: Math.max(from, to - MAX_WIDGET_DAYS * DAY_MS), to };
}

function epochPair(start: unknown, end: unknown): { from: number; to: number } | undefined {
  const valid = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  return valid(start) && valid(end) && end > start ? { from: start, to: end } : undefined;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const tonnes = (t: number) => Math.round(t).toLocaleString('en-GB');
const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const BELOW = 'color:#d13212;font-weight:bold';

function renderWidget(rows: readonly PlantRow[], from: number, to: number): string {
  const head = [
    'Plant',
    'Received t',
    'Landfilled t',
    'Recycled t',
    'Diversion (target)',
    'Last complete day',
    'Net MWh/t',
    'Daily diversion',
  ]
    .map((h) => `<th>${h}</th>`)
    .join('');
  const body = rows.map(renderRow).join('');
  const empty =
    rows.length === 0 ? '<p>No plant is registered yet: plants register with their first data.</p>' : '';
  const range = `${new Date(from).toISOString().slice(0, 16)}Z to ${new Date(to).toISOString().slice(0, 16)}Z`;
  return (
    `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${empty}` +
    `<p><small>Plant-local days touching ${range}; policy diversion.gross.v1; GOOD data only.</small></p>`
  );
}

function renderRow({ plant, points }: PlantRow): string {
  const name = escapeHtml(plant.name === plant.plantId ? plant.plantId : `${plant.name} (${plant.plantId})`);
  if (points === undefined)
    return `<tr><td>${name}</td><td colspan="7">unavailable (see the function log)</td></tr>`;
  const sum = (key: 'received_t' | 'landfilled_t' | 'recycled_t' | 'fed_t' | 'electricity_exported_mwh') =>
    points.reduce((total, p) => total + p[key], 0);
  const received = sum('received_t');
  const landfilled = sum('landfilled_t');
  const fed = sum('fed_t');
  const target = plant.diversionTarget;
  const diversion = received > 0 ? 1 - landfilled / received : null;
  const lastComplete = points.filter((p) => p.complete && p.diversion_rate !== null).at(-1);
  const rateCell = (rate: number | null, suffix = '') =>
    rate === null ? '–' : `<span style="${rate < target ? BELOW : ''}">${percent(rate)}</span>${suffix}`;
  const cells = [
    name,
    tonnes(received),
    tonnes(landfilled),
    tonnes(sum('recycled_t')),
    rateCell(diversion, ` (${percent(target)})`),
    lastComplete
      ? rateCell(lastComplete.diversion_rate, ` on ${localDate(lastComplete.start, plant.timeZone)}`)
      : '–',
    fed > 0 ? (sum('electricity_exported_mwh') / fed).toFixed(3) : '–',
    sparkline(points, target),
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

/** Daily diversion as a small SVG line over 0-100 %, the target dashed in red. */
function sparkline(points: readonly KpiPoint[], target: number): string {
  const width = 160;
  const height = 28;
  const x = (i: number) => (points.length <= 1 ? width / 2 : (i / (points.length - 1)) * (width - 4) + 2);
  const y = (rate: number) => (height - 2 - rate * (height - 4)).toFixed(1);
  const dots = points
    .map((p, i) => (p.diversion_rate === null ? undefined : `${x(i).toFixed(1)},${y(p.diversion_rate)}`))
    .filter((d): d is string => d !== undefined);
  const line =
    dots.length > 1
      ? `<polyline fill="none" stroke="#1d8102" stroke-width="1.5" points="${dots.join(' ')}"/>`
      : '';
  const markers = dots
    .map((d) => {
      const [cx, cy] = d.split(',');
      return `<circle cx="${cx}" cy="${cy}" r="2" fill="#1d8102"/>`;
    })
    .join('');
  const t = y(target);
  return (
    `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<line x1="0" x2="${width}" y1="${t}" y2="${t}" stroke="#d13212" stroke-dasharray="4 3"/>${line}${markers}</svg>`
  );
}
