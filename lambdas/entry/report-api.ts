/**
 * Lambda entry point of GET /v1/plants/{plantId}/report (IAM auth): the
 * chosen metrics store for the KPIs and coverage, DynamoDB for the plant and
 * its alerts, built once per cold start.
 */
import type { Context } from 'aws-lambda';
import { systemClock } from '../adapters/system-clock.ts';
import type { QueryEvent } from '../handlers/query-api.ts';
import { makeReportHandler } from '../handlers/report-api.ts';
import { alertListing, plantReader } from './aws-stores.ts';
import { metricsReader } from './metrics-stores.ts';
import { measuredEntry } from './observability.ts';

const { handler: wrap } = measuredEntry('report-api');

// As the query API: each invocation's deadline goes with every store call, so a slow lake query is
// answered 503 in time.
const report = makeReportHandler({
  metrics: metricsReader(process.env, { athenaMaxWaitMs: 20_000 }),
  plants: plantReader(process.env),
  alerts: alertListing(process.env),
  clock: systemClock,
});

export const handler = wrap((event: QueryEvent, context?: Context) => report(event, context));
