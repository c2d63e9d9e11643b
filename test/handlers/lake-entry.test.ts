/**
 * The composition roots with `-c metricsStore=lake`: every function bound to
 * the metrics store starts without any Timestream variable, and the query
 * route answers recent ranges from the recent telemetry table alone (Athena
 * untouched) and older ranges through the Athena workgroup.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { plantItem } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';

const ENV = {
  METRICS_STORE: 'lake',
  STATE_TABLE_NAME: 'wte-state',
  ATHENA_WORKGROUP: 'wte-prod-metrics',
  LAKE_CATALOG: 's3tablescatalog/wte-prod-metrics',
  LAKE_DATABASE: 'metrics',
  RECENT_TELEMETRY_TABLE: 'wte-prod-recent',
  RECENT_TELEMETRY_HORIZON_DAYS: '40',
  LAKE_READINGS_STREAM: 'wte-prod-readings',
  LAKE_MOVEMENTS_STREAM: 'wte-prod-movements',
  IOT_DATA_ENDPOINT: 'https://abc-ats.iot.eu-central-1.amazonaws.com',
  ALERT_STEP_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/alert-step',
  ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:wte-alerts',
  AWS_REGION: 'eu-central-1',
  KPI_ROLLUP_TABLE: 'wte-kpi-rollup',
  KPI_ROLLUP_SINCE: '1795478400000',
  KPI_ROLLUP_MEMORY_RETENTION_HOURS: '960',
};

const athena = mockClient(AthenaClient);
const dynamo = mockClient(DynamoDBClient);

function stub(overrides: Record<string, string | undefined> = {}) {
  for (const [key, value] of Object.entries({ ...ENV, ...overrides })) vi.stubEnv(key, value);
}

beforeEach(() => {
  athena.reset();
  dynamo.reset();
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

const DAY = 86_400_000;

function seriesEvent(from: number, to: number) {
  return {
    httpMethod: 'GET',
    path: '/v1/plants/kz-ast-01/series',
    headers: {},
    body: null,
    isBase64Encoded: false,
    pathParameters: { plantId: 'kz-ast-01' },
    queryStringParameters: {
      metric: 'furnace_temperature',
      interval: '1h',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    },
  };
}

describe('entry points on the lake', () => {
  it.each([
    ['query-api', 'LAKE_CATALOG'],
    ['query-api', 'RECENT_TELEMETRY_TABLE'],
    ['processor', 'LAKE_READINGS_STREAM'],
    ['alert-step', 'ATHENA_WORKGROUP'],
    ['alert-step', 'RECENT_TELEMETRY_TABLE'],
    ['kpi-rollup', 'ATHENA_WORKGROUP'],
  ])('%s fails its cold start, naming the variable, when %s is missing', async (name, variable) => {
    stub({ [variable]: undefined });
    await expect(import(`../../lambdas/entry/${name}.ts`)).rejects.toThrow(variable);
  });

  it('the processor starts without the Athena variables: it writes the lake and reads nothing of it', async () => {
    stub({ ATHENA_WORKGROUP: undefined, LAKE_CATALOG: undefined, LAKE_DATABASE: undefined });
    await expect(import('../../lambdas/entry/processor.ts')).resolves.toBeDefined();
  });

  it('refuses an unknown store name at cold start', async () => {
    stub({ METRICS_STORE: 'influx' });
    await expect(import('../../lambdas/entry/query-api.ts')).rejects.toThrow('METRICS_STORE');
  });

  it('answers the last hour from the recent table without starting an Athena query', async () => {
    stub();
    dynamo.on(GetItemCommand).resolves({ Item: plantItem(defaultPlantConfig('kz-ast-01')) });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const { seriesHandler } = await import('../../lambdas/entry/query-api.ts');
    const now = Date.now();
    const response = await seriesHandler(seriesEvent(now - 3_600_000, now));
    expect(response.statusCode).toBe(200);
    const queried = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input.TableName);
    expect(queried.length).toBeGreaterThan(0);
    expect(new Set(queried)).toEqual(new Set([ENV.RECENT_TELEMETRY_TABLE]));
    expect(athena.calls()).toHaveLength(0);
  });

  it('answers a range older than the horizon through the Athena workgroup in the table bucket', async () => {
    stub();
    dynamo.on(GetItemCommand).resolves({ Item: plantItem(defaultPlantConfig('kz-ast-01')) });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } },
    });
    const { seriesHandler } = await import('../../lambdas/entry/query-api.ts');
    const from = Date.now() - 90 * DAY;
    const response = await seriesHandler(seriesEvent(from, from + DAY));
    expect(response.statusCode).toBe(200);
    const [start] = athena.commandCalls(StartQueryExecutionCommand);
    expect(start?.args[0].input).toMatchObject({
      WorkGroup: ENV.ATHENA_WORKGROUP,
      QueryExecutionContext: { Catalog: ENV.LAKE_CATALOG, Database: ENV.LAKE_DATABASE },
    });
    expect(start?.args[0].input.QueryString).toContain('FROM readings');
  });

  it('stops a lake query at the invocation deadline and answers 503 with Retry-After, before Lambda times out', async () => {
    stub();
    dynamo.on(GetItemCommand).resolves({ Item: plantItem(defaultPlantConfig('kz-ast-01')) });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const { seriesHandler } = await import('../../lambdas/entry/query-api.ts');
    const from = Date.now() - 90 * DAY;
    const deadline = Date.now() + 3_000;
    const context = { getRemainingTimeInMillis: () => deadline - Date.now() } as never;
    const response = await seriesHandler(seriesEvent(from, from + DAY), context);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBeDefined();
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input.QueryExecutionId).toBe('q-slow');
  });
});
