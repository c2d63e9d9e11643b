/**
 * Telemetry queue on SQS. Sends with SendMessageBatch (at most 10 entries and
 * 256 KiB per call). What SQS says decides what happens next
 * (docs/telemetry-queue.md):
 * - throttling, server faults, network failures and entries failed without
 *   `SenderFault`: tried again after a short backoff, a bounded number of
 *   times, then `UnavailableError` (ingest answers 503, an outage);
 * - entries failed with `SenderFault`, and client errors of the call
 *   (access denied, KMS key disabled or denied, no such queue, invalid
 *   content or parameter): `QueueRefusedError` at once, never retried.
 * The SDK has already retried the call itself with backoff before an error
 * reaches this loop.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type QueuedTelemetry, type TelemetryQueue, UnavailableError } from '../domain/ports.ts';
import { encodeQueued, QUEUE_MESSAGE_LIMIT_BYTES } from '../domain/queue-codec.ts';
import { QueueRefusedError } from '../domain/queue-errors.ts';
import { isTransientAwsError, type TransientRules } from './aws-errors.ts';

const MAX_ENTRIES = 10;
const MAX_ATTEMPTS = 3;
/** Waits before the second and third attempt: well inside API Gateway's 29 s. */
const DEFAULT_BACKOFF_MS: readonly number[] = [100, 400];

/**
 * SQS's throttles, faults and expired credentials: all are client-fault
 * shapes in the SDK's model, yet another attempt can succeed.
 */
const TRANSIENT: TransientRules = {
  names: new Set([
    'RequestThrottled',
    'KmsThrottled',
    'ThrottlingException',
    'Throttling',
    'OverLimit',
    'ServiceUnavailable',
    'InternalError',
    'InternalFailure',
    'RequestTimeout',
    'TimeoutError',
    'ExpiredToken',
    'ExpiredTokenException',
    'RequestExpired',
  ]),
  tooManyRequests: true,
};

/**
 * An error of the call that another attempt cannot fix: the service said the
 * request is at fault and it is not a throttle. Errors without a fault (a
 * credential provider timing out) count as transient, as before.
 */
export function isPermanentSqsError(error: unknown): boolean {
  if (isTransientAwsError(error, TRANSIENT)) return false;
  return typeof error === 'object' && error !== null && (error as { $fault?: unknown }).$fault === 'client';
}

export interface SqsTelemetryQueueProps {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly limitBytes?: number;
  /** Waits before each further attempt. @default [100, 400] */
  readonly backoffMs?: readonly number[];
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SqsTelemetryQueue implements TelemetryQueue {
  constructor(private readonly props: SqsTelemetryQueueProps) {}

  async enqueue(items: readonly QueuedTelemetry[]): Promise<void> {
    const limit = this.props.limitBytes ?? QUEUE_MESSAGE_LIMIT_BYTES;
    const bodies = items.flatMap((item) => encodeQueued(item, limit));
    for (const batch of batches(bodies, limit)) await this.sendBatch(batch);
  }

  private async sendBatch(bodies: readonly string[]): Promise<void> {
    const backoff = this.props.backoffMs ?? DEFAULT_BACKOFF_MS;
    const sleep = this.props.sleep ?? wait;
    let pending: SendMessageBatchRequestEntry[] = bodies.map((body, i) => ({
      Id: String(i),
      MessageBody: body,
    }));
    for (let attempt = 1; ; attempt++) {
      let failedIds: Set<string>;
      try {
        const out = await this.props.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.props.queueUrl, Entries: pending }),
        );
        const failed = out.Failed ?? [];
        const refused = failed.find((f) => f.SenderFault === true);
        if (refused) {
          const code = refused.Code ?? 'unknown';
          throw new QueueRefusedError(
            `SQS refused entry ${refused.Id} of ${bodies.length} with ${code} (sender fault): ${refused.Message ?? 'no message'}`,
            code,
          );
        }
        failedIds = new Set(failed.map((f) => f.Id ?? ''));
      } catch (error) {
        if (error instanceof QueueRefusedError) throw error;
        if (isPermanentSqsError(error)) {
          const code = error instanceof Error ? error.name : 'unknown';
          throw new QueueRefusedError(`SQS refused the batch with ${code}`, code, undefined, {
            cause: error,
          });
        }
        if (attempt >= MAX_ATTEMPTS)
          throw new UnavailableError('telemetry queue unavailable', 5, { cause: error });
        await sleep(backoff[attempt - 1] ?? backoff.at(-1) ?? 0);
        continue;
      }
      pending = pending.filter((entry) => failedIds.has(entry.Id ?? ''));
      if (pending.length === 0) return;
      if (attempt >= MAX_ATTEMPTS)
        throw new UnavailableError(`telemetry queue refused ${pending.length} message(s)`);
      await sleep(backoff[attempt - 1] ?? backoff.at(-1) ?? 0);
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
