/**
 * Telemetry queue on SQS. Sends with SendMessageBatch (at most 10 entries and
 * 256 KiB per call), retries entries SQS reports as failed a bounded number of
 * times, then gives up with `UnavailableError` so ingest answers 503.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type QueuedTelemetry, type TelemetryQueue, UnavailableError } from '../domain/ports.ts';
import { encodeQueued, QUEUE_MESSAGE_LIMIT_BYTES } from '../domain/queue-codec.ts';

const MAX_ENTRIES = 10;
const MAX_ATTEMPTS = 3;

export interface SqsTelemetryQueueProps {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly limitBytes?: number;
}

export class SqsTelemetryQueue implements TelemetryQueue {
  constructor(private readonly props: SqsTelemetryQueueProps) {}

  async enqueue(items: readonly QueuedTelemetry[]): Promise<void> {
    const limit = this.props.limitBytes ?? QUEUE_MESSAGE_LIMIT_BYTES;
    const bodies = items.flatMap((item) => encodeQueued(item, limit));
    for (const batch of batches(bodies, limit)) await this.sendBatch(batch);
  }

  private async sendBatch(bodies: readonly string[]): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = bodies.map((body, i) => ({
      Id: String(i),
      MessageBody: body,
    }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      let failedIds: Set<string>;
      try {
        const out = await this.props.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.props.queueUrl, Entries: pending }),
        );
        const failed = out.Failed ?? [];
        const permanent = failed.find((f) => f.SenderFault);
        if (permanent) throw new Error(`SQS refused a message: ${permanent.Code}`);
        failedIds = new Set(failed.map((f) => f.Id ?? ''));
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS)
          throw new UnavailableError('telemetry queue unavailable', 5, { cause: error });
        continue;
      }
      pending = pending.filter((entry) => failedIds.has(entry.Id ?? ''));
      if (pending.length > 0 && attempt >= MAX_ATTEMPTS) {
        throw new UnavailableError(`telemetry queue refused ${pending.length} message(s)`);
      }
    }
  }
}

/** Groups bodies into SendMessageBatch calls of at most 10 entries and `limit` bytes. */
export function batches(bodies: readonly string[], limit: number): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const body of bodies) {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (current.length > 0 && (current.length === MAX_ENTRIES || size + bytes > limit)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(body);
    size += bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
