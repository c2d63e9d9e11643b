/**
 * The write half of the metrics store on the lake: rows (lake-rows.ts) as
 * newline-terminated JSON records through Firehose PutRecordBatch, one
 * delivery stream per table (docs/lake.md says why).
 *
 * - Refuses before sending what Timestream and DuckDB refuse (out of window,
 *   invalid) and a row bigger than a Firehose record, each item alone.
 * - Firehose cannot refuse a conflict, so within a call the contents of one
 *   identity and version apply as the other stores apply them: identical
 *   copies go once (all counted stored), and of differing contents the first
 *   in fingerprint order is sent and the rest are refused as conflicts.
 *   Across calls, readers resolve (docs/lake.md).
 * - Packs records into calls of at most 500 records and 4 MiB; retries only
 *   the entries a call reports failed (RequestResponses[i].ErrorCode), in
 *   their order, with capped exponential backoff and full jitter, bounded by
 *   attempts and by the call's deadline minus a margin; then `UnavailableError`, so
 *   only this chunk's messages are redelivered. A resend of a record that did
 *   arrive is an exact copy, which readers collapse.
 * - Throttling, server faults and network faults are transient; anything else
 *   (InvalidArgumentException, ResourceNotFoundException, access denied, KMS
 *   errors, an unknown entry error code) is a configuration bug and is thrown
 *   as `FirehoseWriteError`, never retried as an outage.
 *
 * The composition root creates the client once with `maxAttempts: 1`: retries
 * belong here, where they are bounded by the Lambda deadline.
 */
import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { type CallOptions, timeLeft } from '../../domain/deadline.ts';
import { movementFingerprint, movementKey, readingFingerprint, readingKey } from '../../domain/identity.ts';
import type { MetricsStore, WriteResult } from '../../domain/metrics-ports.ts';
import {
  type Clock,
  type StoredMovement,
  type StoredReading,
  type StoreRejection,
  UnavailableError,
} from '../../domain/ports.ts';
import { isTransientAwsError } from '../aws-errors.ts';
import { FIREHOSE_LIMITS, type FirehoseLimits, packCalls } from './firehose-calls.ts';
import {
  checkMovement,
  checkReading,
  encodeRow,
  FUTURE_TOLERANCE_MS,
  movementRow,
  type RowRefusal,
  readingRow,
} from './lake-rows.ts';

export { FIREHOSE_LIMITS, type FirehoseLimits, packCalls } from './firehose-calls.ts';
export { FUTURE_TOLERANCE_MS } from './lake-rows.ts';

export interface FirehoseMetricsWriterProps {
  /** Created once by the composition root, with `maxAttempts: 1`. */
  readonly client: FirehoseClient;
  readonly readingsStreamName: string;
  readonly movementsStreamName: string;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter. */
  readonly random: () => number;
  /** Stop retrying when less than this would remain before the call's deadline. @default 2000 */
  readonly deadlineMarginMs?: number;
  /** Calls in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Attempts per call, the first included. @default 6 */
  readonly maxAttempts?: number;
  /** Backoff before the second attempt (the ceiling of its jitter). @default 100 */
  readonly baseDelayMs?: number;
  /** Backoff ceiling. @default 3200 */
  readonly maxDelayMs?: number;
  /** How far ahead of the clock a timestamp may be. @default 15 minutes, as Timestream */
  readonly futureToleranceMs?: number;
  /** Lower service limits, for tests. */
  readonly limits?: Partial<FirehoseLimits>;
}

/** Firehose refused a call or an entry for a reason retrying cannot fix (a configuration bug). */
export class FirehoseWriteError extends Error {
  override readonly name = 'FirehoseWriteError';
}

const TRANSIENT_RULES = {
  names: new Set([
    'ServiceUnavailableException',
    'ThrottlingException',
    'LimitExceededException',
    'InternalFailure',
    'InternalServerError',
    'RequestTimeout',
    'RequestTimeoutException',
    'TimeoutError',
    'AbortError',
  ]),
  tooManyRequests: true,
};

/** Entry error codes worth resending (PutRecordBatch documents ServiceUnavailableException and InternalFailure). */
const TRANSIENT_ENTRY_CODES: ReadonlySet<string> = new Set([
  'ServiceUnavailableException',
  'InternalFailure',
  'ThrottlingException',
]);

export const isTransient = (error: unknown): boolean => isTransientAwsError(error, TRANSIENT_RULES);

/** One record to send and how many input items it stands for. */
interface Outgoing {
  readonly data: Uint8Array;
  readonly copies: number;
}

