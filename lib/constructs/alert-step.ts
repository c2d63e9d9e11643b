import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  MAX_RECEIVE_COUNT,
  QUEUE_AGE_ALARM,
  type StatefulStack,
  VISIBILITY_TIMEOUT_FACTOR,
} from '../stateful-stack.ts';
import { queueSendAccess } from './access.ts';
import { notifyOps } from './alarms.ts';
import type { DataAccess } from './data-access.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { consumeQueue } from './queue-consumer.ts';
import { type Binding, WteFunction } from './wte-function.ts';

/** The step judges at most ten plants, each a few reads of the recent store (Athena only for older data). */
export const ALERT_STEP_TIMEOUT = Duration.seconds(60);
export const ALERT_STEP_MEMORY_MB = 512;
/** Messages per invocation: one SendMessageBatch of the processor. */
export const ALERT_STEP_BATCH_SIZE = 10;
/** How long the poller gathers a batch: alerts go out within a second of the batch being stored. */
export const ALERT_STEP_BATCHING_WINDOW = Duration.seconds(1);

export interface AlertStepProps {
  readonly stateful: StatefulStack;
  readonly access: DataAccess;
  /** The event source's maximum concurrency: the processor's, so the step keeps pace with it. */
  readonly maxConcurrency: number;
  /** Executions reserved for the step; 0: none, otherwise at least `maxConcurrency`. */
  readonly reservedConcurrency: number;
  readonly logRetentionDays: number;
}

/**
 * The alert step (docs/alert-step.md): the processor queues one message per
 * plant a stored batch touched; this function judges the batch alert rules
 * on what was stored and relays the outbox to the alerts topic. The queue
 * carries pointers to stored data, never the data, and lives with the
 * function that consumes it (its visibility follows the function's timeout).
 * Its messages record the days that arrived, which the scheduled run judges:
 * one in the DLQ must be redriven (docs/alert-step.md).
 */
export class AlertStep extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly backlogAlarm: cloudwatch.Alarm;
  readonly function: WteFunction;
  private readonly queueKey: kms.IKey;

  constructor(scope: Construct, id: string, props: AlertStepProps) {
    super(scope, id);
    const { stateful, access } = props;
    const { opsTopic } = stateful.notifications;
    this.queueKey = stateful.dataKey;
    const reserved = props.reservedConcurrency;
    if (!(Number.isInteger(reserved) && (reserved === 0 || reserved >= props.maxConcurrency))) {
      // A throttled SQS batch counts as a receive and moves toward the DLQ.
      throw new Error(
        `alert step reserved concurrency (${reserved}) must be 0 or at least the event source's maximum concurrency (${props.maxConcurrency})`,
      );
    }

    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      encryptionKey: stateful.dataKey,
      opsTopic,
      purpose: `An alert step message (one plant of a stored batch) failed ${MAX_RECEIVE_COUNT} times: the step could not record what arrived, or the message is not one the processor writes. The data is stored, but the days it belongs to are not recorded as arrived, so the scheduled run will not judge them until the message is redriven. Find the cause in the alert step logs, then redrive the DLQ to the alert step queue (judging again is idempotent).`,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: stateful.dataKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(ALERT_STEP_TIMEOUT.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue.queue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.backlogAlarm = notifyOps(
      new cloudwatch.Alarm(this, 'BacklogAlarm', {
        alarmDescription: `The oldest alert step message has waited more than ${QUEUE_AGE_ALARM.toMinutes()} minutes: alerts are late; the alert step function is failing, throttled or too slow.`,
        metric: this.queue.metricApproximateAgeOfOldestMessage({
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

    this.function = new WteFunction(this, 'Function', {
      entry: 'alert-step',
      description: 'Alert step: batch alert rules on what the processor stored, and the alert outbox relay',
      memorySize: ALERT_STEP_MEMORY_MB,
      timeout: ALERT_STEP_TIMEOUT,
      reservedConcurrency: reserved,
      logRetentionDays: props.logRetentionDays,
      invocation: 'queue',
      metricsStore: access.metricsStore,
    }).bind(
      // Alerts, day progress, plants and the relay lease; the lease is released by update, never deleted.
      access.stateTable(['GetItem', 'PutItem', 'UpdateItem', 'Query']),
      access.metrics({ write: false }),
      access.alertsTopic(),
    );
    consumeQueue(this.function, this.queue, {
      queueName: 'alert step queue',
      batchSize: ALERT_STEP_BATCH_SIZE,
      maxBatchingWindow: ALERT_STEP_BATCHING_WINDOW,
      maxConcurrency: props.maxConcurrency,
    });
  }

  /** Sending to the step (the processor's): SendMessage on the queue and the two KMS actions SQS needs. */
  senderBinding(): Binding {
    return {
      environment: { ALERT_STEP_QUEUE_URL: this.queue.queueUrl },
      statements: queueSendAccess(this.queue, this.queueKey),
    };
  }
}
