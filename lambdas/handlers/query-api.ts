/**
 * GET /v1/plants/{plantId}/kpis and GET /v1/plants/{plantId}/series
 * (CONTRACT.md sections 3 and 4). Analysts reach them with IAM auth on AWS.
 *
 * Every parameter is checked before any store is called: a value that is not
 * exactly what the API expects (quotes, SQL, control or exotic characters,
 * oversized text, a parameter given twice, a parameter the API does not have)
 * is answered with 400 `urn:wte:problem:invalid-query`, one error per
 * parameter with its pointer (`/query/from`), and never reaches a store.
 * A plant id that cannot be a plant id is 404, like any unknown route.
 *
 * A plant without a stored configuration is answered in the default settings
 * (time zone Asia/Almaty), not 404: gateways may send data before anyone
 * registers the plant, and its data must be queryable.
 *
 * Answers hold at most `MAX_POINTS_PER_PAGE` points. A longer answer ends with
 * `nextCursor`: repeat the same query with `cursor` set to it for the next
 * page, until an answer comes without one. A cursor only continues the query
 * it came from (it carries a digest of the query); a series page never ends
 * empty-handed with a cursor, because the cursor points at the next bucket
 * that has a point. Within the range limits a KPI answer has at most 745
 * points, so KPI cursors only appear with a smaller page size; they work the
 * same way.
 *
 * Hourly KPI points answer `diversion_rate`, `recycling_rate` and
 * `mass_balance_gap` as null: those ratios of truck tonnages mean something
 * per day, not per hour (docs/kpis.md).
 *
 * Beyond the contract: series take an optional `line` (one line of the
 * metric instead of all lines pooled) and answer `interval`, `agg`,
 * `timezone` (and `line`) next to `plantId`, `metric`, `unit`, `points`.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { loadKpisOfInterval } from '../app/kpi-query.ts';
import { canonicalUnitOf, isMetricName, type MetricName } from '../domain/catalog.ts';
import { DIVERSION_POLICY, type KpiPoint, kpiBuckets } from '../domain/kpis.ts';
import type { Clock, MetricsStore, StateStore } from '../domain/ports.ts';
import type { FieldError } from '../domain/problem.ts';
import {
  aggregateSeries,
  potentialBuckets,
  SERIES_AGGREGATIONS,
  SERIES_INTERVALS,
  type SeriesAggregation,
  type SeriesBucket,
  type SeriesInterval,
  type SeriesPoint,
  seriesBuckets,
} from '../domain/series.ts';
import { targetsFor } from '../domain/targets.ts';
import { LINE_PATTERN } from '../domain/telemetry.ts';
import { DAY_MS, type KpiInterval, parseTimestamp, toIso } from '../domain/time.ts';
import { errorResponse, type HttpEvent, json } from './http.ts';
import { invalidQuery, NO_SUCH_PLANT, notFound, plantConfig, plantIdOf } from './query-request.ts';

/** Most points in one answer; more come page by page through `nextCursor`. */
export const MAX_POINTS_PER_PAGE = 1000;

/**
 * Longest KPI range per interval: a month of hours, a year (leap day
 * included) of days; months and years are read as their days, so two
 * calendar years of months and three of years (this year against the last two).
 */
export const MAX_KPI_RANGE_DAYS: Readonly<Record<KpiInterval, number>> = {
  '1h': 31,
  '1d': 366,
  '1mo': 731,
  '1y': 1096,
};

/** Most buckets a series query may span (range divided by the nominal bucket length). */
export const MAX_SERIES_BUCKETS = 100_000;

/** `from` and `to` must lie in this range (epoch ms): after it, calendar arithmetic is undefined. */
export const EARLIEST_QUERY_TIME = 0;
export const LATEST_QUERY_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const KPI_INTERVALS: readonly KpiInterval[] = ['1h', '1d', '1mo', '1y'];

export interface QueryApiDeps {
  readonly metrics: Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'>;
  readonly plants: Pick<StateStore, 'getPlant'>;
  readonly clock: Clock;
  /** Points per page. @default MAX_POINTS_PER_PAGE */
  readonly maxPointsPerPage?: number;
}

/** API Gateway REST events carry repeated parameters here; a parameter given twice is refused. */
export type QueryEvent = HttpEvent & {
  readonly multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
};

export type QueryHandler = (event: QueryEvent) => Promise<APIGatewayProxyResult>;

const KPI_PARAMETERS = ['from', 'to', 'interval', 'cursor'] as const;
const SERIES_PARAMETERS = ['metric', 'from', 'to', 'interval', 'agg', 'line', 'cursor'] as const;

