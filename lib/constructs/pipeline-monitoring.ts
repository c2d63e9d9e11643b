import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { StatefulStack } from '../stateful-stack.ts';
import type { PipelineFunctions } from '../stateless-stack.ts';
import { notifyOps } from './alarms.ts';
import type { AlertStep } from './alert-step.ts';
import type { IotIngress } from './iot-ingress.ts';
import { lakeWidgets } from './lake-dashboard.ts';
import { pipelineMetric } from './pipeline-metrics.ts';
import type { TelemetryApi } from './telemetry-api.ts';

export interface PipelineMonitoringProps {
  readonly stage: string;
  readonly functions: PipelineFunctions;
  readonly api: TelemetryApi;
  readonly iot: IotIngress;
  readonly stateful: StatefulStack;
  readonly opsTopic: sns.ITopic;
  readonly schedule: events.IRule;
  /** The alert step's queue and DLQ; its function is `functions.alertStep`. */
  readonly alertStep: AlertStep;
  /**
   * The plant KPI row (PlantKpiWidget): KPIs live in Timestream, which
   * CloudWatch cannot read. @default a note pointing at the other views
   */
  readonly plantKpis?: cloudwatch.IWidget;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms on the functions and the pipeline's own metrics (to the ops
 * topic), and one dashboard that answers "how are the plants doing" (the
 * plant KPI row, when given) and "is telemetry flowing, how fast, what is
 * refused, what alerts went out". Alarms on DLQs, queue age and
 * Timestream magnetic-store rejections sit with those resources (the
 * stateful stack, the alert step).
 */