/** How one kind of item becomes records. */
interface Kind<T> {
  readonly stream: string;
  key(item: T): string;
  fingerprint(item: T): string;
  check(item: T): RowRefusal | undefined;
  encode(item: T): Uint8Array;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const MAX_DATE_MS = 8.64e15;
const describeTime = (ms: number): string =>
  Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : String(ms);

function checkProps(props: FirehoseMetricsWriterProps): void {
  for (const name of ['readingsStreamName', 'movementsStreamName'] as const) {
    if (typeof props[name] !== 'string' || props[name] === '')
      throw new RangeError(`${name} must be a non-empty string, got ${JSON.stringify(props[name])}`);
  }
  for (const [name, value] of Object.entries({
    concurrency: props.concurrency,
    maxAttempts: props.maxAttempts,
  })) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1))
      throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  }
  const nonNegative = {
    deadlineMarginMs: props.deadlineMarginMs,
    baseDelayMs: props.baseDelayMs,
    maxDelayMs: props.maxDelayMs,
    futureToleranceMs: props.futureToleranceMs,
  };
  for (const [name, value] of Object.entries(nonNegative)) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

export class FirehoseMetricsWriter implements Pick<MetricsStore, 'writeReadings' | 'writeMovements'> {
  private readonly limits: FirehoseLimits;
  private readonly readings: Kind<StoredReading>;
  private readonly movements: Kind<StoredMovement>;

  constructor(private readonly props: FirehoseMetricsWriterProps) {
    checkProps(props);
    this.limits = { ...FIREHOSE_LIMITS, ...props.limits };
    this.readings = {
      stream: props.readingsStreamName,
      key: readingKey,
      fingerprint: readingFingerprint,
      check: checkReading,
      encode: (r) => encodeRow(readingRow(r)),
    };
    this.movements = {
      stream: props.movementsStreamName,
      key: movementKey,
      fingerprint: movementFingerprint,
      check: checkMovement,
      encode: (m) => encodeRow(movementRow(m)),
    };
  }

  writeReadings(
    readings: readonly StoredReading[],
    options?: CallOptions,
  ): Promise<WriteResult<StoredReading>> {
    return this.write(readings, this.readings, options);
  }

  writeMovements(
    movements: readonly StoredMovement[],
    options?: CallOptions,
  ): Promise<WriteResult<StoredMovement>> {
    return this.write(movements, this.movements, options);
  }

  private async write<T extends { readonly ts: number; readonly version: number }>(
    items: readonly T[],
    kind: Kind<T>,
    options: CallOptions | undefined,
  ): Promise<WriteResult<T>> {
    const latest = this.props.clock.now() + (this.props.futureToleranceMs ?? FUTURE_TOLERANCE_MS);
    // One slot per item, so rejections come back in the items' order.
    const refusals: Array<RowRefusal | undefined> = items.map((item) =>
      item.ts > latest
        ? {
            kind: 'out-of-window',
            reason:
              `The record timestamp ${describeTime(item.ts)} is later than ${describeTime(latest)}, ` +
              'the end of the data ingestion window (checked before sending).',
          }
        : kind.check(item),
    );
    const records = this.distinctRecords(items, refusals, kind);
    await this.runBounded(packCalls(records, this.limits), kind.stream, options);
    const rejected: StoreRejection<T>[] = [];
    for (const [index, refusal] of refusals.entries())
      if (refusal) rejected.push({ item: items[index] as T, ...refusal });
    return { stored: items.length - rejected.length, rejected };
  }

  /**
   * One record per distinct (identity, version, content) not refused, in
   * input order; of several contents of one identity and version, the first
   * in fingerprint order is kept and the others become conflicts.
   */
  private distinctRecords<T extends { readonly version: number }>(
    items: readonly T[],
    refusals: Array<RowRefusal | undefined>,
    kind: Kind<T>,
  ): Outgoing[] {
    const winner = new Map<string, string>();
    for (const [index, item] of items.entries()) {
      if (refusals[index]) continue;
      const id = `${kind.key(item)}\u0000${item.version}`;
      const fingerprint = kind.fingerprint(item);
      const current = winner.get(id);
      if (current === undefined || compareText(fingerprint, current) < 0) winner.set(id, fingerprint);
    }
    const sent = new Map<string, { data: Uint8Array; copies: number }>();
    for (const [index, item] of items.entries()) {
      if (refusals[index]) continue;
      const id = `${kind.key(item)}\u0000${item.version}`;
      const fingerprint = kind.fingerprint(item);
      if (fingerprint !== winner.get(id)) {
        refusals[index] = {
          kind: 'conflict',
          reason:
            `Another content of the same identity and record version ${item.version} is in this write ` +
            'and wins (fingerprint order). A higher record version must be specified to change it.',
        };
        continue;
      }
      const existing = sent.get(id);
      if (existing) {
        existing.copies++;
        continue;
      }
      const data = kind.encode(item);
      if (data.byteLength > this.limits.maxRecordBytes) {
        refusals[index] = {
          kind: 'invalid',
          reason: `The row is ${data.byteLength} bytes, over the Firehose record limit of ${this.limits.maxRecordBytes} bytes.`,
        };
        continue;
      }
      sent.set(id, { data, copies: 1 });
    }
    return [...sent.values()];
  }

