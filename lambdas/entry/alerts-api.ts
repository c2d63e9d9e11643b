/** Lambda entry point of GET /v1/alerts (IAM auth). */
import { systemClock } from '../adapters/system-clock.ts';
import { makeListAlertsHandler } from '../handlers/alerts-api.ts';
import { stateStores } from './aws-stores.ts';

const { alerts } = stateStores(process.env);

export const listHandler = makeListAlertsHandler({ alerts, clock: systemClock });
