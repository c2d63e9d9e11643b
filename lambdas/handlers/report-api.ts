/**
 * GET /v1/plants/{plantId}/report?year=YYYY: the annual plant report
 * (docs/report.md), for analysts with IAM auth on AWS. The one parameter is
 * checked before any store is called (400 `urn:wte:problem:invalid-query`
 * naming `/query/year`); an unknown plant is 404 `urn:wte:problem:not-found`,
 * as on the KPI and series routes.
 */
import * as z from 'zod/mini';
import { readsWithin } from '../app/reads-within.ts';
import { loadPlantReport, type ReportSources } from '../app/report.ts';
import type { Clock, StateStore } from '../domain/ports.ts';
import { localParts } from '../domain/time.ts';
import { errorResponse, json } from './http.ts';
import { invocationCalls } from './invocation-deadline.ts';
import type { QueryHandler } from './query-api.ts';
import { readQuery } from './query-parameters.ts';
import { invalidQuery, plantConfig, plantIdOf } from './query-request.ts';

export interface ReportApiDeps extends ReportSources {
  readonly plants: Pick<StateStore, 'getPlant'>;
  readonly clock: Clock;
}

/** The first year a report may be asked for: before it, no data can exist. */
export const EARLIEST_REPORT_YEAR = 1970;

const FOUR_DIGITS = 'must be a calendar year of four digits, such as 2026';

/** `?year=YYYY`, and nothing else; its range needs the plant's current year, so the handler checks that. */
export const REPORT_QUERY = {
  names: ['year'],
  unknown: { pointer: '/query', detail: 'this API takes one parameter: year' },
  // Any other year text, however long or not text at all, has always had the four-digit detail.
  maxLength: Number.POSITIVE_INFINITY,
  notText: FOUR_DIGITS,
  schema: z.object({
    year: z.pipe(
      z
        .string({ error: 'is required: a calendar year such as 2026' })
        .check(z.regex(/^\d{4}$/, { error: FOUR_DIGITS })),
      z.transform(Number),
    ),
  }),
};

export function makeReportHandler(deps: ReportApiDeps): QueryHandler {
  return async (event, context) => {
    const metrics = readsWithin(deps.metrics, invocationCalls(deps.clock, context));
    try {
      const plantId = plantIdOf(event);
      if (typeof plantId !== 'string') return plantId;
      const read = readQuery(event, REPORT_QUERY);
      if (!read.ok) return invalidQuery(read.errors);

      const plant = await plantConfig(deps, plantId);
      if (!('timeZone' in plant)) return plant;
      const now = deps.clock.now();
      const { year } = read.query;
      const thisYear = localParts(now, plant.timeZone).year;
      if (year < EARLIEST_REPORT_YEAR || year > thisYear)
        return invalidQuery([
          {
            pointer: '/query/year',
            detail: `must be from ${EARLIEST_REPORT_YEAR} to ${thisYear}, the plant's current year`,
          },
        ]);
      return json(200, await loadPlantReport({ ...deps, metrics }, plant, year, now));
    } catch (error) {
      return errorResponse(error);
    }
  };
}
