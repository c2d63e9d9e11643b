import { Duration } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { StatefulStack } from '../../lib/stateful-stack.ts';
import { StatelessStack } from '../../lib/stateless-stack.ts';
import { buildTestApp, newApp, props, type Resource, referencedId, resourcesOf } from './support.ts';

const { stateful, stateless, stacks } = buildTestApp({
  alertEmails: ['alerts@example.com'],
  opsEmails: ['ops@example.com'],
});
const templates: Array<[string, Template]> = [
  ['stateful', stateful],
  ['stateless', stateless],
];

/** Every queue that something else names as its dead-letter target, per template. */
function deadLetterQueues(template: Template): Set<string> {
  const targets = new Set<string>();
  const add = (arn: unknown) => {
    const id = referencedId(arn);
    if (id) targets.add(id);
  };
  for (const [, queue] of resourcesOf(template, 'AWS::SQS::Queue')) {
    add((props(queue).RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn);
  }
  for (const [, subscription] of resourcesOf(template, 'AWS::SNS::Subscription')) {
    add(
      (props(subscription).RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)
        ?.deadLetterTargetArn,
    );
  }
  for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    add((props(fn).DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn);
  }
  return targets;
}

function alarmsOn(template: Template, queueId: string, metricName: string): Resource[] {
  return resourcesOf(template, 'AWS::CloudWatch::Alarm')
    .map(([, alarm]) => alarm)
    .filter(
      (alarm) =>
        props(alarm).MetricName === metricName &&
        JSON.stringify(props(alarm).Dimensions) ===
          JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]),
    );
}

describe('queues and dead-letter queues', () => {
  it('finds queues in both stacks', () => {
    expect(resourcesOf(stateful, 'AWS::SQS::Queue').length).toBeGreaterThanOrEqual(3);
    expect(resourcesOf(stateless, 'AWS::SQS::Queue').length).toBeGreaterThanOrEqual(1);
  });

  it.each(templates)('every %s queue has a DLQ after 5 receives or is itself a DLQ', (_name, template) => {
    const dlqs = deadLetterQueues(template);
    for (const [id, queue] of resourcesOf(template, 'AWS::SQS::Queue')) {
      const redrive = props(queue).RedrivePolicy as { maxReceiveCount?: number } | undefined;
      if (dlqs.has(id)) {
        expect(redrive, `${id} is a DLQ and needs no DLQ of its own`).toBeUndefined();
      } else {
        expect(redrive?.maxReceiveCount, id).toBe(5);
      }
    }
  });

  it.each(templates)('every %s DLQ has an alarm on visible messages, to the ops topic', (_name, template) => {
    const dlqs = deadLetterQueues(template);
    expect(dlqs.size).toBeGreaterThan(0);
    for (const dlq of dlqs) {
      const alarms = alarmsOn(template, dlq, 'ApproximateNumberOfMessagesVisible');
      expect(alarms, dlq).toHaveLength(1);
      expect(props(alarms[0] ?? { Type: '' })).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      expect(JSON.stringify(props(alarms[0] ?? { Type: '' }).AlarmActions)).toMatch(/OpsTopic/);
    }
  });

  it.each(templates)(
    'encrypts every %s queue with a customer-managed key and refuses plain HTTP',
    (_name, template) => {
      const tlsOnly = new Set(
        resourcesOf(template, 'AWS::SQS::QueuePolicy')
          .filter(([, policy]) =>
            JSON.stringify(props(policy).PolicyDocument).includes('"aws:SecureTransport":"false"'),
          )
          .flatMap(([, policy]) => (props(policy).Queues as unknown[]).map(referencedId)),
      );
      for (const [id, queue] of resourcesOf(template, 'AWS::SQS::Queue')) {
        // A key of this stack (GetAtt) or of the stateful stack (a cross-stack reference).
        expect(JSON.stringify(props(queue).KmsMasterKeyId), id).toMatch(/(DataKey|MessagingKey)/);
        expect(tlsOnly.has(id), id).toBe(true);
      }
    },
  );
});

