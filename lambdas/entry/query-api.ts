/**
 * Lambda entry points of GET /v1/plants/{plantId}/kpis and
 * GET /v1/plants/{plantId}/series (IAM auth): Timestream for the data,
 * DynamoDB for the plant's time zone, built once per cold start.
 */
import { systemClock } from '../adapters/system-clock.ts';
import { makeKpisHandler, makeSeriesHandler } from '../handlers/query-api.ts';
import { metricsReader, stateStores } from './aws-stores.ts';

const metrics = metricsReader(process.env);
const { state } = stateStores(process.env);
const deps = { metrics, plants: state, clock: systemClock };

export const kpisHandler = makeKpisHandler(deps);
export const seriesHandler = makeSeriesHandler(deps);