  /** Sends the calls, at most `concurrency` at once; after a failure, starts no new call and throws it. */
  private async runBounded(
    calls: readonly Outgoing[][],
    stream: string,
    options: CallOptions | undefined,
  ): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (failure === undefined && next < calls.length) {
        const call = calls[next++] as Outgoing[];
        try {
          await this.send(call, stream, options);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    const workers = Math.min(this.props.concurrency ?? 4, calls.length);
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== undefined) throw failure.error;
  }

  /** Sends `records` until every one is accepted; resends only the failed entries, in their order. */
  private async send(
    records: readonly Outgoing[],
    stream: string,
    options: CallOptions | undefined,
  ): Promise<void> {
    const remaining = () => timeLeft(options, this.props.clock.now());
    const maxAttempts = this.props.maxAttempts ?? 6;
    const margin = this.props.deadlineMarginMs ?? 2000;
    let pending = records;
    for (let attempt = 1; ; attempt++) {
      const budget = remaining() - margin;
      if (budget <= 0)
        throw new UnavailableError(
          `Firehose ${stream}: no time left before the deadline (${pending.length} records unsent)`,
        );
      let failure: unknown;
      try {
        const options = Number.isFinite(budget) ? { abortSignal: AbortSignal.timeout(budget) } : undefined;
        const output = await this.props.client.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: stream,
            Records: pending.map((record) => ({ Data: record.data })),
          }),
          options,
        );
        const { failed, error } = failedEntries(pending, output.FailedPutCount, output.RequestResponses);
        if (failed.length === 0) return;
        pending = failed;
        failure = error;
      } catch (error) {
        if (!isTransient(error)) {
          if (error instanceof FirehoseWriteError) throw error;
          const e = error as { name?: unknown; message?: unknown };
          throw new FirehoseWriteError(
            `Firehose ${stream} refused PutRecordBatch: ${String(e?.name)}: ${String(e?.message)}`,
            { cause: error },
          );
        }
        failure = error;
      }
      if (attempt >= maxAttempts)
        throw new UnavailableError(
          `Firehose ${stream}: ${pending.length} records still failing after ${attempt} attempts`,
          5,
          { cause: failure },
        );
      const ceiling = Math.min(
        this.props.maxDelayMs ?? 3200,
        (this.props.baseDelayMs ?? 100) * 2 ** (attempt - 1),
      );
      const delay = Math.floor(this.props.random() * ceiling);
      if (remaining() - delay - margin <= 0)
        throw new UnavailableError(`Firehose ${stream}: deadline reached after ${attempt} attempts`, 5, {
          cause: failure,
        });
      await this.props.sleep(delay);
    }
  }
}

/**
 * The records of a call to send again, and what they failed with. A
 * permanent entry error throws; a response that reports failures but not
 * which ones resends them all (an exact copy is harmless).
 */
function failedEntries(
  sent: readonly Outgoing[],
  failedPutCount: number | undefined,
  responses: ReadonlyArray<{ ErrorCode?: string; ErrorMessage?: string }> | undefined,
): { failed: Outgoing[]; error?: Error } {
  if (responses === undefined || responses.length !== sent.length) {
    if ((failedPutCount ?? 0) === 0 && responses === undefined) return { failed: [] };
    return {
      failed: [...sent],
      error: new Error(`PutRecordBatch reported ${failedPutCount} failures without entries`),
    };
  }
  const failed: Outgoing[] = [];
  let first: { ErrorCode?: string; ErrorMessage?: string } | undefined;
  for (const [index, response] of responses.entries()) {
    const code = response.ErrorCode;
    if (code === undefined || code === '') continue;
    if (!TRANSIENT_ENTRY_CODES.has(code))
      throw new FirehoseWriteError(`Firehose refused a record: ${code}: ${response.ErrorMessage ?? ''}`);
    first ??= response;
    failed.push(sent[index] as Outgoing);
  }
  const error = first && new Error(`${first.ErrorCode}: ${first.ErrorMessage ?? ''}`);
  return error ? { failed, error } : { failed };
}
