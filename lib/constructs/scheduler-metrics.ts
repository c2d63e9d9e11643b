/**
 * The scheduler's figures as CloudWatch metrics, read from its `scheduled
 * run` log line by metric filters (lambdas/handlers/scheduler.ts writes one
 * per run with every figure): the same namespace and dimensions as the
 * Powertools metrics of the other functions, without the 10.7 KiB of
 * Powertools Metrics in a bundle at the edge of its size goal (docs/bundles.md).
 */

import { Unit } from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/entry/observability.ts';
import { SCHEDULER_METRICS } from './pipeline-metrics.ts';

/** The line's message (lambdas/handlers/scheduler.ts) and Powertools' JSON keys. */
const RUN_LINE = FilterPattern.stringValue('$.message', '=', 'scheduled run');
/** `service` and `function` are on every line (lambdas/entry/observability.ts). */
const DIMENSIONS = { service: '$.service', function: '$.function' };

export class SchedulerMetrics extends Construct {
  constructor(scope: Construct, id: string, logGroup: logs.ILogGroup) {
    super(scope, id);
    for (const [metricName, field] of Object.entries(SCHEDULER_METRICS)) {
      new MetricFilter(this, metricName, {
        logGroup,
        filterPattern: RUN_LINE,
        metricNamespace: METRICS_NAMESPACE,
        metricName,
        metricValue: `$.${field}`,
        dimensions: DIMENSIONS,
        unit: Unit.COUNT,
      });
    }
    // A run that failed part-way logs the same line at ERROR (after relaying what it could); a relay
    // that found the store or SNS unavailable logs it at INFO with stoppedBy "unavailable".
    new MetricFilter(this, 'ScheduledRunsFailed', {
      logGroup,
      filterPattern: FilterPattern.all(
        RUN_LINE,
        FilterPattern.any(
          FilterPattern.stringValue('$.level', '=', 'ERROR'),
          FilterPattern.stringValue('$.stoppedBy', '=', 'unavailable'),
        ),
      ),
      metricNamespace: METRICS_NAMESPACE,
      metricName: 'ScheduledRunsFailed',
      metricValue: '1',
      dimensions: DIMENSIONS,
      unit: Unit.COUNT,
    });
  }
}
