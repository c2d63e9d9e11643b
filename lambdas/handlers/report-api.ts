/**
 * GET /v1/plants/{plantId}/report?year=YYYY: the annual plant report
 * (docs/report.md), for analysts with IAM auth on AWS. The one parameter is
 * checked before any store is called (400 `urn:wte:problem:invalid-query`
 * naming `/query/year`); an unknown plant is 404 `urn:wte:problem:not-found`,
 * as on the KPI and series routes.
 */
import { loadPlantReport, type ReportSources } from '../app/report.ts';
import type { Clock, StateStore } from '../domain/ports.ts';
import type { FieldError } from '../domain/problem.ts';
import { localParts } from '../domain/time.ts';
import { errorResponse, json } from './http.ts';
import type { QueryEvent, QueryHandler } from './query-api.ts';
import { invalidQuery, plantConfig, plantIdOf } from './query-request.ts';

export interface ReportApiDeps extends ReportSources {
  readonly plants: Pick<StateStore, 'getPlant'>;
  readonly clock: Clock;
}

/** The first year a report may be asked for: before it, no data can exist. */
export const EARLIEST_REPORT_YEAR = 1970;

const YEAR_TEXT = /^\d{4}$/;

/** The year text, or the errors of the query (unknown parameters, repeats, a missing year). */
function readYearText(event: QueryEvent, errors: FieldError[]): string | undefined {
  const single: Record<string, unknown> = event.queryStringParameters ?? {};
  const multi: Record<string, unknown> = event.multiValueQueryStringParameters ?? {};
  const names = new Set([...Object.keys(single), ...Object.keys(multi)]);
  if ([...names].some((name) => name !== 'year'))
    errors.push({ pointer: '/query', detail: 'this API takes one parameter: year' });
  const all = Object.hasOwn(multi, 'year') ? multi.year : undefined;
  const one = Object.hasOwn(single, 'year') ? single.year : undefined;
  const given: unknown[] = Array.isArray(all) ? all : one === undefined ? [] : [one];
  if (given.length === 0) {
    errors.push({ pointer: '/query/year', detail: 'is required: a calendar year such as 2026' });
    return undefined;
  }
  if (given.length > 1) {
    errors.push({ pointer: '/query/year', detail: 'must be given once' });
    return undefined;
  }
  const text = given[0];
  if (typeof text !== 'string' || !YEAR_TEXT.test(text)) {
    errors.push({ pointer: '/query/year', detail: 'must be a calendar year of four digits, such as 2026' });
    return undefined;
  }
  return text;
}

export function makeReportHandler(deps: ReportApiDeps): QueryHandler {
  return async (event) => {
    try {
      const plantId = plantIdOf(event);
      if (typeof plantId !== 'string') return plantId;
      const errors: FieldError[] = [];
      const yearText = readYearText(event, errors);
      if (yearText === undefined || errors.length > 0) return invalidQuery(errors);

      const plant = await plantConfig(deps, plantId);
      if (!('timeZone' in plant)) return plant;
      const now = deps.clock.now();
      const year = Number(yearText);
      const thisYear = localParts(now, plant.timeZone).year;
      if (year < EARLIEST_REPORT_YEAR || year > thisYear)
        return invalidQuery([
          {
            pointer: '/query/year',
            detail: `must be from ${EARLIEST_REPORT_YEAR} to ${thisYear}, the plant's current year`,
          },
        ]);
      return json(200, await loadPlantReport(deps, plant, year, now));
    } catch (error) {
      return errorResponse(error);
    }
  };
}
