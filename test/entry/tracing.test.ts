/**
 * The opt-in Powertools Tracer (docs/tracing.md) with the real Tracer and X-Ray
 * SDK: each invocation runs in its own `## <function>` subsegment of the
 * segment Lambda made, annotated and closed, and the segment is given back.
 */
import { once } from 'node:events';
// The module object, as the bundled SDK calls it (`https.request` looked up at each call).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Tracer } from '@aws-lambda-powertools/tracer';
import AWSXRay from 'aws-xray-sdk-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invocationTracer } from '../../lambdas/entry/tracing.ts';

type Segment = InstanceType<typeof AWSXRay.Segment>;
type Subsegment = InstanceType<typeof AWSXRay.Subsegment>;

/** What Lambda sets: the Tracer turns itself off without the first, and reports no cold start without the second. */
const LAMBDA_ENV = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
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
  sub as unknown as { annotations?: Record<string, unknown>; fault?: boolean } | undefined;

describe('invocationTracer', () => {
  it('runs each invocation in a closed ## subsegment with cold start and service annotations', async () => {
    const tracer = new Tracer({ serviceName: 'wte-telemetry' });
    const traced = invocationTracer('wte-telemetry', 'processor', tracer);
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

  it('records each outgoing HTTP call (as the AWS SDK makes them) inside the invocation', async () => {
    const server = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const tracer = new Tracer({ serviceName: 'wte-telemetry' });
      const traced = invocationTracer('wte-telemetry', 'alert-step', tracer);
      const sub = await inSegment(tracer, async (segment) => {
        await traced.traced(
          () =>
            new Promise<void>((resolve, reject) =>
              http
                .get(`http://127.0.0.1:${port}/`, (res) => res.resume().on('end', resolve))
                .on('error', reject),
            ),
        );
        return subsegmentsOf(segment)[0];
      });
      const calls = (sub?.subsegments ?? []) as Subsegment[];
      expect(calls.map((call) => call.name)).toEqual(['127.0.0.1']);
    } finally {
      server.close();
    }
  });

  it('marks a failed invocation as a fault with the error name, not its message, and rethrows', async () => {
    const tracer = new Tracer({ serviceName: 'wte-telemetry' });
    const traced = invocationTracer('wte-telemetry', 'query-api', tracer);
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
    await expect(invocationTracer('wte-telemetry', 'ingest', tracer).traced(async () => 42)).resolves.toBe(
      42,
    );
  });
});
