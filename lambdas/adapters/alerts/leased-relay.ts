/**
 * The outbox relay under a lease: every caller (each processor invocation,
 * the scheduled run, local mode's consumer) relays through this, and only
 * the lease holder publishes, so each alert's transitions reach the topic in
 * the order they were queued (docs/alert-delivery.md).
 *
 * - A caller tries to take the lease; while someone else holds it, it tries
 *   again every `pollMs` for up to `acquireWaitMs`, then leaves the work to
 *   the holder (or the next scheduled run).
 * - The holder publishes page after page until the outbox is empty, its
 *   invocation runs short, or the topic is unavailable. It never starts a
 *   publish later than the lease's expiry minus `marginMs` (by its own
 *   clock); the margin covers the longest publish (the publisher's own
 *   timeout) and clock skew between callers. It renews the lease while
 *   work remains and time allows.
 * - After releasing, the holder looks at the outbox once more: a transition
 *   queued by a caller that found the lease taken is published now, not at
 *   the next scheduled run.
 */
import { randomUUID } from 'node:crypto';
import {
  type AlertPublisher,
  type AlertStore,
  type Clock,
  type LeaseGrant,
  type RelayLease,
  UnavailableError,
} from '../../domain/ports.ts';
import { DEFAULT_RESERVE_MS, type RelayReport, relayOutbox } from './outbox-relay.ts';

/** How long a grant lasts before it must be renewed; a holder that died blocks others this long at most. */
export const DEFAULT_LEASE_TTL_MS = 60_000;
/**
 * No publish starts later than this before the lease expires: at least the
 * longest publish (SNS_PUBLISH_TIMEOUT_MS, 5 s) plus clock skew between
 * Lambda sandboxes (NTP-synchronised, well under a second), with room to spare.
 */
export const DEFAULT_LEASE_MARGIN_MS = 15_000;
export const DEFAULT_POLL_MS = 250;
export const DEFAULT_PAGE_SIZE = 100;
/** Rounds of take, drain, release, look again: bounds a run that keeps finding new work. */
const MAX_ROUNDS = 20;

