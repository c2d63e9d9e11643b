/**
 * Lambda entry points of GET /v1/plants/{plantId}/kpis and
 * GET /v1/plants/{plantId}/series (IAM auth): the chosen metrics store for the data,
 * DynamoDB for the plant's time zone, built once per cold start.
 */
import type { Context } from 'aws-lambda';
import { systemClock } from '../adapters/system-clock.ts';
import { makeKpisHandler, makeSeriesHandler, type QueryEvent } from '../handlers/query-api.ts';
import { plantReader } from './aws-stores.ts';
import { metricsReader } from './metrics-stores.ts';

// The invocation's deadline reaches the stores through this, so a slow lake query is stopped and
// answered 503 with Retry-After before the function (28 s) or API Gateway (29 s) times out.
let currentContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined;
const remainingMs = () => currentContext?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;

const metrics = metricsReader(process.env, { athenaMaxWaitMs: 20_000, remainingMs });
const deps = { metrics, plants: plantReader(process.env), clock: systemClock };
const kpis = makeKpisHandler(deps);
const series = makeSeriesHandler(deps);

export const kpisHandler = (event: QueryEvent, context?: Context) => {
  currentContext = context;
  return kpis(event);
};
export const seriesHandler = (event: QueryEvent, context?: Context) => {
  currentContext = context;
  return series(event);
};
