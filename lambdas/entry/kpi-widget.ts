/**
 * Lambda entry point of the plant KPI custom widget of the CloudWatch
 * dashboard: the chosen metrics store (and the KPI rollup table when bound) for the data,
 * DynamoDB for the plant list, built once per cold start.
 */
import type { Context } from 'aws-lambda';
import { systemClock } from '../adapters/system-clock.ts';
import { type KpiWidgetEvent, makeKpiWidgetHandler } from '../handlers/kpi-widget.ts';
import { plantReader } from './aws-stores.ts';
import { metricsReader } from './metrics-stores.ts';
import { observability } from './observability.ts';

const { log } = observability('kpi-widget');

// The invocation's deadline reaches the stores, so a slow lake query is stopped before the function times out.
let currentContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined;
const remainingMs = () => currentContext?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;

const widget = makeKpiWidgetHandler({
  plants: plantReader(process.env),
  metrics: metricsReader(process.env, { remainingMs }),
  clock: systemClock,
  log,
});

export const handler = (event?: KpiWidgetEvent, context?: Context) => {
  currentContext = context;
  return widget(event);
};
