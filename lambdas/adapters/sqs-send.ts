/**
 * Bodies to an SQS queue (the telemetry queue, the alert step queue), with
 * SendMessageBatch (at most 10 entries and 256 KiB per call). What SQS says
 * decides what happens next (docs/telemetry-queue.md):
 * - throttling, server faults, network failures and entries failed without
 *   `SenderFault`: tried again after a short backoff, a bounded number of
 *   times, then `UnavailableError` (an outage: ingest answers 503, the
 *   processor fails the messages so they are redelivered);
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
import { UnavailableError } from '../domain/ports.ts';
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

export interface SqsSenderProps {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Names the queue in errors. */
  readonly queueName: string;
  /** Waits before each further attempt. @default [100, 400] */
  readonly backoffMs?: readonly number[];
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends `bodies` in SendMessageBatch calls of at most 10 entries and `limit` bytes, in order. */
export async function sendBodies(
  props: SqsSenderProps,
  bodies: readonly string[],
  limit: number,
): Promise<void> {
  for (const batch of batches(bodies, limit)) await sendBatch(props, batch);
}

async function sendBatch(props: SqsSenderProps, bodies: readonly string[]): Promise<void> {
  const backoff = props.backoffMs ?? DEFAULT_BACKOFF_MS;
  const sleep = props.sleep ?? wait;
  let pending: SendMessageBatchRequestEntry[] = bodies.map((body, i) => ({
    Id: String(i),
    MessageBody: body,
  }));
  for (let attempt = 1; ; attempt++) {
    let failedIds: Set<string>;
    try {
      const out = await props.client.send(
        new SendMessageBatchCommand({ QueueUrl: props.queueUrl, Entries: pending }),
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
        throw new UnavailableError(`${props.queueName} unavailable`, 5, { cause: error });
      await sleep(backoff[attempt - 1] ?? backoff.at(-1) ?? 0);
      continue;
    }
    pending = pending.filter((entry) => failedIds.has(entry.Id ?? ''));
    if (pending.length === 0) return;
    if (attempt >= MAX_ATTEMPTS)
      throw new UnavailableError(`${props.queueName} refused ${pending.length} message(s)`);
    await sleep(backoff[attempt - 1] ?? backoff.at(-1) ?? 0);
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
