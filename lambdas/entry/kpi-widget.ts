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
import { measuredEntry } from './observability.ts';

const { log, handler: wrap } = measuredEntry('kpi-widget');

const widget = makeKpiWidgetHandler({
  plants: plantReader(process.env),
  metrics: metricsReader(process.env),
  clock: systemClock,
  log,
});

export const handler = wrap((event?: KpiWidgetEvent, context?: Context) => widget(event, context));
