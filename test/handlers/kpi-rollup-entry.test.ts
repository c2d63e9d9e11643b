/** The KPI rollup's composition roots: the scheduled job, and readers and the processor bound to the table. */
import { afterEach, describe, expect, it, vi } from 'vitest';

const ENV = {
  STATE_TABLE_NAME: 'wte-state',
  TIMESTREAM_DATABASE: 'wte',
  TIMESTREAM_READINGS_TABLE: 'readings',
  TIMESTREAM_MOVEMENTS_TABLE: 'movements',
  IOT_DATA_ENDPOINT: 'https://abc-ats.iot.eu-central-1.amazonaws.com',
  ALERT_STEP_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/alert-step',
  ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:wte-alerts',
  AWS_REGION: 'eu-central-1',
  KPI_ROLLUP_TABLE: 'wte-kpi-rollup',
  KPI_ROLLUP_SINCE: '1795478400000',
  KPI_ROLLUP_MEMORY_RETENTION_HOURS: '24',
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

function stub(overrides: Record<string, string | undefined> = {}) {
  for (const [key, value] of Object.entries({ ...ENV, ...overrides })) vi.stubEnv(key, value);
}

describe('KPI rollup entry points', () => {
  it('the job fails its cold start, naming the variable, without its table', async () => {
    stub({ KPI_ROLLUP_TABLE: undefined });
    await expect(import('../../lambdas/entry/kpi-rollup.ts')).rejects.toThrow('KPI_ROLLUP_TABLE');
  });

  it('readers use the rollup only when bound to it, and refuse a malformed start', async () => {
    const { metricsReader } = await import('../../lambdas/entry/metrics-stores.ts');
    expect(metricsReader(ENV).readKpiCounterSlots).toBeTypeOf('function');
    expect(metricsReader({ ...ENV, KPI_ROLLUP_TABLE: undefined }).readKpiCounterSlots).toBeUndefined();
    expect(() => metricsReader({ ...ENV, KPI_ROLLUP_SINCE: 'yesterday' })).toThrow('KPI_ROLLUP_SINCE');
  });
});
