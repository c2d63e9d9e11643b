/** Lambda entry points of GET /v1/alerts and POST /v1/alerts/{alertId}/ack (IAM auth). */
import { systemClock } from '../adapters/system-clock.ts';
import { makeAcknowledgeAlertHandler, makeListAlertsHandler } from '../handlers/alerts-api.ts';
import { stateStores } from './aws-stores.ts';

const { alerts } = stateStores(process.env);

export const listHandler = makeListAlertsHandler({ alerts, clock: systemClock });
export const ackHandler = makeAcknowledgeAlertHandler({ alerts, clock: systemClock });
