/** Lambda entry point of the gateway-token REQUEST authorizer (composition root). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { DynamoStateStore } from '../adapters/dynamo/dynamo-state-store.ts';
import { makeAuthorizerHandler } from '../handlers/authorizer.ts';
import { readEnv } from './env.ts';

const env = readEnv({ STATE_TABLE_NAME: z.string().check(z.minLength(3)) }, process.env);
const dynamo = new DynamoDBClient({});

export const handler = makeAuthorizerHandler({
  tokens: new DynamoStateStore({ client: dynamo, tableName: env.STATE_TABLE_NAME }),
});
