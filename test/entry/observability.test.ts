/** The one wrapper every Lambda entry goes through: context on each log line, metrics flushed, 5xx told apart. */
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loggedEntry, METRICS_NAMESPACE, measuredEntry } from '../../lambdas/entry/observability.ts';

beforeEach(() => {
  // What Lambda sets on an on-demand sandbox; Powertools reports a cold start only with it.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

interface Emf {
  readonly function?: string;
  readonly _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
  };
  readonly [metric: string]: unknown;
}

/** Every JSON line the Powertools Logger and Metrics write (both go to stdout). */
function captureStdout(): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  const take = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n'))
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(take);
  // Powertools writes warnings and errors through console.warn/error, which land on stderr.
  vi.spyOn(process.stderr, 'write').mockImplementation(take);
  return lines;
}

function lambdaContext(requestId: string, remainingMs: number): Context {
  return {
    awsRequestId: requestId,
    functionName: 'wte-processor',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:wte-processor',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

const metricRecords = (lines: Array<Record<string, unknown>>, name: string): Emf[] =>
  (lines.filter((line) => '_aws' in line) as unknown as Emf[]).filter((record) =>
    record._aws.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === name),
  );

describe('measuredEntry', () => {
  it('keeps the function dimension on every flush, not only the first', async () => {
    const lines = captureStdout();
    const { count, handler: wrap } = measuredEntry('processor');
    const handler = wrap(async () => {
      count('MessagesProcessed', 1);
    });
    await handler(undefined, lambdaContext('req-1', 1000));
    await handler(undefined, lambdaContext('req-2', 1000));
    const emf = metricRecords(lines, 'MessagesProcessed');
    expect(emf).toHaveLength(2);
    for (const record of emf) {
      expect(record.function).toBe('processor');
      expect(record._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
      expect(record._aws.CloudWatchMetrics[0]?.Dimensions[0]).toContain('function');
    }
    // The cold start is counted once, on the first invocation.
    expect(metricRecords(lines, 'ColdStart')).toHaveLength(1);
  });

  it('puts the request id on every line an invocation logs', async () => {
    const lines = captureStdout();
    const { log, handler: wrap } = measuredEntry('ingest');
    const handler = wrap(async (message: string) => {
      log('info', message, {});
    });
    await handler('first', lambdaContext('req-a', 4321));
    await handler('second', lambdaContext('req-b', 1234));
    const logged = lines.filter((line) => line.message === 'first' || line.message === 'second');
    expect(logged.map((line) => [line.message, line.function_request_id])).toEqual([
      ['first', 'req-a'],
      ['second', 'req-b'],
    ]);
    expect(logged.map((line) => line.cold_start)).toEqual([true, false]);
  });

  it('logs and counts an answer of 503 with its problem type, and leaves 4xx answers alone', async () => {
    const lines = captureStdout();
    const { handler: wrap } = measuredEntry('query-api');
    const answer = (statusCode: number) =>
      wrap(async () => ({
        statusCode,
        body: JSON.stringify({ type: `https://wte.example/problems/s${statusCode}`, title: 'T' }),
      }));
    await answer(404)(undefined, lambdaContext('req-404', 1000));
    await answer(503)(undefined, lambdaContext('req-503', 1000));
    const errors = lines.filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: 'query-api answered 503',
      function_request_id: 'req-503',
      problem: { type: 'https://wte.example/problems/s503' },
    });
    const [record] = metricRecords(lines, 'Overloaded');
    expect(record?.ServerErrors).toBe(1);
    expect(record?.Overloaded).toBe(1);
  });

  it('publishes nothing and warns nothing when an invocation counted nothing', async () => {
    const lines = captureStdout();
    const { handler: wrap } = measuredEntry('plants-api');
    const handler = wrap(async () => ({ statusCode: 200, body: '{}' }));
    await handler(undefined, lambdaContext('req-1', 1000));
    await handler(undefined, lambdaContext('req-2', 1000));
    expect(lines.filter((line) => line.level === 'WARN')).toEqual([]);
    expect(lines.filter((line) => '_aws' in line && !metricRecords([line], 'ColdStart').length)).toEqual([]);
  });
});

describe('loggedEntry', () => {
  it('logs a failure with the request id and rethrows it, unless the handler says it is an answer', async () => {
    const lines = captureStdout();
    const { handler: wrap } = loggedEntry('authorizer');
    const failing = wrap(async (message: string) => {
      throw new Error(message);
    });
    await expect(failing('boom', lambdaContext('req-x', 1000))).rejects.toThrow('boom');
    const answering = wrap(
      async () => {
        throw new Error('Unauthorized');
      },
      { expected: (error) => error instanceof Error && error.message === 'Unauthorized' },
    );
    await expect(answering(undefined, lambdaContext('req-y', 1000))).rejects.toThrow('Unauthorized');
    const errors = lines.filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: 'authorizer invocation failed',
      function_request_id: 'req-x',
    });
  });
});
