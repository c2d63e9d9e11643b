/**
 * Backpressure for local mode: a bound on what was accepted (202, PUBACK) but
 * not yet processed, by how long it waits (the age of the oldest message the
 * processor has not taken up, or the time the queued messages take to work
 * off at the recent pace, whichever is longer) and by the bytes still queued.
 * Over the bound, ingest refuses before journaling anything, so the journal
 * and the answer time stay bounded (docs/backpressure.md).
 */

export interface BacklogBound {
  /**
   * Refuse while the oldest message not yet taken by the processor is older
   * than this, or the queued messages would take longer than this to process.
   */
  readonly maxAgeMs: number;
  /** Refuse while the queued bodies (waiting, in flight and awaiting a retry) total more than this. */
  readonly maxBytes: number;
}

/**
 * 2 s: what was accepted is queryable a few seconds later at any offered load (a gateway that is
 * refused keeps its data and sends it again after Retry-After); 64 MiB bounds the journal's disk.
 */
export const DEFAULT_BACKLOG_BOUND: BacklogBound = { maxAgeMs: 2_000, maxBytes: 64 * 1024 * 1024 };

/** How long an MQTT publish over the bound waits for room before it is refused. */
export const DEFAULT_MQTT_HOLD_MS = 10_000;

/** The queue's backlog, as `DurableQueue.backlog()` reports it. */
export interface Backlog {
  /** Age of the oldest message not yet received by the processor; 0 when none waits. */
  readonly oldestAgeMs: number;
  /** About how long the queued messages take to process at the recent pace (drain-rate.ts); undefined before it is known. */
  readonly drainMs?: number | undefined;
  readonly bytes: number;
  readonly messages: number;
}

/**
 * Why ingest is refused now, and when to try again. The reason is for logs:
 * `age` (the oldest waiting message waited longer than the bound), `drain`
 * (what is queued would take longer than the bound to process), `bytes`.
 */
export interface Overload {
  readonly reason: 'age' | 'drain' | 'bytes';
  readonly retryAfterSeconds: number;
  /** For the problem's `detail`: how far behind the pipeline is. */
  readonly detail: string;
}

/** Longest Retry-After we ask for: a gateway should look again within half a minute. */
export const MAX_RETRY_AFTER_SECONDS = 30;
/** Retry-After when the bytes bound is hit (the drain rate is not known; the age bound then takes over). */
export const BYTES_RETRY_AFTER_SECONDS = 5;

/** `undefined` when there is room; otherwise the refusal. O(1). */
export function overload(backlog: Backlog, bound: BacklogBound): Overload | undefined {
  const drainMs = backlog.drainMs ?? 0;
  const byDrain = drainMs > backlog.oldestAgeMs;
  const waitMs = byDrain ? drainMs : backlog.oldestAgeMs;
  if (waitMs > bound.maxAgeMs) {
    // The consumers take up to 500 messages a batch, so a backlog N seconds over may clear in one batch:
    // ask again after a fifth of the overshoot, soon while the pipeline is close, later when far behind.
    const over = Math.ceil((waitMs - bound.maxAgeMs) / 1000); // Infinity when nothing was processed: the cap
    const behind = !Number.isFinite(drainMs)
      ? 'its recent batches processed nothing'
      : byDrain
        ? `the queued messages would take about ${seconds(drainMs)} s to process`
        : `the oldest queued message has waited ${seconds(backlog.oldestAgeMs)} s`;
    return {
      reason: byDrain ? 'drain' : 'age',
      retryAfterSeconds: clamp(Math.ceil(over / 5), 1, MAX_RETRY_AFTER_SECONDS),
      detail: `The pipeline is behind: ${behind} (bound ${seconds(bound.maxAgeMs)} s; ${backlog.messages} messages, ${mebibytes(backlog.bytes)} MiB queued). Nothing was stored; send the message again after Retry-After.`,
    };
  }
  if (backlog.bytes > bound.maxBytes) {
    return {
      reason: 'bytes',
      retryAfterSeconds: BYTES_RETRY_AFTER_SECONDS,
      detail: `The pipeline is behind: ${mebibytes(backlog.bytes)} MiB in ${backlog.messages} messages are queued (bound ${mebibytes(bound.maxBytes)} MiB; the oldest waiting for ${seconds(backlog.oldestAgeMs)} s). Nothing was stored; send the message again after Retry-After.`,
    };
  }
  return undefined;
}

/** Checks a bound given by flags or environment; the message shows the bad value. */
export function validBound(bound: BacklogBound): BacklogBound {
  if (!Number.isFinite(bound.maxAgeMs) || bound.maxAgeMs < 0) {
    throw new RangeError(`the backlog age bound must be 0 ms or more; got ${JSON.stringify(bound.maxAgeMs)}`);
  }
  if (!Number.isFinite(bound.maxBytes) || bound.maxBytes < 0) {
    throw new RangeError(`the backlog bytes bound must be 0 or more; got ${JSON.stringify(bound.maxBytes)}`);
  }
  return bound;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function mebibytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
