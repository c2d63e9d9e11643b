/**
 * Lambda entry point of POST /v1/alerts/{alertId}/ack (IAM auth): stores the
 * acknowledgement and publishes what it queued through the leased relay, so
 * subscribers hear of it at once rather than at the next scheduled run.
 */
import { relayWithLease } from '../adapters/alerts/leased-relay.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { makeAcknowledgeAlertHandler } from '../handlers/alerts-api.ts';
import { alertPublisher, alertStore, relayLeaseStore } from './aws-stores.ts';
import { measuredEntry } from './observability.ts';

const alerts = alertStore(process.env);
const relayLease = relayLeaseStore(process.env);
const publisher = alertPublisher(process.env);
/** How long an acknowledgement spends publishing what it queued before it answers. */
const ACK_RELAY_MS = 3_000;
const { handler: wrap } = measuredEntry('alerts-ack');

export const ackHandler = wrap(
  makeAcknowledgeAlertHandler({
    alerts,
    clock: systemClock,
    relay: () => {
      const until = Date.now() + ACK_RELAY_MS;
      return relayWithLease({
        store: alerts,
        publisher,
        lease: relayLease,
        clock: systemClock,
        remainingMs: () => until - Date.now(),
      });
    },
  }),
);
