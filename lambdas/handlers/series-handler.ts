/**
 * GET /v1/plants/{plantId}/series?metric&from&to&interval[&agg][&line][&cursor]
 * (docs/contract.md sections 2 and 4). A page never ends empty-handed with a
 * cursor: the cursor points at the next bucket that has a point.
 *
 * Beyond the contract: an optional `line` (one line of the metric instead of
 * all lines pooled), and `interval`, `agg`, `timezone` (and `line`) in the
 * answer next to `plantId`, `metric`, `unit`, `points`.
 */
import * as z from 'zod/mini';
import { readsWithin } from '../app/reads-within.ts';
import { canonicalUnitOf, METRIC_NAMES, type MetricName } from '../domain/catalog.ts';
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
import { invocationCalls } from './invocation-deadline.ts';
import type { QueryApiDeps, QueryHandler } from './query-api.ts';
import { laterThanFrom, optionalChoice, queryChoice, queryTime } from './query-fields.ts';
import { cursorOfThisQuery, encodeCursor, pageSizeOf, queryCursor, queryHash } from './query-paging.ts';
import { type QueryEvent, type QueryResult, readQuery, validAt } from './query-parameters.ts';
import { invalidQuery, plantConfig, plantIdOf } from './query-request.ts';

/** Most buckets a series query may span (range divided by the nominal bucket length). */
export const MAX_SERIES_BUCKETS = 100_000;

interface SeriesQuery {
  readonly plantId: string;
  readonly metric: MetricName;
  readonly interval: SeriesInterval;
  readonly agg: SeriesAggregation;
  readonly line?: string | undefined;
  readonly from: number;
  readonly to: number;
  readonly cursor?: { readonly start: number; readonly hash: string } | undefined;
}

/** The digest a cursor is bound to; `line` as given, even when it is refused (as the hand-written reader did). */
function seriesQueryHash(q: SeriesQuery): string {
  return queryHash(['series', q.plantId, q.metric, q.interval, q.agg, q.line ?? null, q.from, q.to]);
}

/** At most MAX_SERIES_BUCKETS buckets, checked once from, to and interval are valid (listed after line's errors). */
const withinSeriesBuckets = z.check<SeriesQuery>(
  (payload) => {
    const { from, to, interval } = payload.value;
    const buckets = potentialBuckets(interval, from, to);
    if (buckets > MAX_SERIES_BUCKETS)
      payload.issues.push({
        code: 'custom',
        path: ['to'],
        message: `makes the range span ${buckets} buckets of ${interval}; at most ${MAX_SERIES_BUCKETS} (narrow the range or use a longer interval)`,
        input: to,
        params: { after: 'line' },
      });
  },
  { when: (payload) => validAt(payload, ['from', 'to', 'interval']) },
);

/** `?metric&from&to&interval[&agg][&line][&cursor]`; the path's `plantId` joins them for the cursor's digest. */
export const SERIES_QUERY = {
  names: ['metric', 'from', 'to', 'interval', 'agg', 'line', 'cursor'],
  schema: z
    .object({
      plantId: z.string(),
      metric: z.enum(METRIC_NAMES, {
        error: (issue) =>
          issue.input === undefined
            ? 'is required: a metric of the catalog, such as furnace_temperature'
            : 'is not a metric of the catalog (docs/contract.md section 2)',
      }),
      from: queryTime,
      to: queryTime,
      interval: queryChoice(SERIES_INTERVALS),
      agg: optionalChoice(SERIES_AGGREGATIONS, 'avg'),
      line: z.optional(
        z
          .string()
          .check(z.regex(LINE_PATTERN, { error: 'must be a line: 1 to 64 characters of [A-Za-z0-9._:-]' })),
      ),
      cursor: queryCursor,
    })
    .check(
      laterThanFrom,
      withinSeriesBuckets,
      cursorOfThisQuery(seriesQueryHash, ['metric', 'from', 'to', 'interval', 'agg']),
    ),
};

function readSeriesQuery(event: QueryEvent, plantId: string): QueryResult<SeriesQuery> {
  return readQuery(event, SERIES_QUERY, { plantId });
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
  const buckets = seriesBuckets(
    query.interval,
    timeZone,
    query.from,
    query.to,
    query.cursor?.start ?? Number.NEGATIVE_INFINITY,
  );
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
  return async (event, context) => {
    const metrics = readsWithin(deps.metrics, invocationCalls(deps.clock, context));
    try {
      const plantId = plantIdOf(event);
      if (typeof plantId !== 'string') return plantId;
      const read = readSeriesQuery(event, plantId);
      if (!read.ok) return invalidQuery(read.errors);
      const query = read.query;

      const plant = await plantConfig(deps, plantId);
      if (!('timeZone' in plant)) return plant;
      const { points, following } = await seriesPage({ ...deps, metrics }, query, plant.timeZone, pageSize);
      return json(200, {
        plantId,
        metric: query.metric,
        unit: canonicalUnitOf(query.metric),
        interval: query.interval,
        agg: query.agg,
        ...(query.line === undefined ? {} : { line: query.line }),
        timezone: plant.timeZone,
        points: points.map((p) => ({ ts: toIso(p.start), value: p.value })),
        ...(following === undefined
          ? {}
          : { nextCursor: encodeCursor(following.start, seriesQueryHash(query)) }),
      });
    } catch (error) {
      return errorResponse(error);
    }
  };
}
