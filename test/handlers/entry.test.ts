import { afterEach, describe, expect, it, vi } from 'vitest';

const ENV = {
  TELEMETRY_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/telemetry',
  STATE_TABLE_NAME: 'wte-state',
  TIMESTREAM_DATABASE: 'wte',
  TIMESTREAM_READINGS_TABLE: 'readings',
  TIMESTREAM_MOVEMENTS_TABLE: 'movements',
  IOT_DATA_ENDPOINT: 'https://abc-ats.iot.eu-central-1.amazonaws.com',
  AWS_REGION: 'eu-central-1',
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('Lambda entry points', () => {
  it.each(['ingest', 'authorizer', 'processor'])(
    '%s builds its handler at cold start from the environment',
    async (name) => {
      for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
      const module = (await import(`../../lambdas/entry/${name}.ts`)) as { handler: unknown };
      expect(typeof module.handler).toBe('function');
    },
  );

  it.each([
    ['ingest', 'TELEMETRY_QUEUE_URL'],
    ['authorizer', 'STATE_TABLE_NAME'],
    ['processor', 'TIMESTREAM_DATABASE'],
  ])('%s fails its cold start, naming the variable, when %s is missing', async (name, variable) => {
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, key === variable ? undefined : value);
    await expect(import(`../../lambdas/entry/${name}.ts`)).rejects.toThrow(variable);
  });
});
