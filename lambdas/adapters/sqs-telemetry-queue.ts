/**
 * Telemetry queue on SQS: each item encoded (split when larger than one
 * message), sent by sqs-send.ts with its retry and refusal rules
 * (docs/telemetry-queue.md).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueuedTelemetry, TelemetryQueue } from '../domain/ports.ts';
import { encodeQueued, QUEUE_MESSAGE_LIMIT_BYTES } from '../domain/queue-codec.ts';
import { sendBodies } from './sqs-send.ts';

export { isPermanentSqsError } from './sqs-send.ts';

export interface SqsTelemetryQueueProps {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly limitBytes?: number;
  /** Waits before each further attempt. @default [100, 400] */
  readonly backoffMs?: readonly number[];
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class SqsTelemetryQueue implements TelemetryQueue {
  constructor(private readonly props: SqsTelemetryQueueProps) {}

  async enqueue(items: readonly QueuedTelemetry[]): Promise<void> {
    const limit = this.props.limitBytes ?? QUEUE_MESSAGE_LIMIT_BYTES;
    const bodies = items.flatMap((item) => encodeQueued(item, limit));
    await sendBodies({ ...this.props, queueName: 'telemetry queue' }, bodies, limit);
  }
}
