/**
 * The deadline that travels with each call to a store (issue #21): stores
 * built once at cold start serve every invocation of the process, so the
 * time an invocation has left must come with its calls, never be kept by
 * the store.
 */

export interface CallOptions {
  /**
   * When the invocation making the call must be done, epoch milliseconds
   * (Lambda: its start plus `getRemainingTimeInMillis()`). A store stops
   * retrying and waiting before it. Absent: no deadline (local mode).
   */
  readonly deadline?: number;
}

/** The deadline `remainingMs` from `now` (+Infinity stays "no deadline"). */
export function deadlineIn(now: number, remainingMs: number): number | undefined {
  return Number.isFinite(remainingMs) ? now + remainingMs : undefined;
}

/** Milliseconds from `now` to the call's deadline; +Infinity without one. */
export function timeLeft(options: CallOptions | undefined, now: number): number {
  return options?.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - now;
}
