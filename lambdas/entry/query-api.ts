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
import { measuredEntry } from './observability.ts';

const { handler: wrap } = measuredEntry('query-api');

// Each invocation's deadline (from its context) goes with every store call, so a slow lake query is
// stopped and answered 503 with Retry-After before the function (28 s) or API Gateway (29 s) times out.
const metrics = metricsReader(process.env, { athenaMaxWaitMs: 20_000 });
const deps = { metrics, plants: plantReader(process.env), clock: systemClock };
const kpis = makeKpisHandler(deps);
const series = makeSeriesHandler(deps);

export const kpisHandler = wrap((event: QueryEvent, context?: Context) => kpis(event, context));
export const seriesHandler = wrap((event: QueryEvent, context?: Context) => series(event, context));
