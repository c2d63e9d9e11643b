/**
 * Lambda entry point of the plant KPI custom widget of the CloudWatch
 * dashboard: Timestream (and the KPI rollup table when bound) for the data,
 * DynamoDB for the plant list, built once per cold start.
 */
import { systemClock } from '../adapters/system-clock.ts';
import { makeKpiWidgetHandler } from '../handlers/kpi-widget.ts';
import { metricsReader, stateStores } from './aws-stores.ts';
import { observability } from './observability.ts';

const { log } = observability('kpi-widget');

export const handler = makeKpiWidgetHandler({
  plants: stateStores(process.env).state,
  metrics: metricsReader(process.env),
  clock: systemClock,
  log,
});
