import type { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../checks/acknowledge.ts';
import { MAX_RECEIVE_COUNT } from '../stateful-stack.ts';
import type { WteFunction } from './wte-function.ts';

export interface QueueConsumerProps {
  /** What the queue is called in the acknowledgment's reason ("telemetry queue"). */
  readonly queueName: string;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  /** The event source's maximum concurrency (2 to 1000). */
  readonly maxConcurrency: number;
}

/**
 * Makes `fn` the consumer of `queue` the way every queue of the app is
 * consumed: partial batch failures (only the failed messages come back)
 * and a bounded maximum concurrency. SQS mappings take no on-failure
 * destination; the queue's redrive policy is the DLQ.
 */
export function consumeQueue(fn: WteFunction, queue: sqs.IQueue, props: QueueConsumerProps): void {
  fn.function.addEventSource(
    new SqsEventSource(queue, {
      batchSize: props.batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency: props.maxConcurrency,
      reportBatchItemFailures: true,
    }),
  );
  for (const child of fn.function.node.children) {
    if (child instanceof lambda.EventSourceMapping) {
      acknowledge(
        child,
        'Serverless-LambdaEventSourceMappingDestination',
        `SQS event source mappings support no on-failure destination; the ${props.queueName} redrives a message to its DLQ after ${MAX_RECEIVE_COUNT} receives (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).`,
      );
    }
  }
}
