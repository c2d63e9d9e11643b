/**
 * Lambda entry point of the scheduled KPI rollup (composition root): the
 * rollup table on DynamoDB, raw counter readings from the chosen metrics
 * store (Timestream, or the lake's tiered reader: docs/recent-telemetry.md).
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { DynamoKpiRollupStore } from '../adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { makeKpiRollupHandler } from '../handlers/kpi-rollup.ts';
import { sharedDynamoClient } from './dynamo-client.ts';
import { readEnv } from './env.ts';
import { metricsReader } from './metrics-stores.ts';
import { measuredEntry } from './observability.ts';

const env = readEnv({ KPI_ROLLUP_TABLE: z.string().check(z.minLength(3)) }, process.env);
const { log, count, handler: wrap } = measuredEntry('kpi-rollup');

const store = new DynamoKpiRollupStore({
  client: sharedDynamoClient(),
  tableName: env.KPI_ROLLUP_TABLE,
  clock: systemClock,
});
const run = makeKpiRollupHandler({
  rollup: store,
  marker: store,
  readings: metricsReader(process.env),
  clock: systemClock,
  log,
});

export const handler = wrap(async (event: unknown, context?: Context) => {
  const result = await run(event, context);
  count('KpiSlotsRolledUp', result.rolled);
  count('KpiSlotsSuperseded', result.superseded);
  count('KpiSlotsDeferred', result.deferred);
  return result;
});
