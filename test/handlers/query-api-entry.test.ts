import { afterEach, describe, expect, it, vi } from 'vitest';

const ENV = {
  STATE_TABLE_NAME: 'wte-state',
  TIMESTREAM_DATABASE: 'wte',
  TIMESTREAM_READINGS_TABLE: 'readings',
  TIMESTREAM_MOVEMENTS_TABLE: 'movements',
  AWS_REGION: 'eu-central-1',
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('query API entry point', () => {
  it('answers an invalid query without touching AWS', async () => {
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
    const { kpisHandler } = await import('../../lambdas/entry/query-api.ts');
    const response = await kpisHandler({
      httpMethod: 'GET',
      path: '/v1/plants/kz-ast-01/kpis',
      headers: {},
      body: null,
      isBase64Encoded: false,
      pathParameters: { plantId: 'kz-ast-01' },
      queryStringParameters: { from: 'yesterday', to: 'today', interval: '1h' },
    });
    expect(response.statusCode).toBe(400);
  });

  it.each(['STATE_TABLE_NAME', 'TIMESTREAM_DATABASE', 'TIMESTREAM_READINGS_TABLE'])(
    'fails its cold start, naming the variable, when %s is missing',
    async (variable) => {
      for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, key === variable ? undefined : value);
      await expect(import('../../lambdas/entry/query-api.ts')).rejects.toThrow(variable);
    },
  );
});
