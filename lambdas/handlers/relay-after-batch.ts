/**
 * The outbox relay after a batch, one behaviour for the alert-step Lambda
 * (awaited at the end of each invocation) and local mode (beside its
 * consumers, coalesced): a relay that throws or stops short fails no batch,
 * since the lease holder's look after releasing or the scheduled run
 * publishes what is left (docs/alert-delivery.md), but it is logged and the
 * transitions published are counted.
 */
import type { CallOptions } from '../domain/deadline.ts';
import { errorName } from '../domain/error-name.ts';

/** What a relay run reports (LeasedRelayReport has more; these are what is logged and counted). */
export interface RelayOutcome {
  readonly published: number;
  /** `done` and `held` leave nothing to this caller; anything else leaves work for the next relay. */
  readonly stoppedBy: string;
}

export interface RelayAfterBatchDeps {
  /** Runs the relay within the invocation's deadline (`options`; none in local mode). */
  readonly relay: (options?: CallOptions) => Promise<RelayOutcome>;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  readonly count?: (name: string, value: number) => void;
}

/** One relay run that never rejects: what went wrong is logged, what was published counted (`AlertsPublished`). */
export function relayAfterBatch(deps: RelayAfterBatchDeps): (options?: CallOptions) => Promise<void> {
  const log = deps.log ?? (() => {});
  const count = deps.count ?? (() => {});
  return async (options) => {
    try {
      const report = await deps.relay(options);
      count('AlertsPublished', report.published);
      if (report.stoppedBy !== 'done' && report.stoppedBy !== 'held') {
        log('warn', 'outbox relay stopped; the next relay retries', {
          stoppedBy: report.stoppedBy,
          published: report.published,
        });
      }
    } catch (error) {
      log('warn', 'outbox relay failed; the scheduled run retries', { error: errorName(error) });
    }
  };
}

export interface CoalescedRelay {
  /** Starts a run now, or, while one runs, one more run after it (however many ask meanwhile). */
  request(): void;
  /** Resolves once no run is going or owed. */
  idle(): Promise<void>;
}

/**
 * `relayAfterBatch` for callers that must not wait for it (local mode's
 * consumers: a slow webhook must not keep a batch past its visibility
 * timeout). A batch that ends while a run goes asks for one more, so its
 * transitions are not left to the scheduled run.
 */
export function coalescedRelayAfterBatch(deps: RelayAfterBatchDeps): CoalescedRelay {
  const run = relayAfterBatch(deps);
  let running: Promise<void> | undefined;
  let again = false;
  return {
    request() {
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          await run();
        } while (again);
      })().finally(() => {
        running = undefined;
      });
    },
    idle: async () => {
      await running;
    },
  };
}
