/**
 * The scheduler counts through metric filters on its `scheduled run` line
 * (lib/constructs/scheduler-metrics.ts), with the namespace and dimensions of
 * the Powertools metrics, and each filter's value is a field the line carries.
 */
import { describe, expect, it } from 'vitest';
import { makeSchedulerHandler } from '../../lambdas/handlers/scheduler.ts';
import { buildTestApp } from './support.ts';

const app = buildTestApp();
const filters = Object.values(app.stateless.findResources('AWS::Logs::MetricFilter')) as {
  Properties: {
    FilterPattern: string;
    LogGroupName: unknown;
    MetricTransformations: {
      MetricName: string;
      MetricNamespace: string;
      MetricValue: string;
      Unit: string;
      Dimensions: { Key: string; Value: string }[];
    }[];
  };
}[];

/** The fields of one `scheduled run` line as the handler writes it. */
async function runLine(failing: boolean): Promise<Record<string, unknown>> {
  const lines: Record<string, unknown>[] = [];
  const run = makeSchedulerHandler({
    engine: {
      scheduled: async () => {
        if (failing) throw new Error('boom');
        return { evaluations: 7, transitions: 2 };
      },
    },
    relay: async () => ({ published: 2, left: 0, stoppedBy: 'done' as const }),
    clock: { now: () => 0 },
    log: (level, message, fields) => lines.push({ level: level.toUpperCase(), message, ...fields }),
  });
  await run().catch(() => undefined);
  return lines[0] ?? {};
}

describe('scheduler metrics', () => {
  it('reads every figure of the scheduled run line into the pipeline namespace', async () => {
    const line = await runLine(false);
    const byName = new Map(
      filters.map((f) => [f.Properties.MetricTransformations[0]?.MetricName, f.Properties]),
    );
    expect([...byName.keys()].sort()).toEqual(
      [
        'AlertsPublished',
        'OutboxLeft',
        'ScheduledEvaluations',
        'ScheduledRunsFailed',
        'ScheduledTransitions',
      ].sort(),
    );
    for (const [name, props] of byName) {
      expect(props.FilterPattern, name).toContain('$.message = "scheduled run"');
      expect(JSON.stringify(props.LogGroupName)).toMatch(/"Ref":"ProcessingSchedulerLogs/);
      const [t] = props.MetricTransformations;
      expect(t?.MetricNamespace).toBe('WteTelemetry');
      expect(t?.Unit).toBe('Count');
      expect(t?.Dimensions).toEqual([
        { Key: 'service', Value: '$.service' },
        { Key: 'function', Value: '$.function' },
      ]);
      const field = t?.MetricValue.replace(/^\$\./, '') ?? '';
      if (name !== 'ScheduledRunsFailed') expect(typeof line[field], `${name} reads ${field}`).toBe('number');
    }
    expect(line).toMatchObject({ evaluations: 7, transitions: 2, published: 2, left: 0 });
  });

  it('counts a failed run from the same line at ERROR', async () => {
    const failed = filters.find(
      (f) => f.Properties.MetricTransformations[0]?.MetricName === 'ScheduledRunsFailed',
    );
    expect(failed?.Properties.FilterPattern).toContain('$.level = "ERROR"');
    expect(failed?.Properties.MetricTransformations[0]?.MetricValue).toBe('1');
    expect(await runLine(true)).toMatchObject({ level: 'ERROR', message: 'scheduled run', error: 'Error' });
  });
});
