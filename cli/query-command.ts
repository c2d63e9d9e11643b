/**
 * `wte query kpis|series`: read KPIs and metric series from the HTTP API
 * (contract sections 3 and 4) of local mode or a deployed stack, following
 * every cursor page, as an aligned table, CSV or JSON.
 */
import { isMetricName } from '../lambdas/domain/catalog.ts';
import type { Clock } from '../lambdas/domain/ports.ts';
import { ApiProblemError, ApiRequestError, type JsonObject, type QueryParams } from './api-client.ts';
import { type CliIo, UsageError } from './io.ts';

/** Options for `parseArgs` (with `allowPositionals: true, strict: true`). */
export const QUERY_OPTIONS = {
  plant: { type: 'string' },
  metric: { type: 'string' },
  line: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  interval: { type: 'string' },
  agg: { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  target: { type: 'string' },
  region: { type: 'string' },
  sigv4: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export const QUERY_USAGE = `Usage: wte query kpis --plant PLANT_ID --from TIME [--to TIME] --interval 1h|1d|1mo|1y [--format table|json|csv]
       wte query series --plant PLANT_ID --metric METRIC [--line LINE] --from TIME [--to TIME]
                        --interval INTERVAL (such as 1m, 5m, 15m, 1h, 1d) [--agg avg|min|max|last]
                        [--format table|json|csv]
Series pool every line of the metric unless --line names one (boiler-1).
TIME: RFC 3339 with offset (2026-11-24T00:00:00+05:00), \`now\`, or relative to now: now-7d, now-24h,
now-30m (units s, m = minutes, h, d, w, and calendar mo, y in UTC: --from=-1y for a year); the short
form needs an equals sign: --from=-7d. --to defaults to now. --json is short for --format json. Every cursor page is fetched; table and csv print the points,
json the whole merged answer. Exit codes: 0 ok, 1 the API refused or could not be reached, 2 usage.
Target: --target URL (or WTE_API_URL; default http://127.0.0.1:8787, local mode). https URLs on
*.amazonaws.com (API Gateway) are signed with SigV4 using the default AWS credential chain; --sigv4
signs any target (e.g. a custom domain), with --region or AWS_REGION.`;

export type QueryFormat = 'table' | 'json' | 'csv';
const FORMATS: readonly QueryFormat[] = ['table', 'json', 'csv'];
/** Plant-local hours, days, calendar months and years (months and years are sums of their days). */
const KPI_INTERVALS = ['1h', '1d', '1mo', '1y'];
const AGGS = ['avg', 'min', 'max', 'last'];
const PLANT_ID = /^[a-z0-9-]{1,64}$/;

export interface QueryArgs {
  /** `[kpis|series]`; anything after the first is an error. */
  readonly positionals: readonly string[];
  readonly plant?: string | undefined;
  readonly metric?: string | undefined;
  readonly line?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly interval?: string | undefined;
  readonly agg?: string | undefined;
  readonly format?: string | undefined;
  readonly json?: boolean | undefined;
}

/** What the command needs of `ApiClient`. */
export interface QueryClient {
  readonly target?: string;
  get(path: string, query?: QueryParams): Promise<JsonObject>;
}

// ---------------------------------------------------------------------------
// Time arguments

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const RELATIVE = /^(?:now)?([+-])(\d{1,9})(mo|[smhdwy])$/;

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** `ms` moved by whole UTC calendar months, the day of month clamped to the month's last (Mar 31 - 1mo = Feb 28). */
function addCalendarMonths(ms: number, months: number): number {
  const at = new Date(ms);
  const target = at.getUTCFullYear() * 12 + at.getUTCMonth() + months;
  if (!Number.isSafeInteger(target) || Math.abs(target) > 3_000_000) return Number.NaN;
  const [year, month] = [Math.floor(target / 12), ((target % 12) + 12) % 12];
  const timeOfDay = ms - Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return Date.UTC(year, month, Math.min(at.getUTCDate(), daysInMonth(year, month + 1))) + timeOfDay;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A `--from`/`--to` value as RFC 3339 and epoch ms. RFC 3339 text is passed
 * on as given (after checking it is a real instant); `now` and relative forms
 * (`-7d`, `now-24h`, `+30m`; units s, m, h, d, w, and calendar months `mo`
 * and years `y` in UTC) are counted from `nowMs`,
 * whole seconds, and written in UTC.
 */
export function parseTimeArg(text: string, nowMs: number, flag = '--from'): { text: string; ms: number } {
  const value = text.trim();
  const now = Math.floor(nowMs / 1000) * 1000;
  if (value.toLowerCase() === 'now') return { text: isoSeconds(now), ms: now };
  const relative = RELATIVE.exec(value.toLowerCase());
  if (relative) {
    const [, sign, amount, unit] = relative;
    const steps = (sign === '-' ? -1 : 1) * Number(amount);
    const ms =
      unit === 'mo' || unit === 'y'
        ? addCalendarMonths(now, unit === 'y' ? steps * 12 : steps)
        : now + steps * (UNIT_MS[unit ?? 's'] ?? 1000);
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15)
      throw new UsageError(`${flag} ${JSON.stringify(text)} is out of range`);
    return { text: isoSeconds(ms), ms };
  }
  const m = RFC3339.exec(value);
  if (m) {
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const offsetOk = m[8] !== undefined || (Number(m[10]) <= 23 && Number(m[11]) <= 59);
    if (
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysInMonth(year, month) &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 59 &&
      offsetOk
    ) {
      const ms = Date.parse(value.toUpperCase());
      if (!Number.isNaN(ms)) return { text: value, ms };
    }
  }
  throw new UsageError(
    `${flag} ${JSON.stringify(text)} is not a time: use RFC 3339 with an offset (2026-11-24T00:00:00+05:00), now, or now-7d, now-24h, now-30m, now-1y`,
  );
}

// ---------------------------------------------------------------------------
// Formatting

type Align = 'left' | 'right';
interface Column {
  readonly key: string;
  readonly header: string;
  readonly align: Align;
  readonly cell: (value: unknown) => string;
}

/** Fixed decimals; `-` for null or missing; never `-0.0`. */
export function fixed(value: unknown, decimals: number): string {
  if (value === null || value === undefined) return '-';
  if (typeof value !== 'number') return text(value);
  const out = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(out) ? out.slice(1) : out;
}

/** A fraction as a percentage with one decimal: 0.3512 -> `35.1%`. */
export function percent(value: unknown): string {
  if (typeof value !== 'number') return fixed(value, 1);
  return `${fixed(value * 100, 1)}%`;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '-';
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  let out = '';
  for (const ch of s) out += (ch.codePointAt(0) ?? 0) < 0x20 ? ' ' : ch;
  return out;
}

function timestamp(value: unknown): string {
  return typeof value === 'number' ? new Date(value).toISOString() : text(value);
}

/** Columns of the KPI table, in contract order. */
const KPI_COLUMNS: readonly Column[] = [
  { key: 'start', header: 'start', align: 'left', cell: timestamp },
  { key: 'end', header: 'end', align: 'left', cell: timestamp },
  { key: 'received_t', header: 'received_t', align: 'right', cell: (v) => fixed(v, 1) },
  { key: 'landfilled_t', header: 'landfilled_t', align: 'right', cell: (v) => fixed(v, 1) },
  { key: 'recycled_t', header: 'recycled_t', align: 'right', cell: (v) => fixed(v, 1) },
  { key: 'fed_t', header: 'fed_t', align: 'right', cell: (v) => fixed(v, 1) },
  { key: 'electricity_generated_mwh', header: 'gen_mwh', align: 'right', cell: (v) => fixed(v, 2) },
  { key: 'electricity_exported_mwh', header: 'export_mwh', align: 'right', cell: (v) => fixed(v, 2) },
  { key: 'heat_exported_mwh', header: 'heat_mwh', align: 'right', cell: (v) => fixed(v, 2) },
  { key: 'diversion_rate', header: 'diversion', align: 'right', cell: percent },
  { key: 'recycling_rate', header: 'recycling', align: 'right', cell: percent },
  { key: 'net_mwh_per_t', header: 'mwh_per_t', align: 'right', cell: (v) => fixed(v, 3) },
  { key: 'mass_balance_gap', header: 'mass_gap', align: 'right', cell: percent },
  {
    key: 'complete',
    header: 'complete',
    align: 'left',
    cell: (v) => (v === true ? 'yes' : v === false ? 'no' : text(v)),
  },
];

/** Field order of a KPI point in CSV (the contract's names). */
export const KPI_FIELDS: readonly string[] = KPI_COLUMNS.map((c) => c.key);

/** Columns padded to their widest cell, two spaces apart, numbers right-aligned. */
export function alignTable(header: readonly string[], rows: readonly string[][], align: readonly Align[]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (align[i] === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function table(columns: readonly Column[], points: readonly JsonObject[]): string {
  return alignTable(
    columns.map((c) => c.header),
    points.map((p) => columns.map((c) => c.cell(p[c.key]))),
    columns.map((c) => c.align),
  );
}

/** One CSV field per RFC 4180: quoted when it holds a comma, quote or line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(fields: readonly string[], points: readonly JsonObject[]): string {
  return [fields.join(','), ...points.map((p) => fields.map((f) => csvField(p[f])).join(','))].join('\n');
}

/** Fewest decimals (at most 3) that show every value of a series exactly to 3 decimals. */
function seriesDecimals(values: readonly unknown[]): number {
  let decimals = 0;
  for (const v of values) {
    if (typeof v !== 'number') continue;
    while (decimals < 3 && Number(v.toFixed(decimals)) !== Number(v.toFixed(3))) decimals += 1;
  }
  return decimals;
}

// ---------------------------------------------------------------------------
// The command

function pointsOf(body: JsonObject, target: string | undefined): JsonObject[] {
  if (!Array.isArray(body.points))
    throw new ApiRequestError(`${target ?? 'the API'} answered without a points list`);
  return body.points.map((p) => (typeof p === 'object' && p !== null && !Array.isArray(p) ? p : {}));
}

function formatOf(args: QueryArgs): QueryFormat {
  if (args.json && args.format !== undefined && args.format !== 'json')
    throw new UsageError(`--json contradicts --format ${args.format}`);
  const format = args.json ? 'json' : (args.format ?? 'table');
  if (!FORMATS.includes(format as QueryFormat))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  return format as QueryFormat;
}

interface Request {
  readonly resource: 'kpis' | 'series';
  readonly path: string;
  readonly query: QueryParams;
  readonly format: QueryFormat;
}

function requestOf(args: QueryArgs, clock: Clock): Request {
  const [resource, ...extra] = args.positionals;
  if (resource !== 'kpis' && resource !== 'series')
    throw new UsageError(
      resource === undefined
        ? 'say what to query: wte query kpis|series'
        : `unknown query ${JSON.stringify(resource)}: kpis or series`,
    );
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const format = formatOf(args);
  if (!args.plant) throw new UsageError('--plant PLANT_ID is required');
  if (!PLANT_ID.test(args.plant))
    throw new UsageError(`--plant ${JSON.stringify(args.plant)} is not a plant id (1 to 64 of a-z, 0-9, -)`);
  if (!args.from) throw new UsageError('--from TIME is required (for example --from now-7d)');
  if (!args.interval)
    throw new UsageError(`--interval is required${resource === 'kpis' ? ': 1h, 1d, 1mo or 1y' : ''}`);
  const now = clock.now();
  const from = parseTimeArg(args.from, now, '--from');
  const to = parseTimeArg(args.to ?? 'now', now, '--to');
  if (from.ms >= to.ms) throw new UsageError(`--from ${from.text} is not before --to ${to.text}`);
  const path = `/v1/plants/${encodeURIComponent(args.plant)}/${resource}`;
  if (resource === 'kpis') {
    if (!KPI_INTERVALS.includes(args.interval))
      throw new UsageError(
        `--interval for kpis must be 1h, 1d, 1mo or 1y, not ${JSON.stringify(args.interval)}`,
      );
    if (args.metric !== undefined) throw new UsageError('--metric applies to series only');
    if (args.agg !== undefined) throw new UsageError('--agg applies to series only');
    if (args.line !== undefined) throw new UsageError('--line applies to series only');
    return { resource, path, format, query: { from: from.text, to: to.text, interval: args.interval } };
  }
  if (!args.metric) throw new UsageError('--metric METRIC is required for series (`wte catalog` lists them)');
  if (!isMetricName(args.metric))
    throw new UsageError(`unknown metric ${JSON.stringify(args.metric)}: \`wte catalog\` lists them`);
  if (args.agg !== undefined && !AGGS.includes(args.agg))
    throw new UsageError(`--agg must be one of ${AGGS.join(', ')}`);
  return {
    resource,
    path,
    format,
    query: {
      metric: args.metric,
      line: args.line,
      from: from.text,
      to: to.text,
      interval: args.interval,
      agg: args.agg,
    },
  };
}

function render(request: Request, body: JsonObject, target: string | undefined): string {
  if (request.format === 'json') return JSON.stringify(body, null, 2);
  const points = pointsOf(body, target);
  if (request.resource === 'kpis')
    return request.format === 'csv' ? toCsv(KPI_FIELDS, points) : table(KPI_COLUMNS, points);
  if (request.format === 'csv') return toCsv(['ts', 'value'], points);
  const decimals = seriesDecimals(points.map((p) => p.value));
  const unit = typeof body.unit === 'string' && body.unit ? ` (${text(body.unit)})` : '';
  return table(
    [
      { key: 'ts', header: 'ts', align: 'left', cell: timestamp },
      {
        key: 'value',
        header: `${text(body.metric ?? 'value')}${unit}`,
        align: 'right',
        cell: (v) => fixed(v, decimals),
      },
    ],
    points,
  );
}

/** Why hourly ratio cells are `-`: the API answers those ratios per day only (docs/kpis.md). */
export const HOURLY_RATIOS_NOTE = 'diversion, recycling and mass_gap are answered for days only';

function summary(request: Request, body: JsonObject): string {
  const count = Array.isArray(body.points) ? body.points.length : 0;
  const facts =
    request.resource === 'kpis'
      ? [`interval ${text(body.interval)}`, `time zone ${text(body.timezone)}`, `policy ${text(body.policy)}`]
      : [`metric ${text(body.metric)}`, `unit ${text(body.unit)}`];
  const note = request.resource === 'kpis' && body.interval === '1h' ? `; ${HOURLY_RATIOS_NOTE}` : '';
  return `${count} point${count === 1 ? '' : 's'} for ${text(body.plantId)}, ${facts.join(', ')}${note}`;
}

/**
 * Runs a query. Exit codes: 0 ok, 1 the API refused (problem details) or
 * could not be reached, 2 usage (message and usage on stderr). Table output
 * adds a summary line (count, time zone, policy; for hours, why the ratio
 * cells are `-`) on stderr.
 */
export async function queryCommand(
  io: CliIo,
  client: QueryClient,
  args: QueryArgs,
  clock: Clock,
): Promise<number> {
  let request: Request;
  try {
    request = requestOf(args, clock);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`wte: ${error.message}\n${QUERY_USAGE}`);
    return 2;
  }
  try {
    const body = await client.get(request.path, request.query);
    io.out(render(request, body, client.target));
    if (request.format === 'table') io.err(summary(request, body));
    return 0;
  } catch (error) {
    if (error instanceof ApiProblemError || error instanceof ApiRequestError) {
      io.err(`wte: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
