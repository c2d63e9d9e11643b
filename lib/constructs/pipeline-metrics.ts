/**
 * The CloudWatch metrics the functions publish through Powertools (embedded
 * metric format, lambdas/entry/observability.ts): names from the handlers'
 * `count(...)` calls, namespace and service from the observability module.
 */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/entry/observability.ts';

/** Metrics of lambdas/handlers/ingest.ts. */
export const INGEST_METRICS = [
  'MessagesAccepted',
  'ReadingsAccepted',
  'MovementsAccepted',
  'ItemsRejected',
  'IngestUnavailable',
  'IngestQueueRefused',
] as const;
/** Metrics of lambdas/handlers/processor.ts. */
export const PROCESSOR_METRICS = [
  'MessagesProcessed',
  'MessagesFailed',
  'ReadingsStored',
  'ItemsQuarantined',
] as const;
/** Metrics of lambdas/handlers/alert-step.ts. */
export const ALERT_STEP_METRICS = [
  'AlertStepPlants',
  'AlertEvaluationsDeferred',
  'AlertStepMessagesInvalid',
  'AlertsPublished',
] as const;

/**
 * Metrics of the scheduler, from the fields of its `scheduled run` log line
 * (lib/constructs/scheduler-metrics.ts: its bundle holds no Powertools Metrics).
 */
export const SCHEDULER_METRICS = {
  ScheduledEvaluations: 'evaluations',
  ScheduledTransitions: 'transitions',
  AlertsPublished: 'published',
  OutboxLeft: 'left',
} as const;

export type PipelineMetricName =
  | (typeof INGEST_METRICS)[number]
  | (typeof PROCESSOR_METRICS)[number]
  | (typeof ALERT_STEP_METRICS)[number]
  | keyof typeof SCHEDULER_METRICS
  | 'ScheduledRunsFailed';

/** The `function` dimension of each publishing function (lambdas/entry/observability.ts callers). */
export type PipelineFunctionName = 'ingest' | 'processor' | 'alert-step' | 'scheduler';

/**
 * The sum of one pipeline metric over the two dimension sets it is
 * published with: Powertools clears dimensions added with `addDimension`
 * after each flush, so the `function` dimension is only on the first flush
 * of an execution environment and later flushes carry `service` alone.
 */
export function pipelineMetric(
  name: PipelineMetricName,
  functionName: PipelineFunctionName,
  period: Duration,
): cloudwatch.MathExpression {
  const metric = (dimensionsMap: Record<string, string>) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap,
      statistic: cloudwatch.Stats.SUM,
      period,
    });
  // Ids are unique per metric name, so several pipeline metrics fit in one graph.
  const id = name.charAt(0).toLowerCase() + name.slice(1);
  return new cloudwatch.MathExpression({
    expression: `FILL(${id}Service, 0) + FILL(${id}Function, 0)`,
    usingMetrics: {
      [`${id}Service`]: metric({ service: SERVICE_NAME }),
      [`${id}Function`]: metric({ service: SERVICE_NAME, function: functionName }),
    },
    label: name,
    period,
  });
}
