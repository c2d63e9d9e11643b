/**
 * Lambda entry points of GET /v1/plants/{plantId}/kpis and
 * GET /v1/plants/{plantId}/series (IAM auth): the chosen metrics store for the data,
 * DynamoDB for the plant's time zone, built once per cold start.
 */
import { systemClock } from '../adapters/system-clock.ts';
import { makeKpisHandler, makeSeriesHandler, type QueryEvent } from '../handlers/query-api.ts';
import { plantReader } from './aws-stores.ts';
import { metricsReader } from './metrics-stores.ts';
import { measuredEntry } from './observability.ts';

// The deadline reaches the stores, so a slow lake query is stopped and answered 503 with Retry-After
// before the function (28 s) or API Gateway (29 s) times out.
const { remainingMs, handler: wrap } = measuredEntry('query-api');

const metrics = metricsReader(process.env, { athenaMaxWaitMs: 20_000, remainingMs });
const deps = { metrics, plants: plantReader(process.env), clock: systemClock };
const kpis = makeKpisHandler(deps);
const series = makeSeriesHandler(deps);

export const kpisHandler = wrap((event: QueryEvent) => kpis(event));
export const seriesHandler = wrap((event: QueryEvent) => series(event));
