/**
 * The outbox relay: publishes the alert store's pending transitions, oldest
 * first, and marks each one published only after its publish succeeded.
 *
 * Delivery guarantee: at least once, from the outbox. A transition leaves the
 * outbox only through markPublished, which runs only after publish resolved,
 * so none is lost: a failed publish leaves it (and everything after it)
 * pending for the next run. A markPublished that finds the store unavailable
 * is tried again (MARK_RETRY_DELAYS_MS, while time allows), because giving up
 * means publishing again. A duplicate happens only when the process stops,
 * or markPublished keeps failing, between a successful publish and its markPublished:
 * the next run publishes that transition again, with the same `transitionId`
 * (an SNS message attribute and a field of the JSON), by which subscribers
 * drop the repeat. (SNS itself also delivers at least once.)
 *
 * Order: the relay stops at the first publish that fails, so a later
 * transition of an alert never goes out before an earlier one; within one
 * run, transitions go out in the store's order (oldest first, each alert's
 * own in sequence). That holds for one relay at a time: two relays running at
 * once may both publish the same transition, and interleave an alert's
 * transitions. So callers never run this directly but through
 * relayWithLease (leased-relay.ts), which runs it only while holding the
 * relay lease (docs/alert-delivery.md).
 *
 * Errors other than UnavailableError (a missing topic, no permission, a
 * malformed stored item) are not transient: they propagate, and the
 * transition stays pending until someone fixes the cause.
 */
import type { AlertTransition } from '../../domain/alerts/model.ts';
import { type AlertPublisher, type AlertStore, UnavailableError } from '../../domain/ports.ts';

/** Time left below which the relay starts no further publish, by default. */
export const DEFAULT_RESERVE_MS = 1000;

/**
 * Pauses before each further markPublished after an UnavailableError (the SDK
 * has already retried the call itself): a transition given up on is published
 * again by the next run, so a few more tries here save subscribers a repeat.
 */
export const MARK_RETRY_DELAYS_MS: readonly number[] = [100, 400];

export interface RelayOutboxOptions {
  readonly store: Pick<AlertStore, 'pendingTransitions' | 'markPublished'>;
  readonly publisher: AlertPublisher;
  /** Most transitions to take in this run. */
  readonly limit: number;
  /** Time left in the invocation, e.g. the Lambda context's getRemainingTimeInMillis. Default: no deadline. */
  readonly remainingMs?: () => number;
  /** No new publish starts with less than this left. Default DEFAULT_RESERVE_MS. */
  readonly reserveMs?: number;
  /** Waits before retrying a markPublished; default setTimeout. Tests pass one that returns at once. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type RelayStop =
  /** Every transition taken was published and marked. */
  | 'done'
  /** The store or the publisher was unavailable; the rest stays pending, in order. */
  | 'unavailable'
  /** Time ran out; the rest stays pending. */
  | 'deadline';

export interface RelayReport {
  /** Transitions taken from the outbox. */
  readonly taken: number;
  /** Published and marked published. */
  readonly published: number;
  /** Published, but markPublished failed: they stay pending and will be published again. */
  readonly unmarked: number;
  /** Taken but not published in this run (the failed one and those after it). */
  readonly left: number;
  readonly stoppedBy: RelayStop;
  /** The outbox may hold more: the run took as many as `limit`, or stopped early. */
  readonly more: boolean;
  /** What stopped the run, when it was an UnavailableError. */
  readonly error?: UnavailableError;
}

export async function relayOutbox(options: RelayOutboxOptions): Promise<RelayReport> {
  const { store, publisher, limit } = options;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer; got ${limit}`);
  }
  const reserveMs = options.reserveMs ?? DEFAULT_RESERVE_MS;
  const outOfTime = () => options.remainingMs !== undefined && options.remainingMs() < reserveMs;
  const sleep = options.sleep ?? realSleep;

  /** markPublished, tried again after an UnavailableError while time allows; the last error is thrown. */
  const mark = async (transitionId: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await store.markPublished(transitionId);
      } catch (error) {
        const delay = MARK_RETRY_DELAYS_MS[attempt];
        const timeLeft = options.remainingMs?.() ?? Number.POSITIVE_INFINITY;
        if (!(error instanceof UnavailableError) || delay === undefined || timeLeft < reserveMs + delay) {
          throw error;
        }
        await sleep(delay);
      }
    }
  };

  let pending: AlertTransition[];
  try {
    pending = await store.pendingTransitions(limit);
  } catch (error) {
    if (error instanceof UnavailableError) {
      return { taken: 0, published: 0, unmarked: 0, left: 0, stoppedBy: 'unavailable', more: true, error };
    }
    throw error;
  }

  let published = 0;
  let unmarked = 0;
  const stop = (stoppedBy: RelayStop, index: number, error?: UnavailableError): RelayReport => ({
    taken: pending.length,
    published,
    unmarked,
    left: pending.length - index,
    stoppedBy,
    more: stoppedBy !== 'done' || pending.length === limit,
    ...(error ? { error } : {}),
  });

  for (const [index, transition] of pending.entries()) {
    if (outOfTime()) return stop('deadline', index);
    try {
      await publisher.publish(transition);
    } catch (error) {
      if (error instanceof UnavailableError) return stop('unavailable', index, error);
      throw error;
    }
    try {
      await mark(transition.transitionId);
    } catch (error) {
      if (error instanceof UnavailableError) {
        unmarked += 1;
        return stop('unavailable', index + 1, error);
      }
      throw error;
    }
    published += 1;
  }
  return stop('done', pending.length);
}
