/**
 * Local mode's stand-in for the EventBridge schedule: the scheduled handler
 * (stale and stuck sensors, day rules, reminders, relay) on a timer, one run
 * at a time, a failed run logged and the next one tried on time.
 */
import { DEFAULT_LEASE_TTL_MS } from '../adapters/alerts/leased-relay.ts';
import type { AlertEngine } from '../app/alert-engine.ts';
import { errorName } from '../domain/error-name.ts';
import type { Clock } from '../domain/ports.ts';
import { makeSchedulerHandler } from '../handlers/scheduler.ts';
import type { LocalLog } from './local-mode-types.ts';
import type { LocalRelay } from './local-pipeline.ts';

export interface SchedulerTimerDeps {
  readonly engine: AlertEngine;
  readonly relay: LocalRelay;
  readonly clock: Clock;
  readonly log: LocalLog;
  /** @default 60 000 */
  readonly intervalMs?: number | undefined;
}

export interface SchedulerTimer {
  /** Runs the scheduled handler now, after any run going. */
  run(): Promise<void>;
  /** Starts the timer (idempotent) and runs once at once. */
  resume(): void;
  /** Stops the timer and waits for the run going. */
  close(): Promise<void>;
}

export function schedulerTimer(deps: SchedulerTimerDeps): SchedulerTimer {
  const { log } = deps;
  const scheduled = makeSchedulerHandler({
    engine: deps.engine,
    // Longer than a grant: outlasts a holder that died with the lease.
    relay: () => deps.relay.run(DEFAULT_LEASE_TTL_MS + 5000),
    clock: deps.clock,
    log,
  });
  let last: Promise<void> = Promise.resolve();
  const run = () => {
    last = last.then(() =>
      scheduled().then(
        () => undefined,
        (error: unknown) => log('error', 'scheduled run failed', { error: errorName(error) }),
      ),
    );
    return last;
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    run,
    resume() {
      if (timer) return;
      timer = setInterval(() => void run(), deps.intervalMs ?? 60_000);
      timer.unref();
      // Catch up at once (stale sensors, yesterday's day rules, a pending outbox), then on the timer.
      void run();
    },
    async close() {
      clearInterval(timer);
      await last;
    },
  };
}
