/** Lambda entry points of GET /v1/alerts and POST /v1/alerts/{alertId}/ack (IAM auth). */
import { relayWithLease } from '../adapters/alerts/leased-relay.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { makeAcknowledgeAlertHandler, makeListAlertsHandler } from '../handlers/alerts-api.ts';
import { alertPublisher, stateStores } from './aws-stores.ts';

const { alerts, relayLease } = stateStores(process.env);
/** How long an acknowledgement spends publishing what it queued before it answers. */
const ACK_RELAY_MS = 3_000;

// Built on first use: the list function shares this module but has no topic.
let publisher: ReturnType<typeof alertPublisher> | undefined;

export const listHandler = makeListAlertsHandler({ alerts, clock: systemClock });
export const ackHandler = makeAcknowledgeAlertHandler({
  alerts,
  clock: systemClock,
  relay: () => {
    const until = Date.now() + ACK_RELAY_MS;
    publisher ??= alertPublisher(process.env);
    return relayWithLease({
      store: alerts,
      publisher,
      lease: relayLease,
      clock: systemClock,
      remainingMs: () => until - Date.now(),
    });
  },
});
