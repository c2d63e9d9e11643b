/**
 * A function built for one metrics store (its bundle holds that store only,
 * lambdas/entry/metrics-stores.ts) refuses the other store's binding at synth,
 * where a mismatch would otherwise fail every cold start.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { metricsStoreOf, WteFunction } from '../../lib/constructs/wte-function.ts';
import { newApp } from './support.ts';

const TIMESTREAM = {
  environment: {
    TIMESTREAM_DATABASE: 'wte',
    TIMESTREAM_READINGS_TABLE: 'r',
    TIMESTREAM_MOVEMENTS_TABLE: 'm',
  },
  statements: [],
};
const LAKE = { environment: { METRICS_STORE: 'lake', ATHENA_WORKGROUP: 'wte' }, statements: [] };
const QUEUE = { environment: { TELEMETRY_QUEUE_URL: 'https://sqs' }, statements: [] };

function reader(metricsStore?: 'timestream' | 'lake') {
  const stack = new Stack(newApp(), 'Test');
  return new WteFunction(stack, 'Reader', {
    entry: 'query-api',
    description: 'reader',
    memorySize: 256,
    timeout: Duration.seconds(10),
    logRetentionDays: 30,
    invocation: 'api',
    ...(metricsStore === undefined ? {} : { metricsStore }),
  });
}

describe('WteFunction metricsStore', () => {
  it('knows the store of a metrics binding, and that other bindings have none', () => {
    expect(metricsStoreOf(TIMESTREAM)).toBe('timestream');
    expect(metricsStoreOf(LAKE)).toBe('lake');
    expect(metricsStoreOf(QUEUE)).toBeUndefined();
  });

  it("refuses the other store's binding", () => {
    expect(() => reader('timestream').bind(LAKE)).toThrow(
      'function Reader is bundled with the timestream metrics store and cannot be bound to the lake store',
    );
    expect(() => reader('lake').bind(TIMESTREAM)).toThrow(/bundled with the lake metrics store/);
  });

  it('takes its own store, and any store when built for both', () => {
    expect(reader('lake').bind(LAKE, QUEUE).metricsStore).toBe('lake');
    expect(reader().bind(LAKE).metricsStore).toBeUndefined();
    expect(reader().bind(TIMESTREAM).function.node.id).toBe('Function');
  });
});
