/**
 * The alert entries as deployed, on each metrics store: the alert step judges
 * the plant an SQS message names from the readings in the store, opens the
 * alert in STATE_TABLE_NAME and publishes it to ALERTS_TOPIC_ARN (a body it
 * cannot read is a partial batch failure); the scheduled run finds the series
 * that went silent and publishes that.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAlertStore } from '../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { DynamoDayArrivals } from '../../lambdas/adapters/dynamo/dynamo-day-arrivals.ts';
import { DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { bucketStart } from '../../lambdas/domain/time.ts';
import { encodeAlertStep } from '../../lambdas/domain/touched-plants.ts';
import { reading } from '../support/stored-items.ts';
import {
  BASE_ENV,
  type DynamoBoundary,
  dynamoBoundary,
  LAKE_ENV,
  lambdaContext,
  loadEntry,
  scheduledEvent,
  sqsEvent,
  TIMESTREAM_ENV,
} from './entry-support.ts';
import { type MetricsBackend, metricsBackend } from './metrics-backend.ts';

const MINUTE = 60_000;
const ENV = {
  AWS_REGION: BASE_ENV.AWS_REGION,
  STATE_TABLE_NAME: BASE_ENV.STATE_TABLE_NAME,
  ALERTS_TOPIC_ARN: BASE_ENV.ALERTS_TOPIC_ARN,
};
const STORES = [
  ['timestream', TIMESTREAM_ENV],
  ['lake', LAKE_ENV],
] as const;

const sns = mockClient(SNSClient);
let dynamo: DynamoBoundary;
let backend: MetricsBackend | undefined;

beforeAll(async () => {
  dynamo = await dynamoBoundary({ state: ENV.STATE_TABLE_NAME, recent: LAKE_ENV.RECENT_TELEMETRY_TABLE });
});
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
});
afterEach(() => {
  backend?.restore();
  backend = undefined;
});
afterAll(async () => {
  sns.restore();
  await dynamo.close();
});

/** A plant of its own per test: alerts and day progress stay apart. */
async function registered(plantId: string): Promise<void> {
  const state = new DynamoStateStore({ client: dynamo.local.client, tableName: ENV.STATE_TABLE_NAME });
  await state.putPlant(defaultPlantConfig(plantId));
}

async function alertsOf(plantId: string) {
  const store = new DynamoAlertStore({ client: dynamo.local.client, tableName: ENV.STATE_TABLE_NAME });
  return (await store.listAlerts({ plantId, limit: 50 })).items;
}

function published() {
  return sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
}

describe.each(STORES)('alert-step entry on %s', (store, storeEnv) => {
  it('opens the low-temperature alert of the plant the message names and publishes it', async () => {
    const plantId = `kz-step-${store}`;
    await registered(plantId);
    const now = Date.now();
    // Ten minutes under 850 °C on boiler-1, the last a minute ago: past the five-minute on-delay.
    const cold = Array.from({ length: 10 }, (_, i) =>
      reading({ plantId, ts: now - (10 - i) * MINUTE, value: 800 + i }),
    );
    backend = await metricsBackend(store, dynamo, { readings: cold });
    const { handler } = await loadEntry<{ handler: (e: SQSEvent, c: unknown) => Promise<SQSBatchResponse> }>(
      'alert-step',
      { ...ENV, ...storeEnv },
    );
    const bodies = encodeAlertStep({
      now,
      touched: { plantId, from: now - 10 * MINUTE, to: now - MINUTE + 1, furnaceLines: ['boiler-1'] },
    });
    const event = sqsEvent('wte-prod-alert-step', [...bodies, '{"not":"an alert step message"}']);
    const result = await handler(event, lambdaContext('alert-step'));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records.at(-1)?.messageId }]);
    const alerts = await alertsOf(plantId);
    expect(alerts.map((a) => [a.type, a.subject, a.state, a.value])).toEqual([
      ['COMBUSTION_TEMPERATURE_LOW', 'boiler-1/furnace_temperature', 'open', 800],
    ]);
    expect(published()).toEqual([
      expect.objectContaining({
        TopicArn: ENV.ALERTS_TOPIC_ARN,
        MessageAttributes: expect.objectContaining({
          plantId: { DataType: 'String', StringValue: plantId },
          alertType: { DataType: 'String', StringValue: 'COMBUSTION_TEMPERATURE_LOW' },
          kind: { DataType: 'String', StringValue: 'opened' },
        }),
      }),
    ]);
  });
});

describe.each(STORES)('scheduler entry on %s', (store, storeEnv) => {
  it('opens and publishes the alert of a series silent for longer than the stale limit', async () => {
    const plantId = `kz-sched-${store}`;
    await registered(plantId);
    const now = Date.now();
    backend = await metricsBackend(store, dynamo, {
      readings: [
        reading({ plantId, ts: now - 45 * MINUTE, value: 905 }),
        reading({ plantId, ts: now - 40 * MINUTE, value: 906 }),
      ],
    });
    // The alert step recorded that batch as live data: the series was streaming until 40 minutes ago.
    const last = now - 40 * MINUTE;
    const day = bucketStart(last, '1d', defaultPlantConfig(plantId).timeZone);
    await new DynamoDayArrivals({
      client: dynamo.local.client,
      tableName: ENV.STATE_TABLE_NAME,
    }).recordArrival(plantId, [{ start: day, end: day + 86_400_000, late: false }], last, last, true);
    const { handler } = await loadEntry<{
      handler: (
        e: unknown,
        c: unknown,
      ) => Promise<{ evaluations: number; transitions: number; published: number }>;
    }>('scheduler', { ...ENV, ...storeEnv });
    const result = await handler(scheduledEvent('wte-prod-scheduler'), lambdaContext('scheduler', 120_000));

    const stale = (await alertsOf(plantId)).filter((a) => a.type === 'SENSOR_STALE');
    expect(stale.map((a) => [a.subject, a.state])).toEqual([['boiler-1/furnace_temperature', 'open']]);
    expect(result.published).toBeGreaterThanOrEqual(1);
    expect(published()).toContainEqual(
      expect.objectContaining({
        TopicArn: ENV.ALERTS_TOPIC_ARN,
        MessageAttributes: expect.objectContaining({
          plantId: { DataType: 'String', StringValue: plantId },
          alertType: { DataType: 'String', StringValue: 'SENSOR_STALE' },
        }),
      }),
    );
  });
});
