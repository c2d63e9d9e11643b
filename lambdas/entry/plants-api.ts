/** Lambda entry point of GET /v1/plants (IAM auth): the registered plants and their data frontier, from DynamoDB. */
import { makeListPlantsHandler } from '../handlers/plants-api.ts';
import { daySettlement, stateStore } from './aws-stores.ts';
import { measuredEntry } from './observability.ts';

const { handler: wrap } = measuredEntry('plants-api');

export const handler = wrap(
  makeListPlantsHandler({
    plants: stateStore(process.env),
    progress: daySettlement(process.env),
  }),
);
