/**
 * Lambda entry point of GET /v1/plants/{plantId}/report (IAM auth): the
 * chosen metrics store for the KPIs and coverage, DynamoDB for the plant and
 * its alerts, built once per cold start.
 */
import { systemClock } from '../adapters/system-clock.ts';
import type { QueryEvent } from '../handlers/query-api.ts';
import { makeReportHandler } from '../handlers/report-api.ts';
import { alertListing, plantReader } from './aws-stores.ts';
import { metricsReader } from './metrics-stores.ts';
import { measuredEntry } from './observability.ts';

// As the query API: the deadline reaches the stores, so a slow lake query is answered 503 in time.
const { remainingMs, handler: wrap } = measuredEntry('report-api');

const report = makeReportHandler({
  metrics: metricsReader(process.env, { athenaMaxWaitMs: 20_000, remainingMs }),
  plants: plantReader(process.env),
  alerts: alertListing(process.env),
  clock: systemClock,
});

export const handler = wrap((event: QueryEvent) => report(event));
