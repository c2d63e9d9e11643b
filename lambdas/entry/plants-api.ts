/** Lambda entry point of GET /v1/plants (IAM auth): the registered plants, from DynamoDB. */
import { makeListPlantsHandler } from '../handlers/plants-api.ts';
import { stateStore } from './aws-stores.ts';

const state = stateStore(process.env);

export const handler = makeListPlantsHandler({ plants: state });
