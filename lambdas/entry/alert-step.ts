/** Lambda entry point of the alert step (composition root): the batch alert rules and the outbox relay. */
import type { Context, SQSEvent } from 'aws-lambda';
import { relayWithLease } from '../adapters/alerts/leased-relay.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { BatchAlertEngine } from '../app/batch-alert-engine.ts';
import { timeLeft } from '../domain/deadline.ts';
import { makeAlertStepHandler } from '../handlers/alert-step.ts';
import { alertPublisher } from './aws-stores.ts';
import { alertStepReader, batchAlertStores } from './metrics-stores.ts';
import { measuredEntry } from './observability.ts';

const { log, count, handler: wrap } = measuredEntry('alert-step');

// Strongly consistent, no KPI rollup: the step judges readings and movements the processor has just stored.
const reads = alertStepReader(process.env);
const { alerts, relayLease, deps } = batchAlertStores(process.env, reads);
// The batch step only: the scheduled rules are the scheduler's (docs/bundles.md).
const engine = new BatchAlertEngine(deps);
const publisher = alertPublisher(process.env);

/** How long a step waits for a lease another relay holds (it usually holds it for well under a second). */
const RELAY_LEASE_WAIT_MS = 1500;

const step = makeAlertStepHandler({
  engine,
  // Publish the transitions this batch queued now, if no other relay holds the lease within
  // RELAY_LEASE_WAIT_MS; else the holder (it looks again after releasing) or the scheduled run does.
  relay: (calls) =>
    relayWithLease({
      store: alerts,
      publisher,
      lease: relayLease,
      clock: systemClock,
      acquireWaitMs: RELAY_LEASE_WAIT_MS,
      remainingMs: () => timeLeft(calls, systemClock.now()),
    }),
  log,
  count,
  clock: systemClock,
});

export const handler = wrap((event: SQSEvent, context?: Context) => step(event, context));
