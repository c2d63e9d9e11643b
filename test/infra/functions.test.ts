import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FUNCTION_ARCHITECTURE,
  FUNCTION_RUNTIME,
  type WteFunction,
} from '../../lib/constructs/wte-function.ts';
import { buildTestApp, iamStatements, props, referencedId, resourcesOf } from './support.ts';

const { stacks, stateful, stateless, config } = buildTestApp({
  logRetentionDays: 90,
  processorBatchSize: 50,
  processorBatchingWindowSeconds: 5,
  processorTimeoutSeconds: 90,
  processorMaxConcurrency: 4,
  schedulerIntervalMinutes: 10,
});
const templates = [stateful, stateless];
const functions = resourcesOf(stateless, 'AWS::Lambda::Function');
const ours = Object.entries(stacks.stateless.functions);
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** Actions that AWS authorizes only on `*` (no resource-level permissions). */
const UNSCOPED_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'timestream:DescribeEndpoints',
  'iot:DescribeEndpoint',
]);

describe('IAM', () => {
  const statements = iamStatements(templates).filter((s) => s.effect === 'Allow');

  it('finds the policies it checks', () => {
    expect(statements.length).toBeGreaterThan(30);
  });

  it('grants no wildcard action anywhere', () => {
    const wild = statements.filter((s) => s.actions.some((a) => a.includes('*')));
    expect(wild).toEqual([]);
  });

  it('grants actions on "*" only where AWS offers no resource-level permission', () => {
    const onStar = statements.filter((s) => s.resources.includes('*'));
    expect(onStar.length).toBeGreaterThan(0);
    for (const statement of onStar) {
      expect(
        statement.actions.filter((a) => !UNSCOPED_ACTIONS.has(a)),
        statement.where,
      ).toEqual([]);
    }
  });

  it('uses KMS keys only through the service that needs them, apart from the event source read', () => {
    const kms = statements.filter((s) => s.actions.some((a) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(0);
    for (const statement of kms) expect(statement.resources).not.toContain('*');
  });

  /** Statements of a function's own access policy. */
  const accessOf = (fn: WteFunction) => {
    const policy = fn.access;
    return policy ? statements.filter((s) => s.where === logicalId(policy)) : [];
  };
  const { functions: fns } = stacks.stateless;

  it('gives the authorizer nothing but reading the state table', () => {
    const authorizer = accessOf(fns.authorizer);
    expect(authorizer.flatMap((s) => s.actions).sort()).toEqual([
      'dynamodb:GetItem',
      'kms:Decrypt',
      'kms:DescribeKey',
    ]);
  });

  it('gives ingest nothing but sending to the telemetry queue', () => {
    const ingest = accessOf(fns.ingest);
    expect(ingest.flatMap((s) => s.actions).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'sqs:SendMessage',
    ]);
  });

  it('lets only the scheduled run delete state items (settled day-arrival records), and the ack function publish alerts', () => {
    const deleters = statements.filter((s) => s.actions.includes('dynamodb:DeleteItem')).map((s) => s.where);
    expect(deleters).toEqual([fns.scheduler.access ? logicalId(fns.scheduler.access) : 'none']);
    const ack = accessOf(fns.acknowledgeAlert).flatMap((s) => s.actions);
    expect(ack).toEqual(expect.arrayContaining(['sns:Publish', 'dynamodb:Query', 'dynamodb:UpdateItem']));
  });

  it('lets only the processor write Timestream and publish rejection notices', () => {
    const processorPolicy = fns.processor.access ? logicalId(fns.processor.access) : 'none';
    const writers = statements
      .filter((s) => s.actions.includes('timestream:WriteRecords'))
      .map((s) => s.where);
    expect(writers).toEqual([processorPolicy]);
    const publishers = statements.filter((s) => s.actions.includes('iot:Publish'));
    expect(publishers.map((s) => s.where)).toEqual([processorPolicy]);
    expect(JSON.stringify(publishers[0]?.resources)).toContain(':topic/wte/v1/*/rejected');
  });

  it('gives every function its own role without AWS managed policies', () => {
    const roles = new Map(resourcesOf(stateless, 'AWS::IAM::Role'));
    for (const [name, fn] of ours) {
      const role = roles.get(logicalId(fn.role));
      expect(role, name).toBeDefined();
      expect(JSON.stringify(props(role ?? { Type: '' }).ManagedPolicyArns ?? []), name).not.toContain(
        'iam::aws:policy',
      );
    }
    const functionRoles = new Set(functions.map(([, f]) => referencedId(props(f).Role)));
    expect(functionRoles.size).toBe(functions.length);
  });
});

describe('functions', () => {
  it('builds one function per handler of the composition roots', () => {
    expect(ours.map(([, fn]) => `${fn.entry}.${fn.handlerName}`).sort()).toEqual([
      'alert-step.handler',
      'alerts-ack.ackHandler',
      'alerts-api.listHandler',
      'authorizer.handler',
      'ingest.handler',
      'kpi-rollup.handler',
      'kpi-widget.handler',
      'plants-api.handler',
      'processor.handler',
      'query-api.kpisHandler',
      'query-api.seriesHandler',
      'report-api.handler',
      'scheduler.handler',
    ]);
  });

  it.each(ours)('%s runs on Node.js arm64 with tracing, explicit memory and timeout', (_name, fn) => {
    const [, resource] = functions.find(([id]) => id === logicalId(fn.function)) ?? [];
    const p = props(resource ?? { Type: '' });
    expect(p.Runtime).toBe(FUNCTION_RUNTIME.name);
    expect(FUNCTION_RUNTIME.name).toMatch(/^nodejs(2[2-9]|[3-9]\d)\.x$/);
    expect(p.Architectures).toEqual([FUNCTION_ARCHITECTURE.name]);
    expect(p.TracingConfig).toEqual({ Mode: 'Active' });
    expect(p.MemorySize).toBeGreaterThanOrEqual(256);
    expect(p.Timeout).toBeGreaterThan(3);
    expect(p.LoggingConfig).toMatchObject({ LogFormat: 'JSON', LogGroup: { Ref: logicalId(fn.logGroup) } });
    // The processor adds heap caps (test/infra/processor-memory.test.ts); every function keeps source maps.
    expect(
      String((p.Environment as { Variables: Record<string, unknown> }).Variables.NODE_OPTIONS).split(' '),
    ).toContain('--enable-source-maps');
  });

  it('gives every function of the app a log group with the configured retention', () => {
    const logGroups = new Map(resourcesOf(stateless, 'AWS::Logs::LogGroup'));
    for (const [id, fn] of functions) {
      const groupId = referencedId((props(fn).LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup);
      expect(groupId, id).toBeDefined();
      expect(props(logGroups.get(groupId ?? '') ?? { Type: '' }).RetentionInDays, id).toBe(90);
    }
    for (const [id, group] of logGroups) expect(props(group).RetentionInDays, id).toBe(90);
  });

  it('keeps API functions under the 29 s API Gateway limit', () => {
    for (const name of [
      'ingest',
      'authorizer',
      'kpis',
      'series',
      'report',
      'listAlerts',
      'acknowledgeAlert',
    ] as const) {
      const fn = stacks.stateless.functions[name];
      const [, resource] = functions.find(([id]) => id === logicalId(fn.function)) ?? [];
      expect(props(resource ?? { Type: '' }).Timeout, name).toBeLessThanOrEqual(28);
    }
  });
});

describe('composition roots boot with the deployed environment', () => {
  const saved = { ...process.env };
  afterAll(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  /** A plausible value for each variable; the values in the template are CloudFormation references. */
  const fake = (name: string): string =>
    name.endsWith('_ARN')
      ? 'arn:aws:sns:eu-central-1:123456789012:wte-alerts'
      : name.endsWith('_URL') || name.endsWith('_ENDPOINT')
        ? 'https://example.amazonaws.com/123456789012/queue'
        : `wte-${name.toLowerCase()}`;

  const booted = new Map<string, string[]>();
  it.each(ours)(
    '%s: its entry module starts with exactly the variables the stack sets',
    async (_name, fn) => {
      const [, resource] = functions.find(([id]) => id === logicalId(fn.function)) ?? [];
      const variables = Object.keys(
        (props(resource ?? { Type: '' }).Environment as { Variables: Record<string, unknown> }).Variables,
      )
        .filter((name) => name !== 'NODE_OPTIONS')
        .sort();
      const earlier = booted.get(fn.entry);
      if (earlier) {
        // The module already started once; the same entry must get the same variables.
        expect(variables).toEqual(earlier);
        return;
      }
      for (const key of Object.keys(process.env)) delete process.env[key];
      Object.assign(process.env, { AWS_REGION: 'eu-central-1', PATH: saved.PATH ?? '' });
      const literal = (props(resource ?? { Type: '' }).Environment as { Variables: Record<string, unknown> })
        .Variables;
      // Literal values as the template has them (numbers, ISO times); references get a plausible fake.
      for (const name of variables) {
        const value = literal[name];
        process.env[name] = typeof value === 'string' ? value : fake(name);
      }
      const module = (await import(`../../lambdas/entry/${fn.entry}.ts`)) as Record<string, unknown>;
      expect(typeof module[fn.handlerName]).toBe('function');
      booted.set(fn.entry, variables);
    },
  );
});

describe('processing', () => {
  const processorId = logicalId(stacks.stateless.functions.processor.function);
  const [[, mapping] = ['', { Type: '' }]] = resourcesOf(stateless, 'AWS::Lambda::EventSourceMapping').filter(
    ([, m]) => referencedId(props(m).FunctionName) === processorId,
  );

  it('reports batch item failures and uses the configured batch, window and concurrency', () => {
    expect(props(mapping)).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    expect(referencedId(props(mapping).FunctionName)).toBe(
      logicalId(stacks.stateless.functions.processor.function),
    );
  });

  it('keeps the telemetry queue visibility timeout at least six times the processor timeout', () => {
    const [, processor] = functions.find(([id]) => id === referencedId(props(mapping).FunctionName)) ?? [];
    const timeout = props(processor ?? { Type: '' }).Timeout as number;
    expect(timeout).toBe(config.processor.timeoutSeconds);
    const consumed = resourcesOf(stateful, 'AWS::SQS::Queue').filter(([, q]) => props(q).RedrivePolicy);
    expect(consumed).toHaveLength(1);
    expect(props(consumed[0]?.[1] ?? { Type: '' }).VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('runs the scheduler on the configured rate, with retries bounded by the interval and a DLQ', () => {
    stateless.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [logicalId(stacks.stateless.functions.scheduler.function), 'Arn'] },
          Id: 'Target0',
          RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 },
        },
      ],
    });
    const [, scheduler] =
      functions.find(([id]) => id === logicalId(stacks.stateless.functions.scheduler.function)) ?? [];
    expect(props(scheduler ?? { Type: '' }).Timeout).toBeLessThan(600);
    expect(
      referencedId((props(scheduler ?? { Type: '' }).DeadLetterConfig as { TargetArn: unknown }).TargetArn),
    ).toMatch(/SchedulerDlq/);
  });
});
