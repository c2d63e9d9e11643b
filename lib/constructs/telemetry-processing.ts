import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { acknowledge } from '../checks/acknowledge.ts';
import type { ProcessorConfig } from '../config.ts';
import { PROCESSOR_MEMORY_MB, PROCESSOR_NODE_OPTIONS } from '../processor-memory.ts';
import { type StatefulStack, VISIBILITY_TIMEOUT_FACTOR } from '../stateful-stack.ts';
import { AlertStep } from './alert-step.ts';
import type { DataAccess } from './data-access.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { consumeQueue } from './queue-consumer.ts';
import { SchedulerMetrics } from './scheduler-metrics.ts';
import { WteFunction } from './wte-function.ts';

export interface TelemetryProcessingProps {
  readonly stateful: StatefulStack;
  readonly access: DataAccess;
  readonly processor: ProcessorConfig;
  readonly schedulerIntervalMinutes: number;
  /** Where the processor publishes rejection notices (IotIngress.dataEndpoint). */
  readonly iotDataEndpoint: string;
  readonly logRetentionDays: number;
}

/**
 * Everything downstream of the telemetry queue: the processor on an SQS
 * event source (partial batch failures, bounded concurrency, visibility
 * timeout at least six function timeouts), the alert step it queues each
 * stored batch's plants to (batch alert rules, outbox relay), and the
 * scheduled run (staleness, day rules, outbox relay) on an EventBridge rate.
 */
export class TelemetryProcessing extends Construct {
  readonly processor: WteFunction;
  readonly alertStep: AlertStep;
  readonly scheduler: WteFunction;
  readonly schedulerDlq: DeadLetterQueue;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: TelemetryProcessingProps) {
    super(scope, id);
    const { stateful, access } = props;

    const timeout = Duration.seconds(props.processor.timeoutSeconds);
    const minimumVisibility = timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
    const visibility = stateful.telemetryVisibilityTimeout.toSeconds();
    if (visibility < minimumVisibility) {
      throw new Error(
        `telemetry queue visibility timeout (${visibility} s) must be at least ${VISIBILITY_TIMEOUT_FACTOR} times the processor timeout (${minimumVisibility} s)`,
      );
    }
    this.processor = new WteFunction(this, 'Processor', {
      entry: 'processor',
      description: 'Telemetry queue processor: metrics store, state, alert step queue, rejection notices',
      // Memory and heap caps as the memory benchmark measures them (lib/processor-memory.ts).
      memorySize: PROCESSOR_MEMORY_MB,
      environment: { NODE_OPTIONS: PROCESSOR_NODE_OPTIONS },
      timeout,
      // Its own share of the account's concurrency: a flood on ingest and the authorizer cannot starve it.
      reservedConcurrency: props.processor.reservedConcurrency,
      logRetentionDays: props.logRetentionDays,
      invocation: 'queue',
      metricsStore: access.metricsStore,
    }).bind(
      access.stateTable(['GetItem', 'PutItem', 'UpdateItem', 'Query']),
      access.metricsWriter(),
      access.rejectionNotices(props.iotDataEndpoint),
    );
    if (this.processor.access) {
      acknowledge(
        this.processor.access,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/wte/v1/*/rejected]',
        'The processor answers gateways of any plant on wte/v1/{plantId}/rejected; plant ids are data, not known at deploy time. The wildcard is one topic level of that one topic family.',
      );
    }
    if (
      props.processor.reservedConcurrency > 0 &&
      props.processor.reservedConcurrency < props.processor.maxConcurrency
    ) {
      // A throttled SQS batch counts as a receive and moves toward the DLQ.
      throw new Error(
        `processor reserved concurrency (${props.processor.reservedConcurrency}) must be 0 or at least the event source's maximum concurrency (${props.processor.maxConcurrency})`,
      );
    }
    consumeQueue(this.processor, stateful.telemetryQueue, {
      queueName: 'telemetry queue',
      batchSize: props.processor.batchSize,
      maxBatchingWindow: Duration.seconds(props.processor.maxBatchingWindowSeconds),
      maxConcurrency: props.processor.maxConcurrency,
    });

    this.alertStep = new AlertStep(this, 'AlertStep', {
      stateful,
      access,
      // As many steps as processors at most, so the step keeps pace; reserved whenever the processor is.
      maxConcurrency: props.processor.maxConcurrency,
      reservedConcurrency: props.processor.reservedConcurrency > 0 ? props.processor.maxConcurrency : 0,
      logRetentionDays: props.logRetentionDays,
    });
    this.processor.bind(this.alertStep.senderBinding());

    const interval = Duration.minutes(props.schedulerIntervalMinutes);
    this.schedulerDlq = new DeadLetterQueue(this, 'SchedulerDlq', {
      encryptionKey: stateful.dataKey,
      opsTopic: stateful.notifications.opsTopic,
      purpose:
        'A scheduled run failed after Lambda retried it twice. Nothing to redrive: the next run evaluates the same stored data; see the scheduler logs.',
    });
    this.scheduler = new WteFunction(this, 'Scheduler', {
      entry: 'scheduler',
      description: 'Scheduled alert rules (staleness, daily close) and alert outbox relay',
      memorySize: 512,
      // Done before the next run starts.
      timeout: Duration.seconds(Math.min(900, Math.floor(interval.toSeconds() * 0.9))),
      logRetentionDays: props.logRetentionDays,
      invocation: 'async',
      deadLetterQueue: { queue: this.schedulerDlq.queue, keyArn: stateful.dataKey.keyArn },
      metricsStore: access.metricsStore,
    }).bind(
      access.stateTable(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query']),
      access.metrics({ write: false }),
      access.alertsTopic(),
    );
    new SchedulerMetrics(this, 'SchedulerMetrics', this.scheduler.logGroup);
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the scheduled alert rules and the outbox relay',
      schedule: events.Schedule.rate(interval),
      targets: [
        new targets.LambdaFunction(this.scheduler.function, { retryAttempts: 2, maxEventAge: interval }),
      ],
    });
    acknowledge(
      this.schedule,
      'Serverless-EventBusDLQ',
      'A scheduled run that EventBridge cannot deliver is superseded by the next run a few minutes later, which evaluates the same stored data; failed deliveries raise the ScheduleFailedInvocations alarm.',
    );
  }
}
