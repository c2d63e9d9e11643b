/** A message of the local queue as the queue tracks it, and the SQS record a consumer receives for it. */
import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';

export const LOCAL_QUEUE_ARN = 'arn:aws:sqs:local:000000000000:wte-telemetry';

export interface QueuedMessage {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  readonly bytes: number;
  /** Received by this process's consumer at least once. */
  taken: boolean;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  visibleAt: number;
}

/** A message visible at once, never received by this process (`receiveCount` carries over from before a restart). */
export function queuedMessage(id: string, body: string, sentAt: number, receiveCount = 0): QueuedMessage {
  return {
    id,
    body,
    sentAt,
    bytes: Buffer.byteLength(body, 'utf8'),
    taken: false,
    receiveCount,
    firstReceivedAt: undefined,
    visibleAt: 0,
  };
}

/** A receipt names the receive: each receive of a message gets a new one, as on SQS. */
export function receiptOf(m: QueuedMessage): string {
  return `${m.id}#${m.receiveCount}`;
}

export function toSqsRecord(m: QueuedMessage): SQSRecord {
  return {
    messageId: m.id,
    receiptHandle: receiptOf(m),
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      SenderId: 'wte-local',
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
    },
    messageAttributes: {},
    // Hashed only if read: the processor never does, and a hash per message is main-thread time.
    get md5OfBody() {
      return createHash('md5').update(m.body, 'utf8').digest('hex');
    },
    eventSource: 'aws:sqs',
    eventSourceARN: LOCAL_QUEUE_ARN,
    awsRegion: 'local',
  };
}