/** Longer values are refused before any pattern is tried. */
const MAX_VALUE_LENGTH = 128;
const SAFE_PARAMETER_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const EPOCH_MS_TEXT = /^\d{1,16}$/;
const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const CURSOR_CONTENT = /^(\d{1,16})\.([A-Za-z0-9_-]{22})$/;
const TIME_DETAIL = 'RFC 3339 with an offset, such as 2026-11-24T00:00:00+05:00, or epoch milliseconds';

/**
 * The query's parameters that are each given once as text of a sane length.
 * Every other parameter gets its error here and is absent from the result.
 */
class QueryParameters {
  private readonly values = new Map<string, string>();
  private readonly refused = new Set<string>();

  constructor(
    event: QueryEvent,
    allowed: readonly string[],
    private readonly errors: FieldError[],
  ) {
    const single: Record<string, unknown> = event.queryStringParameters ?? {};
    const multi: Record<string, unknown> = event.multiValueQueryStringParameters ?? {};
    let unknownReported = false;
    for (const name of new Set([...Object.keys(single), ...Object.keys(multi)])) {
      if (!allowed.includes(name)) {
        // One error for unknown names, so a problem never carries much of the input.
        if (!unknownReported) {
          unknownReported = true;
          errors.push({
            pointer: SAFE_PARAMETER_NAME.test(name) ? `/query/${name}` : '/query',
            detail: `is not a parameter of this API; it takes ${allowed.join(', ')}`,
          });
        }
        continue;
      }
      const one = Object.hasOwn(single, name) ? single[name] : undefined;
      const all = Object.hasOwn(multi, name) ? multi[name] : undefined;
      const given: unknown[] = Array.isArray(all) ? all : one === undefined ? [] : [one];
      const value = given[0];
      if (given.length === 0) continue;
      if (given.length > 1 || typeof value !== 'string') {
        this.refuse(name, 'must be given once');
      } else if (value.length > MAX_VALUE_LENGTH) {
        this.refuse(name, 'is too long');
      } else {
        this.values.set(name, value);
      }
    }
  }

  refuse(name: string, detail: string): void {
    this.refused.add(name);
    this.errors.push({ pointer: `/query/${name}`, detail });
  }

  /** The value; `undefined` when absent or already refused (and then reported when required). */
  get(name: string, required?: string): string | undefined {
    const value = this.values.get(name);
    if (value === undefined && required !== undefined && !this.refused.has(name)) {
      this.refuse(name, `is required: ${required}`);
    }
    return value;
  }
}

function readTime(params: QueryParameters, name: 'from' | 'to'): number | undefined {
  const text = params.get(name, TIME_DETAIL);
  if (text === undefined) return undefined;
  const parsed = parseTimestamp(EPOCH_MS_TEXT.test(text) ? Number(text) : text);
  if (!parsed.ok) {
    params.refuse(name, `${parsed.reason} (${TIME_DETAIL})`);
    return undefined;
  }
  if (parsed.epochMs < EARLIEST_QUERY_TIME || parsed.epochMs > LATEST_QUERY_TIME) {
    params.refuse(name, 'must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z');
    return undefined;
  }
  return parsed.epochMs;
}

function readRange(params: QueryParameters): { from?: number; to?: number } {
  const from = readTime(params, 'from');
  const to = readTime(params, 'to');
  if (from === undefined || to === undefined) return {};
  if (!(to > from)) {
    params.refuse('to', 'must be later than from');
    return {};
  }
  return { from, to };
}

function readChoice<T extends string>(
  params: QueryParameters,
  name: string,
  choices: readonly T[],
  fallback?: T,
): T | undefined {
  const list = choices.join(', ');
  const value = params.get(name, fallback === undefined ? `one of ${list}` : undefined);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    params.refuse(name, `must be one of ${list}`);
    return undefined;
  }
  return value as T;
}

