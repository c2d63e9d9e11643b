/**
 * What the entry tests share: the environment the stack gives each function
 * (the names lib/constructs/data-access.ts and kpi-rollup.ts set), DynamoDB
 * at the adapter boundary (aws-sdk-client-mock, each command answered by an
 * in-memory dynalite, so stores keep what they write), the Lambda events the
 * services send, and a loader that runs an entry's cold start afresh.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { createTableAndWait } from '../../lambdas/adapters/dynamo/create-table.ts';
import { kpiRollupTableDefinition } from '../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { recentTelemetryTableDefinition } from '../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { createStateTable } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import type { LambdaEnvName } from '../../lambdas/entry/env-names.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';

export const REGION = 'eu-central-1';

/** Only names of the shared list (and the region Lambda sets): a name the stack does not set is a type error. */
type StackEnv = Readonly<Partial<Record<LambdaEnvName | 'AWS_REGION', string>>>;
const ACCOUNT = '123456789012';

/** What every function bound to the state table, the topic and the queues gets. */
export const BASE_ENV = {
  AWS_REGION: REGION,
  STATE_TABLE_NAME: 'wte-prod-state',
  TELEMETRY_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/wte-prod-telemetry`,
  ALERT_STEP_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/wte-prod-alert-step`,
  ALERTS_TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:wte-prod-alerts`,
  IOT_DATA_ENDPOINT: `https://abc123-ats.iot.${REGION}.amazonaws.com`,
} as const satisfies StackEnv;

/** DataAccess.metrics() and metricsWriter() on Timestream (the default store). */
export const TIMESTREAM_ENV = {
  TIMESTREAM_DATABASE: 'wte-prod-db',
  TIMESTREAM_READINGS_TABLE: 'wte-prod-readings',
  TIMESTREAM_MOVEMENTS_TABLE: 'wte-prod-movements',
} as const satisfies StackEnv;

/** DataAccess.metrics() and metricsWriter() with `-c metricsStore=lake`. */
export const LAKE_ENV = {
  METRICS_STORE: 'lake',
  ATHENA_WORKGROUP: 'wte-prod-metrics',
  LAKE_CATALOG: 's3tablescatalog/wte-prod-metrics',
  LAKE_DATABASE: 'metrics',
  RECENT_TELEMETRY_TABLE: 'wte-prod-recent',
  RECENT_TELEMETRY_HORIZON_DAYS: '40',
  LAKE_READINGS_STREAM: 'wte-prod-readings-stream',
  LAKE_MOVEMENTS_STREAM: 'wte-prod-movements-stream',
} as const satisfies StackEnv;

/** KpiRollup's binding (lib/constructs/kpi-rollup.ts). */
export const ROLLUP_ENV = {
  KPI_ROLLUP_TABLE: 'wte-prod-kpi-rollup',
  KPI_ROLLUP_SINCE: String(Date.parse('2026-01-01T00:00:00Z')),
} as const satisfies StackEnv;

export const STORES = [
  ['timestream', TIMESTREAM_ENV],
  ['lake', LAKE_ENV],
] as const;

export type Env = Record<string, string | undefined>;

/**
 * Runs the entry's cold start with exactly `env` (every variable a test
 * does not name is unset, so a wrong name cannot be rescued by a stray one).
 */
export async function loadEntry<T>(name: string, env: Env): Promise<T> {
  vi.resetModules();
  vi.unstubAllEnvs();
  for (const key of Object.keys(process.env))
    if (/^(AWS_|METRICS_STORE|STATE_|TELEMETRY_|ALERT|IOT_|TIMESTREAM_|LAKE_|ATHENA_|RECENT_|KPI_)/.test(key))
      vi.stubEnv(key, undefined);
  // Quiet: the effects are asserted, the log lines and metric records would only fill the test output.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  return (await import(`../../lambdas/entry/${name}.ts`)) as T;
}

type DynamoCommand = new (input: never) => object;

const FORWARDED: readonly DynamoCommand[] = [
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  DeleteItemCommand,
  QueryCommand,
  ScanCommand,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DescribeTableCommand,
];

const mockDynamo = () => mockClient(DynamoDBClient);
type DynamoStub = ReturnType<typeof mockDynamo>;

