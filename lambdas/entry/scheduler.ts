/** Lambda entry point of the scheduled run (EventBridge): alert rules on a timer and the outbox relay. */
import type { Context } from 'aws-lambda';
import { relayOutbox } from '../adapters/alerts/outbox-relay.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { makeSchedulerHandler } from '../handlers/scheduler.ts';
import { alertEngine, alertPublisher } from './aws-stores.ts';
import { observability } from './observability.ts';

const { engine, alerts } = alertEngine(process.env);
const publisher = alertPublisher(process.env);
const { log, instrument } = observability('scheduler');

let currentContext: Pick<Context, 'getRemainingTimeInMillis'> | undefined;
const run = makeSchedulerHandler({
  engine,
  relay: () =>
    relayOutbox({
      store: alerts,
      publisher,
      limit: 500,
      remainingMs: () => currentContext?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY,
    }),
  clock: systemClock,
  log,
});

export const handler = instrument(async (_event: unknown, context: Context) => {
  currentContext = context;
  return run();
});
