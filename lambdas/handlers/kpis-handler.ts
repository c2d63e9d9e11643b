/**
 * GET /v1/plants/{plantId}/kpis?from&to&interval=1h|1d|1mo|1y[&cursor]
 * (docs/contract.md sections 3 and 4). Within the range limits an answer has
 * at most 745 points, so cursors only appear with a smaller page size.
 *
 * Hourly points answer `diversion_rate`, `recycling_rate` and
 * `mass_balance_gap` as null: those ratios of truck tonnages mean something
 * per day, not per hour (docs/kpis.md).
 */
import { loadKpisOfInterval } from '../app/kpi-query.ts';
import { DIVERSION_POLICY, type KpiPoint, kpiBuckets } from '../domain/kpis.ts';
import type { FieldError } from '../domain/problem.ts';
import { targetsFor } from '../domain/targets.ts';
import { DAY_MS, type KpiInterval, toIso } from '../domain/time.ts';
import { errorResponse, json } from './http.ts';
import type { QueryApiDeps, QueryHandler } from './query-api.ts';
import { encodeCursor, pageSizeOf, queryHash, readCursor } from './query-paging.ts';
import { QueryParameters, readChoice, readRange } from './query-parameters.ts';
import { invalidQuery, plantConfig, plantIdOf } from './query-request.ts';

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

export const KPI_INTERVALS: readonly KpiInterval[] = ['1h', '1d', '1mo', '1y'];

const KPI_PARAMETERS = ['from', 'to', 'interval', 'cursor'] as const;

function kpiJson(point: KpiPoint) {
  return { ...point, start: toIso(point.start), end: toIso(point.end) };
}

export function makeKpisHandler(deps: QueryApiDeps): QueryHandler {
  const pageSize = pageSizeOf(deps.maxPointsPerPage);
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
