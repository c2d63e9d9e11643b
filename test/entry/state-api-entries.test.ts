/**
 * The entries that answer from the state table alone, as deployed: the plant
 * list, the alert list with the filters the request names, and the
 * acknowledgement, which stores the change in STATE_TABLE_NAME and publishes
 * it at once to ALERTS_TOPIC_ARN.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAlertStore } from '../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { open } from '../adapters/alerts/alert-fixtures.ts';
import {
  apiEvent,
  BASE_ENV,
  type DynamoBoundary,
  dynamoBoundary,
  lambdaContext,
  loadEntry,
} from './entry-support.ts';

type HttpHandler = (event: unknown, context?: unknown) => Promise<{ statusCode: number; body: string }>;

const ENV = { AWS_REGION: BASE_ENV.AWS_REGION, STATE_TABLE_NAME: BASE_ENV.STATE_TABLE_NAME };
const ACK_ENV = { ...ENV, ALERTS_TOPIC_ARN: BASE_ENV.ALERTS_TOPIC_ARN };
const OPERATOR = 'arn:aws:sts::123456789012:assumed-role/wte-ops/alex';

const sns = mockClient(SNSClient);
let dynamo: DynamoBoundary;
const ast = open({ alertId: 'diversion-below-target-0000000000000ast', plantId: 'kz-ast-01' });
const ala = open({ alertId: 'diversion-below-target-0000000000000ala', plantId: 'kz-ala-01' });

beforeAll(async () => {
  dynamo = await dynamoBoundary({ state: ENV.STATE_TABLE_NAME });
  const state = new DynamoStateStore({ client: dynamo.local.client, tableName: ENV.STATE_TABLE_NAME });
  await state.putPlant(defaultPlantConfig('kz-ast-01'));
  await state.putPlant(defaultPlantConfig('kz-ala-01'));
  const alerts = new DynamoAlertStore({ client: dynamo.local.client, tableName: ENV.STATE_TABLE_NAME });
  for (const step of [ast, ala]) {
    await alerts.applyTransition(step.next, step.expected, step.transition);
    await alerts.markPublished(step.transition.transitionId);
  }
});
afterAll(async () => {
  sns.restore();
  await dynamo.close();
});
beforeEach(() => {
  sns.reset();
  dynamo.stub.resetHistory();
});

describe('plants-api entry', () => {
  it('lists the plants registered in STATE_TABLE_NAME', async () => {
    const { handler } = await loadEntry<{ handler: HttpHandler }>('plants-api', ENV);
    const response = await handler(apiEvent({ method: 'GET', resource: '/v1/plants', path: '/v1/plants' }));
    expect(response.statusCode).toBe(200);
    const { plants } = JSON.parse(response.body) as {
      plants: Array<{ plantId: string; lastDataAt: unknown }>;
    };
    expect(plants.map((p) => [p.plantId, p.lastDataAt])).toEqual([
      ['kz-ala-01', null],
      ['kz-ast-01', null],
    ]);
    expect(new Set(dynamo.tablesCalled())).toEqual(new Set([ENV.STATE_TABLE_NAME]));
  });
});

describe('alerts-api entry', () => {
  const list = (query: Record<string, string>) =>
    apiEvent({ method: 'GET', resource: '/v1/alerts', path: '/v1/alerts', query });

  it('lists the alerts of the plant and state the query names', async () => {
    const { listHandler } = await loadEntry<{ listHandler: HttpHandler }>('alerts-api', ENV);
    const ids = async (query: Record<string, string>) => {
      const response = await listHandler(list(query), lambdaContext('alerts-api'));
      expect(response.statusCode).toBe(200);
      return (JSON.parse(response.body) as { alerts: Array<{ alertId: string }> }).alerts.map(
        (a) => a.alertId,
      );
    };
    expect(await ids({ plantId: 'kz-ast-01', state: 'open' })).toEqual([ast.next.alertId]);
    expect(await ids({ plantId: 'kz-ala-01' })).toEqual([ala.next.alertId]);
    expect(await ids({ plantId: 'kz-ast-01', state: 'resolved' })).toEqual([]);
    expect(new Set(dynamo.tablesCalled())).toEqual(new Set([ENV.STATE_TABLE_NAME]));
  });

  it('answers a malformed filter with 400 problem details', async () => {
    const { listHandler } = await loadEntry<{ listHandler: HttpHandler }>('alerts-api', ENV);
    const response = await listHandler(list({ state: 'burning' }), lambdaContext('alerts-api'));
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('/query/state');
  });
});

describe('alerts-ack entry', () => {
  const ack = (alertId: string) => {
    const event = apiEvent({
      method: 'POST',
      resource: '/v1/alerts/{alertId}/ack',
      path: `/v1/alerts/${alertId}/ack`,
      pathParameters: { alertId },
    });
    return { ...event, requestContext: { ...event.requestContext, identity: { userArn: OPERATOR } } };
  };

  it('acknowledges the alert in STATE_TABLE_NAME as the IAM caller and publishes it to ALERTS_TOPIC_ARN', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    const { ackHandler } = await loadEntry<{ ackHandler: HttpHandler }>('alerts-ack', ACK_ENV);
    const response = await ackHandler(ack(ast.next.alertId), lambdaContext('alerts-ack'));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      alertId: ast.next.alertId,
      state: 'acknowledged',
      acknowledgedBy: OPERATOR,
    });
    const stored = await new DynamoAlertStore({
      client: dynamo.local.client,
      tableName: ENV.STATE_TABLE_NAME,
    }).getAlert(ast.next.alertId);
    expect(stored?.state).toBe('acknowledged');
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      TopicArn: ACK_ENV.ALERTS_TOPIC_ARN,
      MessageAttributes: {
        alertId: { StringValue: ast.next.alertId },
        kind: { StringValue: 'acknowledged' },
      },
    });
  });

  it('answers 404 for an alert the table does not hold, publishing nothing', async () => {
    const { ackHandler } = await loadEntry<{ ackHandler: HttpHandler }>('alerts-ack', ACK_ENV);
    const response = await ackHandler(ack('stale-sensor-00000000000000000000'), lambdaContext('alerts-ack'));
    expect(response.statusCode).toBe(404);
    expect(sns.calls()).toHaveLength(0);
  });
});
