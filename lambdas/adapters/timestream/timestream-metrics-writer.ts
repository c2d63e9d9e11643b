/**
 * The write half of the metrics store on Timestream for LiveAnalytics.
 *
 * - Builds deterministic records (records.ts), so a redelivery is an
 *   identical rewrite.
 * - Sends the calls of each round with bounded concurrency.
 * - Retries a call on ThrottlingException, InternalServerException, any 5xx
 *   and network faults, with capped exponential backoff and full jitter, for
 *   a bounded number of attempts and never past the call's deadline minus a margin;
 *   then throws the domain `UnavailableError` (the SQS message is redelivered).
 * - Handles RejectedRecordsException record by record: the other records of
 *   the call were ingested and are not resent; a rejected record is never
 *   retried. An older version than the stored one is "superseded" (counted as
 *   stored); the rest is reported in `rejected` as conflict, out-of-window or
 *   invalid.
 * - Several contents of one item and version in one call go in successive
 *   rounds, in fingerprint order (records.ts), so each is judged against what
 *   is stored at that moment: one identical to the stored content is stored,
 *   only those that differ from it are refused.
 * - Any other error (ValidationException, AccessDeniedException,
 *   ResourceNotFoundException, ...) is a configuration bug, not data: it is
 *   thrown as `TimestreamWriteError`.
 *
 * The composition root creates the client once at module scope with
 * `maxAttempts: 1`: retries belong to this adapter, where they are bounded by
 * attempts and by the Lambda deadline; SDK retries would multiply them.
 */
import { type TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { type CallOptions, timeLeft } from '../../domain/deadline.ts';
import type { MetricsStore, WriteResult } from '../../domain/metrics-ports.ts';
import {
  type Clock,
  type RejectionKind,
  type StoredMovement,
  type StoredReading,
  type StoreRejection,
  UnavailableError,
} from '../../domain/ports.ts';
import {
  type PlannedCall,
  planMovementWrites,
  planReadingWrites,
  type RecordLimits,
  type WritePlan,
} from './records.ts';

/** Timestream refuses timestamps more than 15 minutes ahead of its clock. */
export const FUTURE_TOLERANCE_MS = 15 * 60_000;

export interface TimestreamMetricsWriterProps {
  /** Created once by the composition root, with `maxAttempts: 1`. */
  readonly client: TimestreamWriteClient;
  readonly databaseName: string;
  readonly readingsTableName: string;
  readonly movementsTableName: string;
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
  /**
   * Memory-store retention of the tables. When set, items older than
   * `now - retentionMs` are refused as out-of-window without a call; leave it
   * unset when magnetic-store writes are enabled (they accept older data).
   */
  readonly retentionMs?: number;
  /** How far ahead of the clock a timestamp may be. @default 15 minutes, as Timestream */
  readonly futureToleranceMs?: number;
  /** Lower service limits, for tests. */
  readonly limits?: Partial<RecordLimits>;
}

/** Timestream refused a request as a whole for a reason retrying cannot fix (a configuration bug). */
export class TimestreamWriteError extends Error {
  override readonly name = 'TimestreamWriteError';
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'InternalServerException',
  'ServiceUnavailableException',
  'InvalidEndpointException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly RejectedRecords?: ReadonlyArray<{
    readonly RecordIndex?: number;
    readonly Reason?: string;
    readonly ExistingVersion?: number;
  }>;
}

const shapeOf = (error: unknown): ErrorShape => (typeof error === 'object' && error !== null ? error : {});

/** Throttling, server faults and network faults: worth another attempt. */
export function isTransient(error: unknown): boolean {
  const e = shapeOf(error);
  const status = e.$metadata?.httpStatusCode;
  return (
    (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) ||
    (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) ||
    status === 429 ||
    (status !== undefined && status >= 500)
  );
}

/** What a RejectedRecords entry means for the items of that record. */
export type RecordOutcome =
  | { readonly stored: true }
  | { readonly stored: false; readonly kind: RejectionKind; readonly reason: string };

/**
 * Classifies one RejectedRecords entry. Wording seen from the service:
 * "The record version 2 is lower than the existing version 200. ..." (with
 * ExistingVersion), "A record already exists with the same time, dimensions,
 * measure name, and record version. ...", and "The record timestamp is
 * outside the time range [a, b) of the data ingestion window."
 */
