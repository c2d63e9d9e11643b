/**
 * The analyst query API: GET /v1/plants/{plantId}/kpis (kpis-handler.ts) and
 * GET /v1/plants/{plantId}/series (series-handler.ts), docs/contract.md
 * sections 3 and 4. Analysts reach them with IAM auth on AWS.
 *
 * Every parameter is checked before any store is called (query-parameters.ts):
 * a value that is not exactly what the API expects (quotes, SQL, control or
 * exotic characters, oversized text, a parameter given twice, a parameter the
 * API does not have) is answered with 400 `urn:wte:problem:invalid-query`, one
 * error per parameter with its pointer (`/query/from`), and never reaches a
 * store. A plant id that cannot be a plant id is 404, like any unknown route.
 *
 * A plant without a stored configuration is answered in the default settings
 * (time zone Asia/Almaty), not 404: gateways may send data before anyone
 * registers the plant, and its data must be queryable.
 *
 * Answers hold at most `MAX_POINTS_PER_PAGE` points. A longer answer ends with
 * `nextCursor`: repeat the same query with `cursor` set to it for the next
 * page, until an answer comes without one (query-paging.ts).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { MetricsReader } from '../domain/metrics-ports.ts';
import type { Clock, StateStore } from '../domain/ports.ts';
import type { InvocationContext } from './invocation-deadline.ts';
import type { QueryEvent } from './query-parameters.ts';

export { KPI_INTERVALS, MAX_KPI_RANGE_DAYS, makeKpisHandler } from './kpis-handler.ts';
export { MAX_POINTS_PER_PAGE } from './query-paging.ts';
export { EARLIEST_QUERY_TIME, LATEST_QUERY_TIME, type QueryEvent } from './query-parameters.ts';
export { MAX_SERIES_BUCKETS, makeSeriesHandler } from './series-handler.ts';

export interface QueryApiDeps {
  readonly metrics: Pick<MetricsReader, 'readReadings' | 'readLastBefore' | 'readMovements'>;
  readonly plants: Pick<StateStore, 'getPlant'>;
  readonly clock: Clock;
  /** Points per page. @default MAX_POINTS_PER_PAGE */
  readonly maxPointsPerPage?: number;
}

/** On AWS the Lambda context gives the invocation's deadline, which every store call carries. */
export type QueryHandler = (event: QueryEvent, context?: InvocationContext) => Promise<APIGatewayProxyResult>;
