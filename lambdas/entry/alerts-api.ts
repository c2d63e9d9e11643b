/** Lambda entry point of GET /v1/alerts (IAM auth). */
import { systemClock } from '../adapters/system-clock.ts';
import { makeListAlertsHandler } from '../handlers/alerts-api.ts';
import { alertStore } from './aws-stores.ts';
import { measuredEntry } from './observability.ts';

const alerts = alertStore(process.env);
const { handler: wrap } = measuredEntry('alerts-api');

export const listHandler = wrap(makeListAlertsHandler({ alerts, clock: systemClock }));
