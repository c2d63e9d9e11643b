/**
 * GET /v1/plants/{plantId}/kpis?from&to&interval=1h|1d|1mo|1y[&cursor]
 * (docs/contract.md sections 3 and 4). Within the range limits an answer has
 * at most 745 points, so cursors only appear with a smaller page size.
 *
 * Hourly points answer `diversion_rate`, `recycling_rate` and
 * `mass_balance_gap` as null: those ratios of truck tonnages mean something
 * per day, not per hour (docs/kpis.md).
 */

import * as z from 'zod/mini';
import { loadKpisOfInterval } from '../app/kpi-query.ts';
import { readsWithin } from '../app/reads-within.ts';
import { DIVERSION_POLICY, type KpiPoint, kpiBuckets } from '../domain/kpis.ts';
import { targetsFor } from '../domain/targets.ts';
import { DAY_MS, type KpiInterval, toIso } from '../domain/time.ts';
import { errorResponse, json } from './http.ts';
import { invocationCalls } from './invocation-deadline.ts';
import type { QueryApiDeps, QueryHandler } from './query-api.ts';
import { laterThanFrom, queryChoice, queryTime } from './query-fields.ts';
import { cursorOfThisQuery, encodeCursor, pageSizeOf, queryCursor, queryHash } from './query-paging.ts';
import { readQuery, validAt } from './query-parameters.ts';
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

type KpiQuery = { plantId: string; from: number; to: number; interval: KpiInterval };

function kpiQueryHash(q: KpiQuery): string {
  return queryHash(['kpis', q.plantId, q.interval, q.from, q.to]);
}

/** Longest range per interval, checked once from, to and interval are valid (listed after interval's errors). */
const withinKpiRange = z.check<KpiQuery>(
  (payload) => {
    const { from, to, interval } = payload.value;
    const days = MAX_KPI_RANGE_DAYS[interval];
    if (to - from > days * DAY_MS)
      payload.issues.push({
        code: 'custom',
        path: ['to'],
        message: `must be at most ${days} days after from for interval ${interval}`,
        input: to,
        params: { after: 'interval' },
      });
  },
  { when: (payload) => validAt(payload, ['from', 'to', 'interval']) },
);

/** `?from&to&interval[&cursor]`; the path's `plantId` joins them for the cursor's digest. */
export const KPI_QUERY = {
  names: ['from', 'to', 'interval', 'cursor'],
  schema: z
    .object({
      plantId: z.string(),
      from: queryTime,
      to: queryTime,
      interval: queryChoice(KPI_INTERVALS),
      cursor: queryCursor,
    })
    .check(laterThanFrom, withinKpiRange, cursorOfThisQuery(kpiQueryHash, ['from', 'to', 'interval'])),
};

function kpiJson(point: KpiPoint) {
  return { ...point, start: toIso(point.start), end: toIso(point.end) };
}

export function makeKpisHandler(deps: QueryApiDeps): QueryHandler {
  const pageSize = pageSizeOf(deps.maxPointsPerPage);
  return async (event, context) => {
    const metrics = readsWithin(deps.metrics, invocationCalls(deps.clock, context));
    try {
      const plantId = plantIdOf(event);
      if (typeof plantId !== 'string') return plantId;
      const read = readQuery(event, KPI_QUERY, { plantId });
      if (!read.ok) return invalidQuery(read.errors);
      const { from, to, interval } = read.query;
      const hash = kpiQueryHash(read.query);
      const resumeAt = read.query.cursor?.start ?? Number.NEGATIVE_INFINITY;

      const plant = await plantConfig(deps, plantId);
      if (!('timeZone' in plant)) return plant;
      const buckets = kpiBuckets(interval, plant.timeZone, from, to).filter((b) => b.start >= resumeAt);
      const page = buckets.slice(0, pageSize);
      const following = buckets[pageSize];
      const points = await loadKpisOfInterval(
        metrics,
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
