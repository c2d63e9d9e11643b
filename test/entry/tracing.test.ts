/**
 * The opt-in Powertools Tracer (docs/tracing.md) with the real Tracer and X-Ray
 * SDK: each invocation runs in its own `## <function>` subsegment of the
 * segment Lambda made, annotated and closed, and the segment is given back;
 * a captured SDK client's calls are subsegments of it.
 */

import { Tracer } from '@aws-lambda-powertools/tracer';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import AWSXRay from 'aws-xray-sdk-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureClient, invocationTracer } from '../../lambdas/entry/tracing.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';

type Segment = InstanceType<typeof AWSXRay.Segment>;
type Subsegment = InstanceType<typeof AWSXRay.Subsegment>;

/**
 * What Lambda sets: the Tracer turns itself off without the first and reports no cold start
 * without the second; with the last two the SDK sends Lambda's trace header on every call.
 */
const LAMBDA_ENV = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_LAMBDA_FUNCTION_NAME: 'wte-processor',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
};
const saved = Object.fromEntries(Object.keys(LAMBDA_ENV).map((name) => [name, process.env[name]]));
beforeEach(() => {
  Object.assign(process.env, LAMBDA_ENV);
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Runs `body` as Lambda would: inside X-Ray's context, with a segment for the invocation. */
function inSegment<R>(tracer: Tracer, body: (segment: Segment) => Promise<R>): Promise<R> {
  return AWSXRay.getNamespace().runAndReturn(() => {
    const segment = new AWSXRay.Segment('processor');
    tracer.setSegment(segment);
    return body(segment);
  });
}

const subsegmentsOf = (segment: Segment): Subsegment[] => (segment.subsegments ?? []) as Subsegment[];
/** What the X-Ray SDK sends of a subsegment, which its types do not declare. */
const recorded = (sub: Subsegment | undefined) =>
  sub as unknown as
    | { annotations?: Record<string, unknown>; fault?: boolean; aws?: Record<string, unknown> }
    | undefined;

describe('invocationTracer', () => {
  it('runs each invocation in a closed ## subsegment with cold start and service annotations', async () => {
    const tracer = new Tracer({ serviceName: 'wte-telemetry' });
    const traced = invocationTracer('processor', tracer);
    const [first, second] = await inSegment(tracer, async (segment) => {
      const answers = [await traced.traced(async () => 'one'), await traced.traced(async () => 'two')];
      expect(answers).toEqual(['one', 'two']);
      expect(tracer.getSegment()).toBe(segment);
      return subsegmentsOf(segment);
    });
    expect(first?.name).toBe('## processor');
    expect(recorded(first)?.annotations).toEqual({ ColdStart: true, Service: 'wte-telemetry' });
    expect(recorded(second)?.annotations).toEqual({ ColdStart: false, Service: 'wte-telemetry' });
    for (const sub of [first, second]) expect(sub?.isClosed()).toBe(true);
  });

  it('records each call of a captured SDK client inside the invocation, with its operation', async () => {
    const dynalite: RunningDynalite = await startDynalite();
    try {
      const tracer = new Tracer({ serviceName: 'wte-telemetry' });
      const client = captureClient(
        tracer,
        new DynamoDBClient({
          endpoint: dynalite.endpoint,
          region: 'local',
          credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        }),
      );
      const traced = invocationTracer('alert-step', tracer);
      const sub = await inSegment(tracer, async (segment) => {
        await traced.traced(() =>
          client.send(new DescribeTableCommand({ TableName: 'missing' })).catch(() => undefined),
        );
        return subsegmentsOf(segment)[0];
      });
      const calls = (sub?.subsegments ?? []) as Subsegment[];
      expect(calls.map((call) => call.name)).toEqual(['DynamoDB']);
      expect(recorded(calls[0])?.aws).toMatchObject({ operation: 'DescribeTable', table_name: 'missing' });
    } finally {
      await dynalite.close();
    }
  });

  it('marks an answer of 500 or more as a fault without an error', async () => {
    const tracer = new Tracer({ serviceName: 'wte-telemetry' });
    const traced = invocationTracer('query-api', tracer);
    const isFault = (answer: { statusCode: number }) => answer.statusCode >= 500;
    const [ok, unavailable] = await inSegment(tracer, async (segment) => {
      await traced.traced(async () => ({ statusCode: 404 }), isFault);
      await traced.traced(async () => ({ statusCode: 503 }), isFault);
      return subsegmentsOf(segment);
    });
    expect(recorded(ok)?.fault).toBeUndefined();
    expect(recorded(unavailable)?.fault).toBe(true);
  });

  it('marks a failed invocation as a fault with the error name, not its message, and rethrows', async () => {
    const tracer = new Tracer({ serviceName: 'wte-telemetry' });
    const traced = invocationTracer('query-api', tracer);
    const failure = new TypeError('token abc123 is secret');
    const sub = await inSegment(tracer, async (segment) => {
      await expect(traced.traced(() => Promise.reject(failure))).rejects.toBe(failure);
      expect(tracer.getSegment()).toBe(segment);
      return subsegmentsOf(segment)[0];
    });
    expect(recorded(sub)?.fault).toBe(true);
    expect(recorded(sub)?.annotations?.error).toBe('TypeError');
    expect(JSON.stringify(sub)).not.toContain('abc123');
    expect(sub?.isClosed()).toBe(true);
  });

  it('only runs the invocation outside Lambda, where the Tracer is off', async () => {
    delete process.env.AWS_EXECUTION_ENV;
    const tracer = new Tracer({ serviceName: 'wte-telemetry' });
    expect(tracer.isTracingEnabled()).toBe(false);
    await expect(invocationTracer('ingest', tracer).traced(async () => 42)).resolves.toBe(42);
  });
});
