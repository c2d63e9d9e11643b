/**
 * The one DynamoDB client of a process: every store an entry builds (state,
 * alerts, rollup, recent telemetry) shares its connection pool and
 * credentials, and a cold start constructs it once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tracedClient } from './observability.ts';

let client: DynamoDBClient | undefined;

export function sharedDynamoClient(): DynamoDBClient {
  client ??= tracedClient(new DynamoDBClient({}));
  return client;
}
