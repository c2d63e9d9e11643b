/**
 * GET /v1/plants/{plantId}/series?metric&from&to&interval[&agg][&line][&cursor]
 * (docs/contract.md sections 2 and 4). A page never ends empty-handed with a
 * cursor: the cursor points at the next bucket that has a point.
 *
 * Beyond the contract: an optional `line` (one line of the metric instead of
 * all lines pooled), and `interval`, `agg`, `timezone` (and `line`) in the
 * answer next to `plantId`, `metric`, `unit`, `points`.
 */
import { canonicalUnitOf, isMetricName, type MetricName } from '../domain/catalog.ts';
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
import { LINE_PATTERN } from '../domain/telemetry.ts';
import { toIso } from '../domain/time.ts';
import { errorResponse, json } from './http.ts';
import type { QueryApiDeps, QueryHandler } from './query-api.ts';
import { encodeCursor, pageSizeOf, queryHash, readCursor } from './query-paging.ts';
import { type QueryEvent, QueryParameters, readChoice, readRange } from './query-parameters.ts';
import { invalidQuery, plantConfig, plantIdOf } from './query-request.ts';

/** Most buckets a series query may span (range divided by the nominal bucket length). */
export const MAX_SERIES_BUCKETS = 100_000;

const SERIES_PARAMETERS = ['metric', 'from', 'to', 'interval', 'agg', 'line', 'cursor'] as const;

interface SeriesQuery {
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

function readSeriesQuery(event: QueryEvent, plantId: string, errors: FieldError[]): SeriesQuery | undefined {
  const params = new QueryParameters(event, SERIES_PARAMETERS, errors);
  const metricText = params.get('metric', 'a metric of the catalog, such as furnace_temperature');
  let metric: MetricName | undefined;
  if (metricText !== undefined) {
    if (isMetricName(metricText)) metric = metricText;
    else params.refuse('metric', 'is not a metric of the catalog (docs/contract.md section 2)');
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
  query: SeriesQuery,
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

export function makeSeriesHandler(deps: QueryApiDeps): QueryHandler {
  const pageSize = pageSizeOf(deps.maxPointsPerPage);
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
