import { afterEach, describe, expect, it, vi } from 'vitest';

const ENV = {
  TELEMETRY_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/telemetry',
  STATE_TABLE_NAME: 'wte-state',
  TIMESTREAM_DATABASE: 'wte',
  TIMESTREAM_READINGS_TABLE: 'readings',
  TIMESTREAM_MOVEMENTS_TABLE: 'movements',
  IOT_DATA_ENDPOINT: 'https://abc-ats.iot.eu-central-1.amazonaws.com',
  ALERT_STEP_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/alert-step',
  ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:wte-alerts',
  AWS_REGION: 'eu-central-1',
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('Lambda entry points', () => {
  it.each([
    ['ingest', 'TELEMETRY_QUEUE_URL'],
    ['authorizer', 'STATE_TABLE_NAME'],
    ['processor', 'TIMESTREAM_DATABASE'],
    ['processor', 'ALERT_STEP_QUEUE_URL'],
    ['alert-step', 'TIMESTREAM_DATABASE'],
    ['alert-step', 'ALERTS_TOPIC_ARN'],
    ['scheduler', 'ALERTS_TOPIC_ARN'],
    ['alerts-api', 'STATE_TABLE_NAME'],
    ['alerts-ack', 'ALERTS_TOPIC_ARN'],
  ])('%s fails its cold start, naming the variable, when %s is missing', async (name, variable) => {
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, key === variable ? undefined : value);
    await expect(import(`../../lambdas/entry/${name}.ts`)).rejects.toThrow(variable);
  });
});
