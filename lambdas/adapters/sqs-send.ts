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
import { errorName } from '../domain/error-name.ts';
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

/**
 * Sends `bodies` in SendMessageBatch calls of at most 10 entries and `limit`
 * bytes, in order; throws the first entry's failure (a refusal before an outage).
 */
export async function sendBodies(
  props: SqsSenderProps,
  bodies: readonly string[],
  limit: number,
): Promise<void> {
  for (const batch of batches(bodies, limit, (body) => body)) {
    const failures = (await sendEach(props, batch, { stopAtRefusal: true })).filter(
      (f): f is Error => f !== undefined,
    );
    const failure = failures.find((f) => f instanceof QueueRefusedError) ?? failures[0];
    if (failure) throw failure;
  }
}

/**
 * One SendMessageBatch call's entries (at most 10), each with its own fate:
 * undefined once SQS holds it, `QueueRefusedError` when refused for good (a
 * sender fault, or a call another attempt cannot fix), `UnavailableError`
 * when still failing after the last attempt. Entries that failed without a
 * sender fault are sent again; the others are never sent twice. With
 * `stopAtRefusal` a refused entry ends the call: the entries still failing
 * take its refusal, unsent again (the telemetry queue answers the request at once).
 */
export async function sendEach(
  props: SqsSenderProps,
  bodies: readonly string[],
  options: { readonly stopAtRefusal?: boolean } = {},
): Promise<Array<Error | undefined>> {
  const backoff = props.backoffMs ?? DEFAULT_BACKOFF_MS;
  const sleep = props.sleep ?? wait;
  const fates: Array<Error | undefined> = bodies.map(() => undefined);
  let pending: SendMessageBatchRequestEntry[] = bodies.map((body, i) => ({
    Id: String(i),
    MessageBody: body,
  }));
  const settle = (entries: readonly SendMessageBatchRequestEntry[], error: Error) => {
    for (const entry of entries) fates[Number(entry.Id)] = error;
  };
  for (let attempt = 1; ; attempt++) {
    let failedIds: Set<string>;
    try {
      const out = await props.client.send(
        new SendMessageBatchCommand({ QueueUrl: props.queueUrl, Entries: pending }),
      );
      const failed = out.Failed ?? [];
      for (const f of failed.filter((entry) => entry.SenderFault === true)) {
        const code = f.Code ?? 'unknown';
        fates[Number(f.Id)] = new QueueRefusedError(
          `SQS refused entry ${f.Id} of ${bodies.length} with ${code} (sender fault): ${f.Message ?? 'no message'}`,
          code,
        );
      }
      failedIds = new Set(failed.filter((f) => f.SenderFault !== true).map((f) => f.Id ?? ''));
      const refusal = fates.find((f) => f instanceof QueueRefusedError);
      if (options.stopAtRefusal && refusal) {
        settle(
          pending.filter((entry) => failedIds.has(entry.Id ?? '')),
          refusal,
        );
        return fates;
      }
    } catch (error) {
      if (isPermanentSqsError(error)) {
        // SDK service errors carry no `code`: this is SQS's error code (the exception's name).
        const code = errorName(error);
        settle(
          pending,
          new QueueRefusedError(`SQS refused the batch with ${code}`, code, undefined, { cause: error }),
        );
        return fates;
      }
      if (attempt >= MAX_ATTEMPTS) {
        settle(pending, new UnavailableError(`${props.queueName} unavailable`, 5, { cause: error }));
        return fates;
      }
      await sleep(backoff[attempt - 1] ?? backoff.at(-1) ?? 0);
      continue;
    }
    pending = pending.filter((entry) => failedIds.has(entry.Id ?? ''));
    if (pending.length === 0) return fates;
    if (attempt >= MAX_ATTEMPTS) {
      settle(pending, new UnavailableError(`${props.queueName} refused ${pending.length} message(s)`));
      return fates;
    }
    await sleep(backoff[attempt - 1] ?? backoff.at(-1) ?? 0);
  }
}

/**
 * Groups items into SendMessageBatch calls of at most 10 entries and `limit`
 * bytes of their bodies (`bodyOf`), in order.
 */
export function batches<T>(items: readonly T[], limit: number, bodyOf: (item: T) => string): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = Buffer.byteLength(bodyOf(item), 'utf8');
    if (current.length > 0 && (current.length === MAX_ENTRIES || size + bytes > limit)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}
