/**
 * Lambda entry point of the scheduled KPI rollup (composition root): the
 * rollup table on DynamoDB, raw counter readings from Timestream.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { DynamoKpiRollupStore } from '../adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { TimestreamMetricsReader } from '../adapters/timestream-query/timestream-metrics-reader.ts';
import { makeKpiRollupHandler } from '../handlers/kpi-rollup.ts';
import { readEnv } from './env.ts';
import { observability } from './observability.ts';

const env = readEnv(
  {
    KPI_ROLLUP_TABLE: z.string().min(3),
    TIMESTREAM_DATABASE: z.string().min(3),
    TIMESTREAM_READINGS_TABLE: z.string().min(3),
    TIMESTREAM_MOVEMENTS_TABLE: z.string().min(3),
  },
  process.env,
);
const { log, count, instrument } = observability('kpi-rollup');

const store = new DynamoKpiRollupStore({
  client: new DynamoDBClient({}),
  tableName: env.KPI_ROLLUP_TABLE,
  clock: systemClock,
});
const run = makeKpiRollupHandler({
  rollup: store,
  marker: store,
  readings: new TimestreamMetricsReader({
    client: new TimestreamQueryClient({}),
    databaseName: env.TIMESTREAM_DATABASE,
    readingsTableName: env.TIMESTREAM_READINGS_TABLE,
    movementsTableName: env.TIMESTREAM_MOVEMENTS_TABLE,
  }),
  clock: systemClock,
  log,
});

export const handler = instrument(async (event: unknown, context: Context) => {
  const result = await run(event, context);
  count('KpiSlotsRolledUp', result.rolled);
  count('KpiSlotsSuperseded', result.superseded);
  count('KpiSlotsDeferred', result.deferred);
  return result;
});
