import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../checks/acknowledge.ts';
import { notifyOps } from './alarms.ts';

export interface DeadLetterQueueProps {
  /** Encrypts the queue (SSE-KMS). */
  readonly encryptionKey: kms.IKey;
  /** Receives the alarm. */
  readonly opsTopic: sns.ITopic;
  /** What lands here and what to do about it; becomes the alarm description. */
  readonly purpose: string;
}

/**
 * A dead-letter queue and the alarm that says it holds messages: no DLQ
 * without an alarm. Messages stay 14 days (the SQS maximum) for inspection
 * and redrive.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.queue,
      'Serverless-SQSRedrivePolicy',
      'This queue is itself a dead-letter queue: it has no consumer to fail, and a DLQ behind it would only move the same messages again. Its alarm reports every message that lands here.',
    );
    this.alarm = notifyOps(
      new cloudwatch.Alarm(this, 'NotEmpty', {
        alarmDescription: `Dead-letter queue ${id} holds messages. ${props.purpose}`,
        metric: this.queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      props.opsTopic,
    );
  }
}
