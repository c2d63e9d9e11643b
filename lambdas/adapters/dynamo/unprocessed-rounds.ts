/**
 * What DynamoDB's batch calls leave unprocessed (throttling) is sent again,
 * with jittered exponential backoff, a bounded number of times, and never
 * sleeping into the last second before the call's deadline; past that the
 * store is unavailable (SQS redelivers). One loop for every batch caller:
 * the recent telemetry writes and the quarantine's reads and writes.
 */
import { type CallOptions, timeLeft } from '../../domain/deadline.ts';
import { UnavailableError } from '../../domain/ports.ts';
import { dynamoCall } from './dynamo-errors.ts';

export interface RoundsPolicy extends CallOptions {
  /** Calls at most. @default 8 */
  readonly maxRounds?: number;
  /** The backoff's first ceiling, doubled each round. @default 50 */
  readonly baseDelayMs?: number;
  /** @default 2000 */
  readonly maxDelayMs?: number;
  /** Epoch ms, for the deadline. */
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** No retry sleeps into this last part of the time before the deadline. */
const DEADLINE_MARGIN_MS = 1000;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `call` with `first`, then with what it returned unprocessed, until
 * nothing is left; `unavailable` words the error when the bound or the
 * deadline stops it.
 */
export async function unprocessedRounds<T>(
  operation: string,
  policy: RoundsPolicy,
  first: readonly T[],
  call: (pending: readonly T[]) => Promise<readonly T[]>,
  unavailable: (left: number, rounds: number) => string,
): Promise<void> {
  const maxRounds = policy.maxRounds ?? 8;
  let pending = first;
  for (let round = 1; pending.length > 0; round++) {
    const current = pending;
    pending = await dynamoCall(operation, () => call(current));
    if (pending.length === 0) return;
    const ceiling = Math.min(policy.maxDelayMs ?? 2000, (policy.baseDelayMs ?? 50) * 2 ** (round - 1));
    const delay = Math.floor((policy.random ?? Math.random)() * ceiling);
    const remaining = timeLeft(policy, policy.now());
    if (round >= maxRounds || remaining - delay < DEADLINE_MARGIN_MS)
      throw new UnavailableError(unavailable(pending.length, round));
    await (policy.sleep ?? sleepFor)(delay);
  }
}
