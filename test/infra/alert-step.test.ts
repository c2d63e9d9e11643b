/**
 * The alert step on AWS (docs/alert-step.md): the processor queues each
 * plant a stored batch touched to the alert step queue, and the alert step
 * function judges the batch rules and publishes alerts. These assert the
 * queue, its DLQ and alarms, the event source, and who may do what.
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALERT_STEP_TIMEOUT } from '../../lib/constructs/alert-step.ts';
import type { WteFunction } from '../../lib/constructs/wte-function.ts';
import { QUEUE_AGE_ALARM } from '../../lib/stateful-stack.ts';
import {
  buildTestApp,
  iamStatements,
  props,
  type Resource,
  referencedId,
  resourcesOf,
  type TestApp,
} from './support.ts';

let app: TestApp;
let lake: TestApp;
beforeAll(() => {
  app = buildTestApp({ processorMaxConcurrency: 7 });
  lake = buildTestApp({ metricsStore: 'lake' });
});

const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const resource = (t: TestApp, id: string): Resource =>
  (t.stateless.toJSON().Resources as Record<string, Resource>)[id] ?? { Type: 'missing' };
const stepQueueId = (t: TestApp) => logicalId(t.stacks.stateless.processing.alertStep.queue);
const accessOf = (t: TestApp, fn: WteFunction) => {
  const policy = fn.access;
  return policy
    ? iamStatements([t.stateless]).filter((s) => s.effect === 'Allow' && s.where === logicalId(policy))
    : [];
};
const environmentOf = (t: TestApp, fn: WteFunction): Record<string, unknown> =>
  (props(resource(t, logicalId(fn.function))).Environment as { Variables: Record<string, unknown> })
    .Variables;

describe('alert step queue', () => {
  it('is encrypted with the data key, refuses plain HTTP and keeps messages four days', () => {
    const queue = props(resource(app, stepQueueId(app)));
    expect(JSON.stringify(queue.KmsMasterKeyId)).toMatch(/DataKey/);
    expect(queue.MessageRetentionPeriod).toBe(4 * 86_400);
    const tlsOnly = resourcesOf(app.stateless, 'AWS::SQS::QueuePolicy').filter(
      ([, p]) =>
        (props(p).Queues as unknown[]).some((q) => referencedId(q) === stepQueueId(app)) &&
        JSON.stringify(props(p).PolicyDocument).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsOnly).toHaveLength(1);
  });

  it('moves a message to its own encrypted DLQ after 5 receives, and the DLQ alarms to ops', () => {
    const redrive = props(resource(app, stepQueueId(app))).RedrivePolicy as {
      deadLetterTargetArn: unknown;
      maxReceiveCount: number;
    };
    expect(redrive.maxReceiveCount).toBe(5);
    const dlqId = referencedId(redrive.deadLetterTargetArn) ?? '';
    expect(dlqId).toBe(logicalId(app.stacks.stateless.processing.alertStep.deadLetterQueue.queue));
    expect(JSON.stringify(props(resource(app, dlqId)).KmsMasterKeyId)).toMatch(/DataKey/);
    const alarm = resourcesOf(app.stateless, 'AWS::CloudWatch::Alarm').find(
      ([, a]) =>
        props(a).MetricName === 'ApproximateNumberOfMessagesVisible' &&
        JSON.stringify(props(a).Dimensions).includes(dlqId),
    );
    expect(props(alarm?.[1] ?? { Type: '' })).toMatchObject({ Threshold: 1 });
    expect(String(props(alarm?.[1] ?? { Type: '' }).AlarmDescription)).toMatch(/redrive/);
    expect(JSON.stringify(props(alarm?.[1] ?? { Type: '' }).AlarmActions)).toMatch(/OpsTopic/);
  });

  it('alarms to ops when its oldest message is older than the queue age limit', () => {
    const ageAlarms = resourcesOf(app.stateless, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) =>
        props(a).MetricName === 'ApproximateAgeOfOldestMessage' &&
        JSON.stringify(props(a).Dimensions).includes(stepQueueId(app)),
    );
    expect(ageAlarms).toHaveLength(1);
    expect(props(ageAlarms[0]?.[1] ?? { Type: '' })).toMatchObject({
      Threshold: QUEUE_AGE_ALARM.toSeconds(),
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(JSON.stringify(props(ageAlarms[0]?.[1] ?? { Type: '' }).AlarmActions)).toMatch(/OpsTopic/);
  });

  it('keeps its visibility timeout at least six alert step timeouts', () => {
    const step = props(resource(app, logicalId(app.stacks.stateless.functions.alertStep.function)));
    expect(step.Timeout).toBe(ALERT_STEP_TIMEOUT.toSeconds());
    expect(props(resource(app, stepQueueId(app))).VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * (step.Timeout as number),
    );
  });
});

describe('alert step function', () => {
  it('consumes the queue in batches of 10 within a second, with partial batch failures, as many at once as the processor', () => {
    const mappings = resourcesOf(app.stateless, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => referencedId(props(m).EventSourceArn) === stepQueueId(app),
    );
    expect(mappings).toHaveLength(1);
    const mapping = props(mappings[0]?.[1] ?? { Type: '' });
    expect(mapping).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 7 },
    });
    expect(mapping.MaximumBatchingWindowInSeconds).toBeLessThanOrEqual(1);
    expect(referencedId(mapping.FunctionName)).toBe(
      logicalId(app.stacks.stateless.functions.alertStep.function),
    );
  });

  it('runs the alert-step entry with 512 MB', () => {
    const fn = app.stacks.stateless.functions.alertStep;
    expect(`${fn.entry}.${fn.handlerName}`).toBe('alert-step.handler');
    expect(props(resource(app, logicalId(fn.function))).MemorySize).toBe(512);
  });

  it('reads and writes state items without deleting, reads Timestream, publishes alerts, and nothing else', () => {
    const actions = accessOf(app, app.stacks.stateless.functions.alertStep).flatMap((s) => s.actions);
    expect([...new Set(actions)].sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'sns:Publish',
      'timestream:Select',
    ]);
    expect(environmentOf(app, app.stacks.stateless.functions.alertStep)).toMatchObject({
      STATE_TABLE_NAME: expect.anything(),
      TIMESTREAM_DATABASE: expect.anything(),
      ALERTS_TOPIC_ARN: expect.anything(),
    });
  });

  it('on the lake, reads the recent telemetry table and Athena through the reader policy', () => {
    const step = lake.stacks.stateless.functions.alertStep;
    expect(environmentOf(lake, step)).toMatchObject({
      METRICS_STORE: 'lake',
      RECENT_TELEMETRY_TABLE: expect.anything(),
      ATHENA_WORKGROUP: expect.anything(),
    });
    const role = props(resource(lake, logicalId(step.role)));
    expect(JSON.stringify(role.ManagedPolicyArns)).toMatch(/ReaderPolicy/);
  });
});

describe('the processor and the alert step queue', () => {
  it('lets only the processor send to the queue, with its URL in the processor environment', () => {
    const senders = iamStatements([app.stateful, app.stateless]).filter(
      (s) =>
        s.actions.includes('sqs:SendMessage') &&
        s.resources.some((r) => referencedId(r) === stepQueueId(app)),
    );
    const processor = app.stacks.stateless.functions.processor;
    expect(senders.map((s) => s.where)).toEqual([logicalId(processor.access as IConstruct)]);
    expect(referencedId(environmentOf(app, processor).ALERT_STEP_QUEUE_URL)).toBe(stepQueueId(app));
  });

  it('no longer lets the processor publish alerts or query the metrics store', () => {
    const processor = app.stacks.stateless.functions.processor;
    const actions = accessOf(app, processor).flatMap((s) => s.actions);
    expect(actions).not.toContain('sns:Publish');
    expect(actions).not.toContain('timestream:Select');
    expect(actions).toContain('timestream:WriteRecords');
    expect(environmentOf(app, processor).ALERTS_TOPIC_ARN).toBeUndefined();
  });

  it('on the lake, gives the processor the write path only: no Athena, no reader policy, no Lake Formation grant', () => {
    const processor = lake.stacks.stateless.functions.processor;
    const env = environmentOf(lake, processor);
    expect(env).toMatchObject({
      LAKE_READINGS_STREAM: expect.anything(),
      RECENT_TELEMETRY_TABLE: expect.anything(),
    });
    expect(env.ATHENA_WORKGROUP).toBeUndefined();
    const role = props(resource(lake, logicalId(processor.role)));
    expect(JSON.stringify(role.ManagedPolicyArns ?? [])).not.toMatch(/ReaderPolicy/);
    const grantees = resourcesOf(lake.stateless, 'AWS::LakeFormation::PrincipalPermissions').map(([, g]) =>
      JSON.stringify(props(g).Principal),
    );
    expect(grantees.filter((g) => g.includes(logicalId(processor.role)))).toEqual([]);
    expect(
      grantees.filter((g) => g.includes(logicalId(lake.stacks.stateless.functions.alertStep.role))),
    ).toHaveLength(2);
  });

  it('lets the alert step, the scheduled run and the acknowledgment route publish alerts, nothing else', () => {
    const { functions: fns } = app.stacks.stateless;
    const publishers = iamStatements([app.stateless])
      .filter((s) => s.actions.includes('sns:Publish'))
      .map((s) => s.where)
      .sort();
    expect(publishers).toEqual(
      [fns.alertStep, fns.scheduler, fns.acknowledgeAlert]
        .map((f) => logicalId(f.access as IConstruct))
        .sort(),
    );
  });
});

describe('monitoring', () => {
  it('alarms on alert step errors and on evaluations it keeps deferring', () => {
    const alarms = resourcesOf(app.stateless, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    const stepId = logicalId(app.stacks.stateless.functions.alertStep.function);
    expect(
      alarms.filter(
        (a) =>
          a.MetricName === 'Errors' &&
          JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: stepId } }]),
      ),
    ).toHaveLength(1);
    const deferred = alarms.filter((a) =>
      JSON.stringify(a.Metrics ?? []).includes('"AlertEvaluationsDeferred"'),
    );
    expect(deferred).toHaveLength(1);
    expect(JSON.stringify(deferred[0]?.Metrics)).toContain('"Value":"alert-step"');
  });

  it('shows the alert step queue age, its duration, throttles and what it published on the dashboard', () => {
    const [[, dashboard] = ['', { Type: '' }]] = resourcesOf(app.stateless, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(props(dashboard).DashboardBody);
    expect(body).toContain(stepQueueId(app));
    expect(body).toContain('alert step p95');
    expect(body).toContain('\\"alertStep\\"');
    expect(body).toContain('\\"AlertsPublished\\"');
  });
});
