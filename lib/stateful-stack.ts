import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { WteConfig } from './config.ts';
import { notifyOps } from './constructs/alarms.ts';
import { DeadLetterQueue } from './constructs/dead-letter-queue.ts';
import { KpiRollupTable } from './constructs/kpi-rollup.ts';
import { MetricsLake } from './constructs/metrics-lake.ts';
import { Notifications } from './constructs/notifications.ts';
import { StateTable } from './constructs/state-table.ts';
import { TimestreamStore } from './constructs/timestream-store.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: WteConfig;
}

/** SQS retries a message this many times before the DLQ takes it (AWS recommends at least 5). */
export const MAX_RECEIVE_COUNT = 5;
/** Lambda's rule for SQS event sources: visibility timeout at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** The oldest queued message may wait this long before ops hear of it. */
export const QUEUE_AGE_ALARM = Duration.minutes(10);

/**
 * Everything that holds data or delivers it to people: keys, the telemetry
 * queue and its DLQ, the state table, the metrics store (Timestream or the lake), and the alerts and ops
 * topics. Deleting the stateless stack never touches any of it.
 */
export class StatefulStack extends Stack {
  /** Encrypts telemetry at rest: queues, state table, Timestream. */
  readonly dataKey: kms.Key;
  /** Encrypts the topics and the notification DLQ; usable by SNS and CloudWatch. */
  readonly messagingKey: kms.Key;
  readonly notifications: Notifications;
  readonly telemetryQueue: sqs.Queue;
  readonly telemetryDlq: DeadLetterQueue;
  /** The telemetry queue's visibility timeout (six times the processor timeout). */
  readonly telemetryVisibilityTimeout: Duration;
  readonly stateTable: StateTable;
  /** The metrics store of `-c metricsStore=timestream` (the default); absent with `lake`. */
  readonly timestream?: TimestreamStore;
  /** The metrics store of `-c metricsStore=lake`; absent with `timestream`. */
  readonly lake?: MetricsLake;
  readonly kpiRollupTable: KpiRollupTable;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `wte-telemetry ${config.stage}: encryption of telemetry at rest`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.messagingKey = new kms.Key(this, 'MessagingKey', {
      description: `wte-telemetry ${config.stage}: encryption of alert and alarm notifications`,
      enableKeyRotation: true,
      removalPolicy,
    });

    this.notifications = new Notifications(this, 'Notifications', {
      key: this.messagingKey,
      alertSubscriptions: config.alertSubscriptions,
      opsEmails: config.opsEmails,
    });
    const opsTopic = this.notifications.opsTopic;

    this.telemetryDlq = new DeadLetterQueue(this, 'TelemetryDlq', {
      encryptionKey: this.dataKey,
      opsTopic,
      purpose: `A telemetry message failed processing ${MAX_RECEIVE_COUNT} times. Find the cause in the processor logs, then redrive the DLQ to the telemetry queue.`,
    });
    this.telemetryVisibilityTimeout = Duration.seconds(
      config.processor.timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR,
    );
    this.telemetryQueue = new sqs.Queue(this, 'TelemetryQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.dataKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: this.telemetryVisibilityTimeout,
      deadLetterQueue: { queue: this.telemetryDlq.queue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    notifyOps(
      new cloudwatch.Alarm(this, 'TelemetryBacklogAlarm', {
        alarmDescription: `The oldest telemetry message has waited more than ${QUEUE_AGE_ALARM.toMinutes()} minutes: the processor is failing, throttled or too slow.`,
        metric: this.telemetryQueue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: QUEUE_AGE_ALARM.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      opsTopic,
    );

    this.stateTable = new StateTable(this, 'State', { encryptionKey: this.dataKey, removalPolicy });
    this.kpiRollupTable = new KpiRollupTable(this, 'KpiRollupTable', {
      encryptionKey: this.dataKey,
      removalPolicy,
    });
    if (config.metricsStore === 'lake') {
      this.lake = new MetricsLake(this, 'Lake', {
        stage: config.stage,
        encryptionKey: this.dataKey,
        config: config.lake,
        recentHorizonDays: config.lake.recentHorizonDays,
        opsTopic,
        logRetentionDays: config.logRetentionDays,
        removalPolicy,
      });
    } else {
      this.timestream = this.timestreamStore(config, removalPolicy, opsTopic);
    }
  }

  private timestreamStore(
    config: WteConfig,
    removalPolicy: RemovalPolicy,
    opsTopic: sns.ITopic,
  ): TimestreamStore {
    const store = new TimestreamStore(this, 'Metrics', {
      encryptionKey: this.dataKey,
      retention: config.retention,
      removalPolicy,
    });
    notifyOps(
      new cloudwatch.Alarm(this, 'MagneticStoreRejectionsAlarm', {
        alarmDescription:
          'Timestream rejected late records written to the magnetic store; the reports are in the rejected-records bucket.',
        metric: new cloudwatch.MathExpression({
          expression: 'readings + movements',
          usingMetrics: {
            readings: this.magneticRejections(store, store.readingsTable.attrName),
            movements: this.magneticRejections(store, store.movementsTable.attrName),
          },
          period: Duration.minutes(15),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      opsTopic,
    );
    return store;
  }

  private magneticRejections(store: TimestreamStore, tableName: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Timestream',
      metricName: 'MagneticStoreRejectedRecordCount',
      dimensionsMap: { DatabaseName: store.databaseName, TableName: tableName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(15),
    });
  }
}