export class PipelineMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const { functions, api, iot, stateful } = props;
    const queue = stateful.telemetryQueue;
    const stepQueue = props.alertStep.queue;
    const alertsTopic = stateful.notifications.alertsTopic;
    const stage = api.api.deploymentStage;

    const alarm = (alarmId: string, options: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = notifyOps(new cloudwatch.Alarm(this, alarmId, options), props.opsTopic);
      this.alarms.push(created);
      return created;
    };

    for (const [name, fn] of Object.entries(functions)) {
      alarm(`${name}Errors`, {
        alarmDescription: `The ${name} function threw (crash, timeout or out of memory); see its log group.`,
        metric: fn.function.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    alarm('ScheduleFailedInvocations', {
      alarmDescription: 'EventBridge could not invoke the scheduler function (after its retries).',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: { RuleName: props.schedule.ruleName },
        statistic: cloudwatch.Stats.SUM,
        period: FIVE_MINUTES,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('MessagesFailing', {
      alarmDescription:
        'The processor has reported failed messages for 15 minutes: Timestream or DynamoDB throttling or unavailable. They are retried and reach the DLQ after 5 receives.',
      metric: pipelineMetric('MessagesFailed', 'processor', FIVE_MINUTES),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('ItemsQuarantined', {
      alarmDescription:
        'The metrics store refused items for good (Timestream rejected records: conflicts, timestamps out of window): they are in the quarantine (`npx wte quarantine list`).',
      metric: pipelineMetric('ItemsQuarantined', 'processor', FIVE_MINUTES),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('AlertEvaluationsDeferred', {
      alarmDescription:
        'The alert step has deferred alert evaluations for 15 minutes: it could not read the metrics store or write alerts. The scheduled run evaluates those plants, so alerts are up to a scheduler interval late; see the alert step logs.',
      metric: pipelineMetric('AlertEvaluationsDeferred', 'alert-step', FIVE_MINUTES),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('IngestUnavailable', {
      alarmDescription: 'Ingest answered 503: the telemetry queue was unavailable to it.',
      metric: pipelineMetric('IngestUnavailable', 'ingest', FIVE_MINUTES),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('IngestQueueRefused', {
      alarmDescription:
        "The telemetry queue refused ingest's messages for good (access denied, KMS key, missing queue, invalid content): a configuration to fix, not an outage. Gateways were answered 503 with Retry-After 60 and keep their data.",
      metric: pipelineMetric('IngestQueueRefused', 'ingest', FIVE_MINUTES),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm('Api5xx', {
      alarmDescription: 'The API answered 5xx (503 by contract) to at least 5 requests in 5 minutes.',
      metric: stage.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const iotMetric = (metricName: string, dimensionsMap: Record<string, string>) =>
      new cloudwatch.Metric({
        namespace: 'AWS/IoT',
        metricName,
        dimensionsMap,
        statistic: cloudwatch.Stats.SUM,
        period: FIVE_MINUTES,
      });
    const wafBlocked = new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName: 'BlockedRequests',
      dimensionsMap: { WebACL: api.firewall.webAclName, Region: Aws.REGION, Rule: 'ALL' },
      statistic: cloudwatch.Stats.SUM,
      period: FIVE_MINUTES,
    });
    const processorDuration = (statistic: string) =>
      functions.processor.function.metricDuration({ period: FIVE_MINUTES, statistic });
    const stepDuration = (statistic: string) =>
      functions.alertStep.function.metricDuration({
        period: FIVE_MINUTES,
        statistic,
        label: `alert step ${statistic}`,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown: `# wte-telemetry ${props.stage}\n${
              props.plantKpis
                ? 'Plant KPIs first (computed from Timestream for the dashboard range), then telemetry in (HTTP and MQTT), processing, refusals and alerts.'
                : 'Telemetry in (HTTP and MQTT), processing, refusals and alerts. Plant KPIs (diversion, recycling, net MWh/t) are in Timestream: `npx wte query kpis`, the Grafana dashboard or the operator page (docs/dashboards.md).'
            }`,
            width: 24,
            height: 2,
          }),
        ],
        ...(props.plantKpis ? [[props.plantKpis]] : []),
        [
          new cloudwatch.SingleValueWidget({
            title: 'Last 5 minutes',
            metrics: [
              pipelineMetric('MessagesAccepted', 'ingest', FIVE_MINUTES),
              iotMetric('TopicMatch', { RuleName: iot.ruleName }),
              pipelineMetric('ReadingsStored', 'processor', FIVE_MINUTES),
              pipelineMetric('ItemsQuarantined', 'processor', FIVE_MINUTES),
              queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES }),
              stepQueue.metricApproximateAgeOfOldestMessage({
                period: FIVE_MINUTES,
                label: 'Alert step queue age',
              }),
              alertsTopic.metricNumberOfMessagesPublished({ period: FIVE_MINUTES }),
            ],
            width: 24,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Ingest rate: messages accepted (HTTP) and matched (MQTT)',
            left: [
              pipelineMetric('MessagesAccepted', 'ingest', FIVE_MINUTES),
              iotMetric('TopicMatch', { RuleName: iot.ruleName }),
            ],
            right: [pipelineMetric('ReadingsAccepted', 'ingest', FIVE_MINUTES)],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Processing latency: queue age and processor duration',
            left: [queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES })],
            right: [processorDuration('p50'), processorDuration('p95'), processorDuration('Maximum')],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Alert step latency: its queue age and duration',
            left: [stepQueue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES })],
            right: [stepDuration('p50'), stepDuration('p95'), stepDuration('Maximum')],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Alert step outcome: plants judged, alerts published, deferred, refused',
            left: [
              pipelineMetric('AlertStepPlants', 'alert-step', FIVE_MINUTES),
              pipelineMetric('AlertsPublished', 'alert-step', FIVE_MINUTES),
            ],
            right: [
              pipelineMetric('AlertEvaluationsDeferred', 'alert-step', FIVE_MINUTES),
              pipelineMetric('AlertStepMessagesInvalid', 'alert-step', FIVE_MINUTES),
              props.alertStep.deadLetterQueue.queue.metricApproximateNumberOfMessagesVisible({
                period: FIVE_MINUTES,
                label: 'Alert step DLQ',
              }),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Processing outcome',
            left: [
              pipelineMetric('MessagesProcessed', 'processor', FIVE_MINUTES),
              pipelineMetric('MessagesFailed', 'processor', FIVE_MINUTES),
            ],
            right: [pipelineMetric('ReadingsStored', 'processor', FIVE_MINUTES)],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Rejections: items refused, quarantined, WAF blocks, rule errors',
            left: [
              pipelineMetric('ItemsRejected', 'ingest', FIVE_MINUTES),
              pipelineMetric('ItemsQuarantined', 'processor', FIVE_MINUTES),
              wafBlocked,
              iotMetric('Failure', { RuleName: iot.ruleName, ActionType: 'SQS' }),
            ],
            right: [
              stage.metricClientError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
              stage.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Alerts published and notification failures',
            left: [alertsTopic.metricNumberOfMessagesPublished({ period: FIVE_MINUTES })],
            right: [
              alertsTopic.metricNumberOfNotificationsFailed({ period: FIVE_MINUTES }),
              stateful.notifications.deliveryDlq.queue.metricApproximateNumberOfMessagesVisible({
                period: FIVE_MINUTES,
              }),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'API requests and latency',
            left: [stage.metricCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM })],
            right: [
              stage.metricLatency({ period: FIVE_MINUTES, statistic: 'p95' }),
              stage.metricIntegrationLatency({ period: FIVE_MINUTES, statistic: 'p95' }),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Function errors',
            left: Object.entries(functions).map(([name, fn]) =>
              fn.function.metricErrors({
                period: FIVE_MINUTES,
                statistic: cloudwatch.Stats.SUM,
                label: name,
              }),
            ),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Function throttles',
            left: Object.entries(functions).map(([name, fn]) =>
              fn.function.metricThrottles({
                period: FIVE_MINUTES,
                statistic: cloudwatch.Stats.SUM,
                label: name,
              }),
            ),
            width: 12,
          }),
        ],
        ...(stateful.lake ? [lakeWidgets(stateful.lake)] : []),
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: this.alarms,
            width: 24,
          }),
        ],
      ],
    });
  }
}