describe('visibility timeout', () => {
  it('refuses a telemetry queue whose visibility timeout is under six processor timeouts', () => {
    const app = newApp();
    const config = parseConfig({ stage: 'test' });
    const stateful = new StatefulStack(app, 'Stateful', { config });
    Object.defineProperty(stateful, 'telemetryVisibilityTimeout', { value: Duration.seconds(300) });
    expect(() => new StatelessStack(app, 'Stateless', { config, stateful })).toThrow(
      /visibility timeout \(300 s\) must be at least 6 times the processor timeout \(360 s\)/,
    );
  });
});

describe('alarms', () => {
  const alarms = [
    ...resourcesOf(stateful, 'AWS::CloudWatch::Alarm'),
    ...resourcesOf(stateless, 'AWS::CloudWatch::Alarm'),
  ];

  it('routes every alarm and its recovery to the ops topic', () => {
    for (const [id, alarm] of alarms) {
      expect(JSON.stringify(props(alarm).AlarmActions), id).toMatch(/OpsTopic/);
      expect(JSON.stringify(props(alarm).OKActions), id).toMatch(/OpsTopic/);
    }
  });

  it('alarms on errors of every function', () => {
    for (const [name, fn] of Object.entries(stacks.stateless.functions)) {
      const functionId = stacks.stateless.getLogicalId(fn.function.node.defaultChild as never);
      const matching = resourcesOf(stateless, 'AWS::CloudWatch::Alarm').filter(
        ([, a]) =>
          props(a).MetricName === 'Errors' &&
          JSON.stringify(props(a).Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: { Ref: functionId } }]),
      );
      expect(matching, name).toHaveLength(1);
    }
  });

  it('alarms on failed and quarantined messages from the processor metrics, over both dimension sets', () => {
    for (const metricName of ['MessagesFailed', 'ItemsQuarantined', 'IngestUnavailable']) {
      const alarm = alarms.find(([, a]) =>
        JSON.stringify(props(a).Metrics ?? []).includes(`"MetricName":"${metricName}"`),
      );
      expect(alarm, metricName).toBeDefined();
      const metrics = props(alarm?.[1] ?? { Type: '' }).Metrics as Array<{
        MetricStat?: { Metric: { Namespace: string; Dimensions: Array<{ Name: string }> } };
        Expression?: string;
      }>;
      const stats = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
      expect(stats.map((m) => m.Namespace)).toEqual(['WteTelemetry', 'WteTelemetry']);
      expect(stats.map((m) => m.Dimensions.map((d) => d.Name).sort())).toEqual([
        ['service'],
        ['function', 'service'],
      ]);
      expect(metrics.some((m) => m.Expression?.includes('FILL('))).toBe(true);
    }
  });

  it('alarms on the age of the oldest telemetry message', () => {
    expect(alarms.some(([, a]) => props(a).MetricName === 'ApproximateAgeOfOldestMessage')).toBe(true);
  });
});

describe('dashboard', () => {
  const [[, dashboard] = ['', { Type: '' }]] = resourcesOf(stateless, 'AWS::CloudWatch::Dashboard');
  const body = JSON.stringify(props(dashboard).DashboardBody);

  it.each([
    ['ingest rate', 'MessagesAccepted'],
    ['MQTT ingest', 'TopicMatch'],
    ['processing latency', 'ApproximateAgeOfOldestMessage'],
    ['processor duration', 'Duration'],
    ['rejections', 'ItemsRejected'],
    ['store refusals', 'ItemsQuarantined'],
    ['WAF blocks', 'BlockedRequests'],
    ['alerts published', 'NumberOfMessagesPublished'],
    ['readings stored', 'ReadingsStored'],
  ])('shows %s (%s)', (_what, metric) => {
    expect(body).toContain(`\\"${metric}\\"`);
  });
});
