/**
 * Where CLI commands find the state store and the queue: a deployed stack
 * (default AWS credential chain and region) or a local endpoint (dynalite of
 * local mode). Flags win over environment variables.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoStateStore } from '../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { SqsTelemetryQueue } from '../lambdas/adapters/sqs-telemetry-queue.ts';
import { UsageError } from './io.ts';

export interface TargetOptions {
  readonly table?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly 'queue-url'?: string;
}

export const TARGET_OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'queue-url': { type: 'string' },
} as const;

function clientConfig(options: TargetOptions, env: NodeJS.ProcessEnv) {
  const endpoint = options.endpoint ?? env.WTE_DYNAMODB_ENDPOINT;
  const region = options.region ?? env.AWS_REGION ?? (endpoint ? 'local' : undefined);
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
}

export function stateStoreFrom(
  options: TargetOptions,
  env: NodeJS.ProcessEnv = process.env,
): DynamoStateStore {
  const tableName = options.table ?? env.WTE_STATE_TABLE;
  if (!tableName) throw new UsageError('name the state table: --table NAME or WTE_STATE_TABLE');
  return new DynamoStateStore({ client: new DynamoDBClient(clientConfig(options, env)), tableName });
}

export function queueFrom(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): SqsTelemetryQueue {
  const queueUrl = options['queue-url'] ?? env.WTE_TELEMETRY_QUEUE_URL;
  if (!queueUrl) throw new UsageError('name the telemetry queue: --queue-url URL or WTE_TELEMETRY_QUEUE_URL');
  const region = options.region ?? env.AWS_REGION;
  return new SqsTelemetryQueue({ client: new SQSClient(region ? { region } : {}), queueUrl });
}
