/** Lambda entry point of GET /v1/alerts (IAM auth). */
import { systemClock } from '../adapters/system-clock.ts';
import { makeListAlertsHandler } from '../handlers/alerts-api.ts';
import { alertStore } from './aws-stores.ts';

const alerts = alertStore(process.env);

export const listHandler = makeListAlertsHandler({ alerts, clock: systemClock });