export interface DynamoBoundary {
  /** The stub every DynamoDBClient sends through: its calls are what the entry asked of DynamoDB. */
  readonly stub: DynamoStub;
  /** The dynalite behind the stub, for seeding and reading back (its calls go through the stub too). */
  readonly local: RunningDynalite;
  /** TableName of every call since the last reset (BatchWriteItem: the tables of its RequestItems). */
  tablesCalled(): string[];
  /** The inputs of the calls to `table` since the last reset. */
  inputsTo(table: string): object[];
  close(): Promise<void>;
}

/**
 * Every DynamoDBClient's `send` stubbed with aws-sdk-client-mock, each
 * command answered by dynalite with the tables the stack creates.
 */
export async function dynamoBoundary(
  tables: { readonly state?: string; readonly recent?: string; readonly rollup?: string } = {},
): Promise<DynamoBoundary> {
  const local = await startDynalite();
  if (tables.state) await createStateTable(local.client, tables.state);
  if (tables.recent)
    await createTableAndWait(local.client, {
      ...recentTelemetryTableDefinition(tables.recent),
      TableName: tables.recent,
    });
  if (tables.rollup)
    await createTableAndWait(local.client, {
      ...kpiRollupTableDefinition(tables.rollup),
      TableName: tables.rollup,
    });
  // The stub replaces the prototype's send, so the unstubbed one answers from dynalite.
  const realSend = DynamoDBClient.prototype.send as (
    this: DynamoDBClient,
    command: object,
  ) => Promise<unknown>;
  const stub = mockDynamo();
  const untyped = stub as unknown as {
    on(command: DynamoCommand): { callsFake(fake: (input: never) => Promise<unknown>): void };
  };
  for (const Command of FORWARDED)
    untyped.on(Command).callsFake((input) => realSend.call(local.client, new Command(input)));
  return {
    stub,
    local,
    tablesCalled: () =>
      stub.calls().flatMap((call) => {
        const input = call.args[0]?.input as { TableName?: string; RequestItems?: object };
        return input.TableName ? [input.TableName] : Object.keys(input.RequestItems ?? {});
      }),
    inputsTo: (table) =>
      stub
        .calls()
        .map((call) => call.args[0]?.input as { TableName?: string; RequestItems?: object })
        .filter(
          (input) => input.TableName === table || Object.keys(input.RequestItems ?? {}).includes(table),
        ),
    close: async () => {
      stub.restore();
      await local.close();
    },
  };
}

/** A Lambda context with `ms` left (the entries pass the deadline to their stores). */
export function lambdaContext(name: string, ms = 25_000): Context {
  const deadline = Date.now() + ms;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `wte-prod-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:wte-prod-${name}`,
    memoryLimitInMB: '512',
    awsRequestId: '6f0c4a4e-1b7e-4b2a-9a55-0c5f2d1e9b11',
    logGroupName: `/aws/lambda/wte-prod-${name}`,
    logStreamName: '2026/12/06/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** An API Gateway REST proxy event, as the API sends it to a Lambda proxy integration. */
export function apiEvent(options: {
  readonly method: string;
  readonly path: string;
  readonly resource: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly authorizer?: Record<string, string>;
}) {
  return {
    resource: options.resource,
    path: options.path,
    httpMethod: options.method,
    headers: { host: 'abc.execute-api.eu-central-1.amazonaws.com', ...(options.headers ?? {}) },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      stage: 'prod',
      httpMethod: options.method,
      path: `/prod${options.path}`,
      ...(options.authorizer ? { authorizer: options.authorizer } : {}),
    },
  };
}

/** An SQS event (event source mapping with ReportBatchItemFailures) of these bodies. */
export function sqsEvent(queue: string, bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `0c7e4b9a-${String(i).padStart(4, '0')}-4f3b-9d1e-5a6b7c8d9e0f`,
      receiptHandle: `AQEB${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AROAEXAMPLE:wte-prod-processor',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`,
      awsRegion: REGION,
    })),
  };
}

/** The EventBridge scheduled event a rule sends. */
export function scheduledEvent(rule: string) {
  return {
    version: '0',
    id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT,
    time: new Date().toISOString(),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${rule}`],
    detail: {},
  };
}