/** A short, stable digest of a query's meaning; a cursor is bound to it. */
function queryHash(parts: ReadonlyArray<string | number | null>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

function encodeCursor(start: number, hash: string): string {
  return Buffer.from(`${start}.${hash}`, 'utf8').toString('base64url');
}

/**
 * The bucket start a cursor resumes at, `-Infinity` without a cursor, or
 * `undefined` (reported) when the cursor is not one this query returned.
 * `hash` is undefined when the query itself is invalid (its errors are
 * reported already).
 */
function readCursor(
  params: QueryParameters,
  hash: string | undefined,
  from: number | undefined,
  to: number | undefined,
): number | undefined {
  const cursor = params.get('cursor');
  if (cursor === undefined) return Number.NEGATIVE_INFINITY;
  const content = CURSOR_PATTERN.test(cursor)
    ? CURSOR_CONTENT.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null;
  const start = content ? Number(content[1]) : Number.NaN;
  if (!content || !Number.isSafeInteger(start)) {
    params.refuse('cursor', 'is not a cursor this API returned');
    return undefined;
  }
  if (hash === undefined || from === undefined || to === undefined) return undefined;
  if (content[2] !== hash || !(start > from && start < to)) {
    params.refuse(
      'cursor',
      'belongs to a different query: repeat the query that returned it, changing only the cursor',
    );
    return undefined;
  }
  return start;
}

/** The plant id of the path, or the 404 when the request cannot be for a plant's data. */
function pageSizeOf(deps: QueryApiDeps): number {
  const size = deps.maxPointsPerPage ?? MAX_POINTS_PER_PAGE;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`maxPointsPerPage must be >= 1, got ${size}`);
  return size;
}

function kpiJson(point: KpiPoint) {
  return { ...point, start: toIso(point.start), end: toIso(point.end) };
}