export interface LeasedRelayOptions {
  readonly store: Pick<AlertStore, 'pendingTransitions' | 'markPublished'>;
  readonly publisher: AlertPublisher;
  readonly lease: RelayLease;
  readonly clock: Clock;
  /** Unique per run. Default a random UUID. */
  readonly owner?: string;
  /** Transitions per page. Default DEFAULT_PAGE_SIZE. */
  readonly pageSize?: number;
  /** Time left in the invocation. Default: no deadline. */
  readonly remainingMs?: () => number;
  /** No publish starts with less than this left. Default DEFAULT_RESERVE_MS. */
  readonly reserveMs?: number;
  /** How long to keep trying for a lease someone else holds. Default 0: one try. */
  readonly acquireWaitMs?: number;
  readonly pollMs?: number;
  readonly leaseTtlMs?: number;
  readonly marginMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface LeasedRelayReport {
  /** Published and marked published. */
  readonly published: number;
  /** Published but not marked: they go out again, with the same transitionId. */
  readonly unmarked: number;
  /** Taken in the last page but not published. */
  readonly left: number;
  /** Grants taken (a run may release and take the lease again for work queued meanwhile). */
  readonly grants: number;
  /**
   * `done`: the outbox was empty when the lease was last released;
   * `held`: someone else holds the lease and publishes;
   * `deadline`: the invocation ran short; `unavailable`: the store or topic failed.
   */
  readonly stoppedBy: RelayReport['stoppedBy'] | 'held';
  readonly error?: UnavailableError;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The options with their defaults, checked once per run. */
interface RelaySettings {
  readonly owner: string;
  readonly pageSize: number;
  readonly reserveMs: number;
  readonly ttlMs: number;
  readonly marginMs: number;
  readonly pollMs: number;
  readonly acquireWaitMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly invocationLeft: () => number;
}

function settingsOf(options: LeasedRelayOptions): RelaySettings {
  const settings: RelaySettings = {
    owner: options.owner ?? randomUUID(),
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    reserveMs: options.reserveMs ?? DEFAULT_RESERVE_MS,
    ttlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    marginMs: options.marginMs ?? DEFAULT_LEASE_MARGIN_MS,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    acquireWaitMs: options.acquireWaitMs ?? 0,
    sleep: options.sleep ?? realSleep,
    invocationLeft: () => options.remainingMs?.() ?? Number.POSITIVE_INFINITY,
  };
  const { ttlMs, marginMs, reserveMs, pollMs, acquireWaitMs } = settings;
  if (!(ttlMs > marginMs + reserveMs)) {
    throw new RangeError(
      `leaseTtlMs (${ttlMs}) must exceed marginMs (${marginMs}) plus reserveMs (${reserveMs})`,
    );
  }
  if (!(pollMs > 0) || !(acquireWaitMs >= 0)) {
    throw new RangeError(
      `pollMs must be positive and acquireWaitMs not negative; got ${pollMs}, ${acquireWaitMs}`,
    );
  }
  return settings;
}

/** What a run has done so far, across its grants. */
interface RelayTotals {
  published: number;
  unmarked: number;
  left: number;
  grants: number;
}

/** The lease, tried until it is free or the wait is over. */
async function acquireLease(
  options: LeasedRelayOptions,
  settings: RelaySettings,
): Promise<LeaseGrant | undefined> {
  const { lease, clock } = options;
  const giveUpAt = clock.now() + settings.acquireWaitMs;
  for (;;) {
    const now = clock.now();
    const answer = await lease.acquire(settings.owner, now, settings.ttlMs);
    if ('granted' in answer) return answer.granted;
    const after = clock.now();
    const wait = Math.min(settings.pollMs, Math.max(1, answer.heldUntil - after));
    if (after + wait > giveUpAt || settings.invocationLeft() - wait < settings.reserveMs) return undefined;
    await settings.sleep(wait);
  }
}

/**
 * Publishes page after page under `grant`, renewing it while work remains,
 * and releases the lease however it ends. `done`: the last page emptied the outbox.
 */
async function drainUnderGrant(
  options: LeasedRelayOptions,
  settings: RelaySettings,
  first: LeaseGrant,
  totals: RelayTotals,
): Promise<{ stop: RelayReport['stoppedBy']; error?: UnavailableError }> {
  const { store, publisher, lease, clock } = options;
  const { invocationLeft, marginMs, reserveMs, ttlMs } = settings;
  let grant = first;
  try {
    for (;;) {
      const held: LeaseGrant = grant;
      const page = await relayOutbox({
        store,
        publisher,
        limit: settings.pageSize,
        remainingMs: () => Math.min(invocationLeft(), held.expiresAt - marginMs - clock.now()),
        reserveMs,
        sleep: settings.sleep,
      });
      totals.published += page.published;
      totals.unmarked += page.unmarked;
      totals.left = page.left;
      if (page.stoppedBy === 'unavailable')
        return { stop: 'unavailable', ...(page.error ? { error: page.error } : {}) };
      if (!page.more) return { stop: 'done' };
      if (invocationLeft() < reserveMs) return { stop: 'deadline' };
      // More to do and time left: the lease must cover the next page.
      if (held.expiresAt - clock.now() < ttlMs / 2 || page.stoppedBy === 'deadline') {
        const renewed = await lease.renew(held, clock.now(), ttlMs);
        if (renewed === undefined) return { stop: 'deadline' };
        grant = renewed;
      }
    }
  } finally {
    await lease.release(grant).catch(() => undefined);
  }
}

export async function relayWithLease(options: LeasedRelayOptions): Promise<LeasedRelayReport> {
  const settings = settingsOf(options);
  const totals: RelayTotals = { published: 0, unmarked: 0, left: 0, grants: 0 };
  const report = (
    stoppedBy: LeasedRelayReport['stoppedBy'],
    error?: UnavailableError,
  ): LeasedRelayReport => ({ ...totals, stoppedBy, ...(error ? { error } : {}) });

  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const grant = await acquireLease(options, settings);
      if (grant === undefined) return report('held');
      totals.grants += 1;
      const { stop, error } = await drainUnderGrant(options, settings, grant, totals);
      if (stop !== 'done') return report(stop, error);
      if (settings.invocationLeft() < settings.reserveMs) return report('deadline');
      // A caller that found the lease taken left its transitions to us: look once more.
      if ((await options.store.pendingTransitions(1)).length === 0) return report('done');
    }
    return report('deadline');
  } catch (error) {
    if (error instanceof UnavailableError) return report('unavailable', error);
    throw error;
  }
}
