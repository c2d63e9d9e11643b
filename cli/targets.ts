/**
 * Where CLI commands find the state store and the queue: a deployed stack
 * (default AWS credential chain and region) or a local endpoint (dynalite of
 * local mode). Flags win over environment variables. A local state store
 * refuses requests not signed with its installation's key pair, so a command
 * with an endpoint signs with the pair in local mode's data directory
 * (--data-dir or WTE_DATA_DIR, as `wte local` finds it) or in a file named
 * with --credentials-file or WTE_STATE_STORE_CREDENTIALS. Named nowhere and
 * absent from the default data directory, it signs with a dummy pair, which
 * a DynamoDB emulator without keys (DynamoDB Local, a test's dynalite) takes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { DynamoStateStore } from '../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { SqsTelemetryQueue } from '../lambdas/adapters/sqs-telemetry-queue.ts';
import { readStateStoreCredentials, STATE_STORE_CREDENTIALS_FILE } from '../lambdas/local/local-secrets.ts';
import { DEFAULT_DATA_DIR } from '../lambdas/local/runtime.ts';
import { UsageError } from './io.ts';

export interface TargetOptions {
  readonly table?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly 'queue-url'?: string;
  readonly 'data-dir'?: string;
  readonly 'credentials-file'?: string;
}

export const TARGET_OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'queue-url': { type: 'string' },
  'data-dir': { type: 'string' },
  'credentials-file': { type: 'string' },
} as const;

/** A local state store refused the key pair a command signed with: the message says where the right one is. */
export class StateStoreRefusedError extends Error {
  override readonly name = 'StateStoreRefusedError';
}

/** What DynamoDB (and local mode's state store) answers to a key or signature it does not accept. */
const REFUSALS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
]);

function explainingRefusals(client: DynamoDBClient, endpoint: string): DynamoDBClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!(error instanceof Error && REFUSALS.has(error.name))) throw error;
        throw new StateStoreRefusedError(
          `the state store at ${endpoint} refused this command's signature (${error.name}: ${error.message}); ` +
            "sign with local mode's key pair: --data-dir DIR (or WTE_DATA_DIR) of `wte local`, or --credentials-file FILE",
          { cause: error },
        );
      }
    },
    { step: 'initialize', name: 'wteExplainStateStoreRefusal' },
  );
  return client;
}

const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The key pair to sign a local endpoint's requests with, by the precedence above. */
export function localCredentials(options: TargetOptions, env: NodeJS.ProcessEnv) {
  const file = options['credentials-file'] ?? env.WTE_STATE_STORE_CREDENTIALS;
  if (file) return readStateStoreCredentials(file);
  const dataDir = options['data-dir'] ?? env.WTE_DATA_DIR;
  if (dataDir) return readStateStoreCredentials(join(dataDir, STATE_STORE_CREDENTIALS_FILE));
  const byDefault = join(DEFAULT_DATA_DIR, STATE_STORE_CREDENTIALS_FILE);
  return existsSync(byDefault) ? readStateStoreCredentials(byDefault) : DUMMY_CREDENTIALS;
}

function clientConfig(options: TargetOptions, env: NodeJS.ProcessEnv) {
  const endpoint = options.endpoint ?? env.WTE_DYNAMODB_ENDPOINT;
  const region = options.region ?? env.AWS_REGION ?? (endpoint ? 'local' : undefined);
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint, credentials: localCredentials(options, env) } : {}),
  };
}

export function stateStoreFrom(
  options: TargetOptions,
  env: NodeJS.ProcessEnv = process.env,
): DynamoStateStore {
  const tableName = options.table ?? env.WTE_STATE_TABLE;
  if (!tableName) throw new UsageError('name the state table: --table NAME or WTE_STATE_TABLE');
  const config = clientConfig(options, env);
  const client = new DynamoDBClient(config);
  return new DynamoStateStore({
    client: config.endpoint ? explainingRefusals(client, config.endpoint) : client,
    tableName,
  });
}

/** Builds the SQS client for a region; tests pass one that returns a stubbed client. */
export type SqsClientFactory = (config: SQSClientConfig) => SQSClient;

export function queueFrom(
  options: TargetOptions,
  env: NodeJS.ProcessEnv = process.env,
  sqsClient: SqsClientFactory = (config) => new SQSClient(config),
): SqsTelemetryQueue {
  const queueUrl = options['queue-url'] ?? env.WTE_TELEMETRY_QUEUE_URL;
  if (!queueUrl) throw new UsageError('name the telemetry queue: --queue-url URL or WTE_TELEMETRY_QUEUE_URL');
  const region = options.region ?? env.AWS_REGION;
  return new SqsTelemetryQueue({ client: sqsClient(region ? { region } : {}), queueUrl });
}
