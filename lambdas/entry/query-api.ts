/**
 * Lambda entry points of GET /v1/plants/{plantId}/kpis and
 * GET /v1/plants/{plantId}/series (IAM auth): the chosen metrics store for the data,
 * DynamoDB for the plant's time zone, built once per cold start.
 */
import { systemClock } from '../adapters/system-clock.ts';
import { makeKpisHandler, makeSeriesHandler } from '../handlers/query-api.ts';
import { metricsReader, stateStores } from './aws-stores.ts';

// Athena queries (lake, ranges older than the recent horizon) give up before API Gateway's 29 s limit.
const metrics = metricsReader(process.env, { athenaMaxWaitMs: 20_000 });
const { state } = stateStores(process.env);
const deps = { metrics, plants: state, clock: systemClock };

export const kpisHandler = makeKpisHandler(deps);
export const seriesHandler = makeSeriesHandler(deps);
