/** Lambda entry point of the scheduled run (EventBridge): alert rules on a timer and the outbox relay. */
import type { Context } from 'aws-lambda';
import { DEFAULT_LEASE_TTL_MS, relayWithLease } from '../adapters/alerts/leased-relay.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { ScheduledAlertEngine } from '../app/scheduled-alert-engine.ts';
import { timeLeft } from '../domain/deadline.ts';
import { makeSchedulerHandler } from '../handlers/scheduler.ts';
import { alertPublisher } from './aws-stores.ts';
import { metricsReader, scheduledAlertStores } from './metrics-stores.ts';
import { loggedEntry } from './observability.ts';

// Logs only: metric filters read its figures from the 'scheduled run' line
// (lib/constructs/scheduler-metrics.ts); Powertools Metrics would cost 10.7 KiB.
const { log, handler: wrap } = loggedEntry('scheduler');

const { alerts, relayLease, deps } = scheduledAlertStores(process.env, metricsReader(process.env));
// The scheduled step only: the batch step is the alert step's (docs/bundles.md).
const engine = new ScheduledAlertEngine(deps);
const publisher = alertPublisher(process.env);

const run = makeSchedulerHandler({
  engine,
  // The sweeper: it waits out even a lease left by a relay that died (its timeout is minutes).
  relay: (calls) =>
    relayWithLease({
      store: alerts,
      publisher,
      lease: relayLease,
      clock: systemClock,
      acquireWaitMs: DEFAULT_LEASE_TTL_MS + 5000,
      pollMs: 1000,
      remainingMs: () => timeLeft(calls, systemClock.now()),
    }),
  clock: systemClock,
  log,
});

export const handler = wrap((_event: unknown, context?: Context) => run(context));