export function classifyRejection(
  recordVersion: number,
  reason: string,
  existingVersion?: number,
): RecordOutcome {
  const existing = existingVersion ?? versionInReason(reason);
  if (existing !== undefined && existing > recordVersion) return { stored: true };
  if (existing !== undefined || /already exists|higher (record )?version|existing version/i.test(reason))
    return { stored: false, kind: 'conflict', reason };
  if (/timestamp/i.test(reason) && /outside|ingestion window|retention|future/i.test(reason))
    return { stored: false, kind: 'out-of-window', reason };
  return { stored: false, kind: 'invalid', reason };
}

function versionInReason(reason: string): number | undefined {
  const match = /existing version (\d+)/i.exec(reason);
  return match ? Number(match[1]) : undefined;
}

function checkProps(props: TimestreamMetricsWriterProps): void {
  for (const name of ['databaseName', 'readingsTableName', 'movementsTableName'] as const) {
    if (typeof props[name] !== 'string' || props[name] === '')
      throw new RangeError(`${name} must be a non-empty string, got ${JSON.stringify(props[name])}`);
  }
  const positiveIntegers = {
    concurrency: props.concurrency,
    maxAttempts: props.maxAttempts,
  };
  for (const [name, value] of Object.entries(positiveIntegers)) {
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
  if (props.retentionMs !== undefined && !(Number.isFinite(props.retentionMs) && props.retentionMs > 0))
    throw new RangeError(`retentionMs must be a finite number > 0, got ${props.retentionMs}`);
}

const STORED: RecordOutcome = { stored: true };

/** The largest distance from the epoch a `Date` can hold (ECMA-262), in ms. */
const MAX_DATE_MS = 8.64e15;

/** ISO text when a `Date` can hold the instant, else the number itself (never throws). */
const describeTime = (ms: number): string =>
  Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : String(ms);

export class TimestreamMetricsWriter implements Pick<MetricsStore, 'writeReadings' | 'writeMovements'> {
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly marginMs: number;
  private readonly futureToleranceMs: number;

  constructor(private readonly props: TimestreamMetricsWriterProps) {
    checkProps(props);
    this.concurrency = props.concurrency ?? 4;
    this.maxAttempts = props.maxAttempts ?? 6;
    this.baseDelayMs = props.baseDelayMs ?? 100;
    this.maxDelayMs = props.maxDelayMs ?? 3200;
    this.marginMs = props.deadlineMarginMs ?? 2000;
    this.futureToleranceMs = props.futureToleranceMs ?? FUTURE_TOLERANCE_MS;
  }

  async writeReadings(
    readings: readonly StoredReading[],
    options?: CallOptions,
  ): Promise<WriteResult<StoredReading>> {
    const { inside, outside } = this.splitByWindow(readings);
    const plan = planReadingWrites(inside, this.props.limits);
    return this.execute(plan, outside, this.props.readingsTableName, options);
  }

  async writeMovements(
    movements: readonly StoredMovement[],
    options?: CallOptions,
  ): Promise<WriteResult<StoredMovement>> {
    const { inside, outside } = this.splitByWindow(movements);
    const plan = planMovementWrites(inside, this.props.limits);
    return this.execute(plan, outside, this.props.movementsTableName, options);
  }

  /** Items Timestream would refuse for their timestamp alone never go into a call. */
  private splitByWindow<T extends { readonly ts: number }>(
    items: readonly T[],
  ): { inside: T[]; outside: StoreRejection<T>[] } {
    const now = this.props.clock.now();
    const latest = now + this.futureToleranceMs;
    const earliest =
      this.props.retentionMs === undefined ? Number.NEGATIVE_INFINITY : now - this.props.retentionMs;
    const inside: T[] = [];
    const outside: StoreRejection<T>[] = [];
    for (const item of items) {
      if (!(item.ts > latest || item.ts < earliest)) {
        inside.push(item);
        continue;
      }
      outside.push({
        item,
        kind: 'out-of-window',
        reason:
          `The record timestamp ${describeTime(item.ts)} is outside the time range ` +
          `[${describeTime(earliest)}, ${describeTime(latest)}] of the data ingestion window (checked before sending).`,
      });
    }
    return { inside, outside };
  }

  /**
   * Runs the rounds one after the other. An item is stored when the record
   * carrying it is stored, or when a later record repeating its content is
   * (Timestream then holds that content); otherwise it is refused with the
   * reason its own record got.
   */
  private async execute<T>(
    plan: WritePlan<T>,
    refused: readonly StoreRejection<T>[],
    tableName: string,
    options: CallOptions | undefined,
  ): Promise<WriteResult<T>> {
    const rejected: StoreRejection<T>[] = [...refused, ...plan.rejected];
    let carried = 0;
    // Only items whose own record was refused are followed (most are stored: a map of every item
    // cost a tenth of the processor); a later record that repeats their content may still store them.
    const refusedItems: T[] = [];
    const fate = new Map<T, RecordOutcome>();
    for (const round of plan.rounds) {
      const outcomes = await this.runBounded(round, (call) => this.send(call, tableName, options));
      for (const [c, call] of round.entries()) {
        const perRecord = outcomes[c] as ReadonlyArray<RecordOutcome>;
        for (const [r, items] of call.items.entries()) {
          const outcome = perRecord[r] ?? STORED;
          carried += items.length;
          if (!outcome.stored) {
            for (const item of items) {
              refusedItems.push(item);
              fate.set(item, outcome);
            }
          } else if (fate.size > 0) {
            for (const item of call.repeats[r] ?? []) if (fate.has(item)) fate.set(item, outcome);
          }
        }
      }
    }
    let stored = carried - refusedItems.length;
    for (const item of refusedItems) {
      const outcome = fate.get(item) ?? STORED;
      if (outcome.stored) stored++;
      else rejected.push({ item, kind: outcome.kind, reason: outcome.reason });
    }
    return { stored, rejected };
  }

  /** Runs `task` over `calls`, at most `concurrency` at once; after a failure, starts no new call. */
  private async runBounded<C, R>(calls: readonly C[], task: (call: C) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(calls.length);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (failure === undefined && next < calls.length) {
        const index = next++;
        try {
          results[index] = await task(calls[index] as C);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, calls.length) }, worker));
    if (failure !== undefined) throw failure.error;
    return results;
  }

  /** One call with bounded retries; resolves to the outcome of each record. */
  private async send<T>(
    call: PlannedCall<T>,
    tableName: string,
    options: CallOptions | undefined,
  ): Promise<RecordOutcome[]> {
    const { databaseName } = this.props;
    const remaining = () => timeLeft(options, this.props.clock.now());
    const where = `${databaseName}.${tableName}`;
    for (let attempt = 1; ; attempt++) {
      const budget = remaining() - this.marginMs;
      if (budget <= 0) throw new UnavailableError(`Timestream ${where}: no time left before the deadline`);
      try {
        const command = new WriteRecordsCommand({
          DatabaseName: databaseName,
          TableName: tableName,
          ...call.body,
        });
        const options = Number.isFinite(budget) ? { abortSignal: AbortSignal.timeout(budget) } : undefined;
        await this.props.client.send(command, options);
        return call.body.Records.map(() => ({ stored: true }));
      } catch (error) {
        if (shapeOf(error).name === 'RejectedRecordsException') return rejectedOutcomes(call, error);
        if (!isTransient(error)) {
          const e = shapeOf(error);
          throw new TimestreamWriteError(
            `Timestream ${where} refused WriteRecords: ${String(e.name)}: ${String(e.message)}`,
            {
              cause: error,
            },
          );
        }
        if (attempt >= this.maxAttempts)
          throw new UnavailableError(`Timestream ${where} still failing after ${attempt} attempts`, 5, {
            cause: error,
          });
        const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        const delay = Math.floor(this.props.random() * ceiling);
        if (remaining() - delay - this.marginMs <= 0)
          throw new UnavailableError(`Timestream ${where}: deadline reached after ${attempt} attempts`, 5, {
            cause: error,
          });
        await this.props.sleep(delay);
      }
    }
  }
}

function rejectedOutcomes(call: PlannedCall<unknown>, error: unknown): RecordOutcome[] {
  const entries = shapeOf(error).RejectedRecords;
  const records = call.body.Records;
  if (entries === undefined || entries.length === 0) {
    // Without the list, nothing says which records were ingested: refuse them all, so none is lost silently.
    const reason = `Timestream rejected the call without RejectedRecords details: ${String(shapeOf(error).message)}`;
    return records.map(() => ({ stored: false, kind: 'invalid', reason }));
  }
  const outcomes: RecordOutcome[] = records.map(() => ({ stored: true }));
  for (const entry of entries) {
    const index = entry.RecordIndex;
    const record = index === undefined ? undefined : records[index];
    if (index === undefined || record === undefined) continue;
    outcomes[index] = classifyRejection(
      record.Version ?? 1,
      entry.Reason ?? 'rejected without a reason',
      entry.ExistingVersion,
    );
  }
  return outcomes;
}