/** GET /v1/plants/{plantId}/kpis?from&to&interval=1h|1d|1mo|1y[&cursor] */
export function makeKpisHandler(deps: QueryApiDeps): QueryHandler {
  const pageSize = pageSizeOf(deps);
  return async (event) => {
    try {
      const plantId = plantIdOf(event);
      if (typeof plantId !== 'string') return plantId;
      const errors: FieldError[] = [];
      const params = new QueryParameters(event, KPI_PARAMETERS, errors);
      const { from, to } = readRange(params);
      const interval = readChoice(params, 'interval', KPI_INTERVALS);
      let hash: string | undefined;
      if (from !== undefined && to !== undefined && interval !== undefined) {
        const days = MAX_KPI_RANGE_DAYS[interval];
        if (to - from > days * DAY_MS) {
          params.refuse('to', `must be at most ${days} days after from for interval ${interval}`);
        } else {
          hash = queryHash(['kpis', plantId, interval, from, to]);
        }
      }
      const resumeAt = readCursor(params, hash, from, to);
      if (errors.length > 0 || hash === undefined || resumeAt === undefined) return invalidQuery(errors);
      if (from === undefined || to === undefined || interval === undefined) return invalidQuery(errors);

      const plant = await plantConfig(deps, plantId);
      if (!('timeZone' in plant)) return plant;
      const buckets = kpiBuckets(interval, plant.timeZone, from, to).filter((b) => b.start >= resumeAt);
      const page = buckets.slice(0, pageSize);
      const following = buckets[pageSize];
      const points = await loadKpisOfInterval(
        deps.metrics,
        plantId,
        interval,
        plant.timeZone,
        page,
        deps.clock.now(),
      );
      return json(200, {
        plantId,
        interval,
        timezone: plant.timeZone,
        policy: DIVERSION_POLICY,
        targets: targetsFor(plant),
        points: points.map(kpiJson),
        ...(following === undefined ? {} : { nextCursor: encodeCursor(following.start, hash) }),
      });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

interface SeriesQueryParameters {
  readonly plantId: string;
  readonly metric: MetricName;
  readonly interval: SeriesInterval;
  readonly agg: SeriesAggregation;
  readonly line?: string;
  readonly from: number;
  readonly to: number;
  readonly resumeAt: number;
  readonly hash: string;
}

function readSeriesQuery(
  event: QueryEvent,
  plantId: string,
  errors: FieldError[],
): SeriesQueryParameters | undefined {
  const params = new QueryParameters(event, SERIES_PARAMETERS, errors);
  const metricText = params.get('metric', 'a metric of the catalog, such as furnace_temperature');
  let metric: MetricName | undefined;
  if (metricText !== undefined) {
    if (isMetricName(metricText)) metric = metricText;
    else params.refuse('metric', 'is not a metric of the catalog (CONTRACT.md section 2)');
  }
  const { from, to } = readRange(params);
  const interval = readChoice(params, 'interval', SERIES_INTERVALS);
  const agg = readChoice(params, 'agg', SERIES_AGGREGATIONS, 'avg');
  const line = params.get('line');
  if (line !== undefined && !LINE_PATTERN.test(line)) {
    params.refuse('line', 'must be a line: 1 to 64 characters of [A-Za-z0-9._:-]');
  }
  let hash: string | undefined;
  if (from !== undefined && to !== undefined && interval !== undefined) {
    const buckets = potentialBuckets(interval, from, to);
    if (buckets > MAX_SERIES_BUCKETS) {
      params.refuse(
        'to',
        `makes the range span ${buckets} buckets of ${interval}; at most ${MAX_SERIES_BUCKETS} (narrow the range or use a longer interval)`,
      );
    } else if (metric !== undefined && agg !== undefined) {
      hash = queryHash(['series', plantId, metric, interval, agg, line ?? null, from, to]);
    }
  }
  const resumeAt = readCursor(params, hash, from, to);
  if (errors.length > 0 || resumeAt === undefined || hash === undefined) return undefined;
  if (metric === undefined || interval === undefined || agg === undefined) return undefined;
  if (from === undefined || to === undefined) return undefined;
  return {
    plantId,
    metric,
    interval,
    agg,
    ...(line === undefined ? {} : { line }),
    from,
    to,
    resumeAt,
    hash,
  };
}

/**
 * The points of one page, plus the first point after it (if any). Reads the
 * store window by window: the first window has one bucket more than a page,
 * each next one twice as many buckets, so a dense series costs one read per
 * page and a sparse one a few, however long the range.
 */
async function seriesPage(
  deps: QueryApiDeps,
  query: SeriesQueryParameters,
  timeZone: string,
  pageSize: number,
): Promise<{ points: SeriesPoint[]; following?: SeriesPoint }> {
  const buckets = seriesBuckets(query.interval, timeZone, query.from, query.to, query.resumeAt);
  const points: SeriesPoint[] = [];
  let windowSize = pageSize + 1;
  let next = buckets.next();
  while (!next.done && points.length <= pageSize) {
    const window: SeriesBucket[] = [];
    for (; !next.done && window.length < windowSize; next = buckets.next()) window.push(next.value);
    const first = window[0] as SeriesBucket;
    const last = window.at(-1) as SeriesBucket;
    const readings = await deps.metrics.readReadings({
      plantId: query.plantId,
      metric: query.metric,
      from: first.start,
      to: last.end,
      ...(query.line === undefined ? {} : { line: query.line }),
    });
    for (const point of aggregateSeries(window, readings, query.agg)) points.push(point);
    windowSize *= 2;
  }
  const following = points[pageSize];
  return { points: points.slice(0, pageSize), ...(following === undefined ? {} : { following }) };
}

/** GET /v1/plants/{plantId}/series?metric&from&to&interval[&agg][&line][&cursor] */
export function makeSeriesHandler(deps: QueryApiDeps): QueryHandler {
  const pageSize = pageSizeOf(deps);
  return async (event) => {
    try {
      const plantId = plantIdOf(event);
      if (typeof plantId !== 'string') return plantId;
      const errors: FieldError[] = [];
      const query = readSeriesQuery(event, plantId, errors);
      if (query === undefined) return invalidQuery(errors);

      const plant = await plantConfig(deps, plantId);
      if (!('timeZone' in plant)) return plant;
      const { points, following } = await seriesPage(deps, query, plant.timeZone, pageSize);
      return json(200, {
        plantId,
        metric: query.metric,
        unit: canonicalUnitOf(query.metric),
        interval: query.interval,
        agg: query.agg,
        ...(query.line === undefined ? {} : { line: query.line }),
        timezone: plant.timeZone,
        points: points.map((p) => ({ ts: toIso(p.start), value: p.value })),
        ...(following === undefined ? {} : { nextCursor: encodeCursor(following.start, query.hash) }),
      });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

const ROUTE = /^\/v1\/plants\/([^/]*)\/(kpis|series)$/;

/**
 * Both routes behind one function, for servers that route by path (local
 * mode): anything but `GET /v1/plants/{plantId}/kpis|series` is 404.
 */
export function makeQueryApiHandler(deps: QueryApiDeps): QueryHandler {
  const kpis = makeKpisHandler(deps);
  const series = makeSeriesHandler(deps);
  return async (event) => {
    const match = ROUTE.exec(typeof event.path === 'string' ? event.path : '');
    if (!match || event.httpMethod !== 'GET') return notFound('No such route.');
    let plantId: string;
    try {
      plantId = decodeURIComponent(match[1] ?? '');
    } catch {
      return notFound(NO_SUCH_PLANT);
    }
    const handler = match[2] === 'kpis' ? kpis : series;
    return handler({ ...event, pathParameters: { ...event.pathParameters, plantId } });
  };
}
