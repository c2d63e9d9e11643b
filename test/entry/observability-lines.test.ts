/**
 * The log lines and EMF documents of lambdas/entry/observability.ts (which
 * replaced Powertools Logger and Metrics in the bundles): the keys queries
 * and alarms read, the EMF limits, and lines that never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_METRICS_PER_DOCUMENT, MAX_VALUES_PER_METRIC } from '../../lambdas/entry/emf.ts';
import { METRICS_NAMESPACE, observability, SERVICE_NAME } from '../../lambdas/entry/observability.ts';

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

function recorder(env: Record<string, string | undefined> = {}) {
  const lines: string[] = [];
  const obs = observability('processor', {
    write: (line) => lines.push(line),
    now: () => 1_800_000_000_000,
    env,
  });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const emf = () => parsed().filter((doc): doc is Emf => '_aws' in doc);
  const logs = () => parsed().filter((doc) => !('_aws' in doc));
  return { ...obs, lines, emf, logs };
}

describe('observability log lines', () => {
  it('carry level, message, timestamp, service, function and the X-Ray root, then the fields', () => {
    const { log, logs } = recorder({
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    });
    log('warn', 'outbox relay stopped', { stoppedBy: 'deadline', published: 3 });
    expect(logs()).toEqual([
      {
        level: 'WARN',
        message: 'outbox relay stopped',
        timestamp: '2027-01-15T08:00:00.000Z',
        service: SERVICE_NAME,
        function: 'processor',
        xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
        stoppedBy: 'deadline',
        published: 3,
      },
    ]);
  });

  it('keep their own keys when a field has the same name', () => {
    const { log, logs } = recorder();
    log('info', 'real', { message: 'forged', level: 'ERROR', function: 'other', extra: 1 });
    expect(logs()[0]).toMatchObject({ level: 'INFO', message: 'real', function: 'processor', extra: 1 });
  });

  it("honour the function's application log level (AWS_LAMBDA_LOG_LEVEL)", () => {
    const warnOnly = recorder({ AWS_LAMBDA_LOG_LEVEL: 'WARN' });
    warnOnly.log('info', 'dropped', {});
    warnOnly.log('warn', 'kept', {});
    warnOnly.log('error', 'kept too', {});
    expect(warnOnly.logs().map((l) => l.message)).toEqual(['kept', 'kept too']);
    const unset = recorder();
    unset.log('info', 'kept at INFO', {});
    expect(unset.logs()).toHaveLength(1);
  });

  it('never throw: errors become objects, bigints strings, cycles a marker', () => {
    const { log, logs } = recorder();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const error = new Error('table unavailable', { cause: new Error('socket hang up') });
    expect(() => log('error', 'failed', { error, big: 12345678901234567890n, cyclic })).not.toThrow();
    const [line] = logs();
    expect(line?.big).toBe('12345678901234567890');
    expect(line?.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
    expect(line?.error).toMatchObject({
      name: 'Error',
      message: 'table unavailable',
      cause: { message: 'socket hang up' },
    });
  });
});

describe('observability metrics (EMF)', () => {
  it('publish one document per invocation with the namespace and the service and function dimensions', async () => {
    const { count, instrument, emf } = recorder();
    await instrument(async () => {
      count('MessagesProcessed', 1);
      count('MessagesProcessed', 2);
      count('ReadingsStored', 5);
    })();
    expect(emf()).toEqual([
      {
        _aws: {
          Timestamp: 1_800_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [['service', 'function']],
              Metrics: [
                { Name: 'MessagesProcessed', Unit: 'Count' },
                { Name: 'ReadingsStored', Unit: 'Count' },
              ],
            },
          ],
        },
        service: SERVICE_NAME,
        function: 'processor',
        MessagesProcessed: [1, 2],
        ReadingsStored: 5,
      },
    ]);
  });

  it('publish nothing for an invocation that counted nothing, and publish after a failed one', async () => {
    const { count, instrument, lines, emf } = recorder();
    await instrument(async () => undefined)();
    expect(lines).toEqual([]);
    await expect(
      instrument(async () => {
        count('MessagesFailed', 1);
        throw new Error('batch failed');
      })(),
    ).rejects.toThrow('batch failed');
    expect(emf()).toHaveLength(1);
  });

  it('drop a value CloudWatch would refuse with a warning, keeping the rest of the document', async () => {
    const { count, instrument, emf, logs } = recorder();
    await instrument(async () => {
      count('ReadingsStored', Number.NaN);
      count('ReadingsStored', 4);
    })();
    expect(emf()[0]?.ReadingsStored).toBe(4);
    expect(logs()).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'metric value dropped', metric: 'ReadingsStored' }),
    ]);
  });

  it('stay within the EMF limits and lose no value, however much is counted (property)', async () => {
    const counts = fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 150 }).map((i) => `M${i}`),
        fc.integer({ min: 0, max: 1000 }),
      ),
      { maxLength: 600 },
    );
    await fc.assert(
      fc.asyncProperty(counts, async (calls) => {
        const { count, instrument, emf } = recorder();
        await instrument(async () => {
          for (const [name, value] of calls) count(name, value);
        })();
        const totals = new Map<string, number>();
        for (const doc of emf()) {
          const names = doc._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name) ?? [];
          expect(names.length).toBeLessThanOrEqual(MAX_METRICS_PER_DOCUMENT);
          for (const name of names) {
            const values = ([] as number[]).concat(doc[name] as number | number[]);
            expect(values.length).toBeLessThanOrEqual(MAX_VALUES_PER_METRIC);
            totals.set(name, (totals.get(name) ?? 0) + values.reduce((a, b) => a + b, 0));
          }
        }
        const expected = new Map<string, number>();
        for (const [name, value] of calls) expected.set(name, (expected.get(name) ?? 0) + value);
        expect(totals).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
