/** Lambda entry point of the gateway-token REQUEST authorizer (composition root). */
import * as z from 'zod/mini';
import { DynamoStateStore } from '../adapters/dynamo/dynamo-state-store.ts';
import { makeAuthorizerHandler, UNAUTHORIZED } from '../handlers/authorizer.ts';
import { sharedDynamoClient } from './dynamo-client.ts';
import { readEnv } from './env.ts';
import { measuredEntry } from './observability.ts';

const env = readEnv({ STATE_TABLE_NAME: z.string().check(z.minLength(3)) }, process.env);
const { log, count, handler: wrap } = measuredEntry('authorizer');

const authorize = makeAuthorizerHandler({
  tokens: new DynamoStateStore({ client: sharedDynamoClient(), tableName: env.STATE_TABLE_NAME }),
  refused: (reason) => {
    log('warn', 'gateway token refused', { reason });
    count('TokensRefused', 1);
  },
});

// A refusal is API Gateway's 401, logged and counted above: not an invocation failure.
export const handler = wrap(authorize, {
  expected: (error) => error instanceof Error && error.message === UNAUTHORIZED,
});
