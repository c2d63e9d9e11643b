/**
 * The KPI rollup constructs in throwaway stacks (the app's stacks wire them;
 * see docs/kpi-rollup.md): the table's shape matches the adapter, the
 * scheduled function has exactly the access it needs, the bindings grant
 * what the processor and KPI readers need, and the rule packs pass.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { PENDING_INDEX } from '../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { KpiRollup, type KpiRollupProps, KpiRollupTable } from '../../lib/constructs/kpi-rollup.ts';
import { WteFunction } from '../../lib/constructs/wte-function.ts';
import { iamStatements, newApp, props, resourcesOf } from './support.ts';

const SINCE = new Date('2026-12-01T00:15:00Z');
const METRICS_BINDING = {
  environment: {
    TIMESTREAM_DATABASE: 'wte',
    TIMESTREAM_READINGS_TABLE: 'readings',
    TIMESTREAM_MOVEMENTS_TABLE: 'movements',
  },
  statements: [
    new iam.PolicyStatement({
      actions: ['timestream:Select'],
      resources: ['arn:aws:timestream:eu-central-1:123456789012:database/wte/table/readings'],
    }),
  ],
};

function build(
  overrides: Partial<KpiRollupProps> = {},
  removalPolicy = RemovalPolicy.RETAIN,
  beforeSynth: (app: ReturnType<typeof newApp>) => void = () => {},
) {
  const app = newApp();
  const stateful = new Stack(app, 'Stateful');
  const key = new kms.Key(stateful, 'DataKey', { enableKeyRotation: true });
  const rollupTable = new KpiRollupTable(stateful, 'KpiRollupTable', { encryptionKey: key, removalPolicy });
  const stateless = new Stack(app, 'Stateless');
  const opsTopic = new sns.Topic(stateless, 'Ops', { enforceSSL: true, masterKey: key });
  const rollup = new KpiRollup(stateless, 'KpiRollup', {
    table: rollupTable.table,
    dataKey: key,
    metrics: METRICS_BINDING,
    opsTopic,
    rollupSince: SINCE,
    memoryStoreRetentionHours: 24,
    logRetentionDays: 30,
    ...overrides,
  });
  const common = {
    memorySize: 256,
    timeout: rollup.function.function.timeout as never,
    logRetentionDays: 30,
  };
  const processor = new WteFunction(stateless, 'Processor', {
    ...common,
    entry: 'processor',
    description: 'stand-in processor',
    invocation: 'queue',
  }).bind(rollup.markerBinding());
  const kpis = new WteFunction(stateless, 'Kpis', {
    ...common,
    entry: 'query-api',
    handler: 'kpisHandler',
    description: 'stand-in KPI reader',
    invocation: 'api',
  }).bind(rollup.readerBinding());
  beforeSynth(app);
  return {
    app,
    rollup,
    processor,
    kpis,
    stateful: Template.fromStack(stateful),
    stateless: Template.fromStack(stateless),
  };
}

const built = build();
const statements = iamStatements([built.stateless]);
const statementsOf = (construct: string) => statements.filter((s) => s.where.startsWith(construct));

describe('KpiRollupTable', () => {
  it('has the adapter’s keys and sparse pending index, on demand, encrypted with the data key, recoverable', () => {
    built.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'plant', KeyType: 'HASH' },
        { AttributeName: 'slot', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'plant', AttributeType: 'S' },
        { AttributeName: 'slot', AttributeType: 'N' },
        { AttributeName: 'pend', AttributeType: 'S' },
        { AttributeName: 'settleAt', AttributeType: 'N' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: [
        {
          IndexName: PENDING_INDEX,
          KeySchema: [
            { AttributeName: 'pend', KeyType: 'HASH' },
            { AttributeName: 'settleAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['gen'] },
        },
      ],
    });
    const [[, table] = []] = resourcesOf(built.stateful, 'AWS::DynamoDB::Table');
    expect(table?.DeletionPolicy).toBe('Retain');
    const disposable = build({}, RemovalPolicy.DESTROY).stateful;
    disposable.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });
});

describe('KpiRollup', () => {
  it('runs the kpi-rollup entry every 15 minutes, retried twice, failures to an alarmed DLQ', () => {
    built.stateless.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('KpiRollupFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
        }),
      ],
    });
    expect(built.rollup.function.entry).toBe('kpi-rollup');
    built.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^KPI rollup'),
      Timeout: 810,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          KPI_ROLLUP_TABLE: Match.anyValue(),
          KPI_ROLLUP_SINCE: String(SINCE.getTime()),
          KPI_ROLLUP_MEMORY_RETENTION_HOURS: '24',
          TIMESTREAM_DATABASE: 'wte',
          TIMESTREAM_READINGS_TABLE: 'readings',
        }),
      },
    });
    built.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('KPI rollup run failed'),
    });
  });

  it('lets the job update slots and query the table and its pending index, and nothing else of it', () => {
    const job = statementsOf('KpiRollupFunction');
    const dynamo = job.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => s.actions)).toEqual([['dynamodb:UpdateItem'], ['dynamodb:Query']]);
    const query = dynamo.find((s) => s.actions.includes('dynamodb:Query'));
    expect(JSON.stringify(query?.resources)).toContain(`/index/${PENDING_INDEX}`);
    expect(job.flatMap((s) => s.actions)).toContain('timestream:Select');
    expect(job.flatMap((s) => s.actions)).not.toEqual(expect.arrayContaining(['dynamodb:PutItem']));
    for (const s of job.filter((s) => s.actions.some((a) => a.startsWith('kms:')))) {
      expect(s.actions).not.toContain('kms:ReEncrypt*');
    }
    expect(job.filter((s) => s.resources.includes('*')).flatMap((s) => s.actions)).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/^(dynamodb|timestream):/)]),
    );
  });

  it('binds the processor to mark and read, and KPI readers to read only, with the environment entry points expect', () => {
    const processor = statementsOf('Processor').flatMap((s) => s.actions);
    expect(processor).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:Query']));
    const reader = statementsOf('Kpis').flatMap((s) => s.actions.filter((a) => a.startsWith('dynamodb:')));
    expect(reader).toEqual(['dynamodb:Query']);
    for (const fn of [built.processor, built.kpis]) {
      const variables = (
        props(
          resourcesOf(built.stateless, 'AWS::Lambda::Function').find(([id]) =>
            id.startsWith(fn.node.id),
          )?.[1] ?? { Type: '' },
        ).Environment as { Variables: Record<string, unknown> }
      ).Variables;
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining(['KPI_ROLLUP_TABLE', 'KPI_ROLLUP_SINCE', 'KPI_ROLLUP_MEMORY_RETENTION_HOURS']),
      );
    }
  });

  it('tells every role from when tickets are marked, when the rollup predates ticket tonnages', () => {
    const later = new Date(SINCE.getTime() + 90 * 86_400_000);
    const upgraded = build({ movementsSince: later });
    upgraded.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^KPI rollup'),
      Environment: {
        Variables: Match.objectLike({ KPI_ROLLUP_MOVEMENTS_SINCE: String(later.getTime()) }),
      },
    });
    // by default tickets are known from rollupSince on, and the variable is left out
    for (const [, fn] of resourcesOf(built.stateless, 'AWS::Lambda::Function'))
      expect(JSON.stringify(props(fn))).not.toContain('KPI_ROLLUP_MOVEMENTS_SINCE');
    expect(() => build({ movementsSince: new Date(Number.NaN) })).toThrow(/movementsSince/);
  });

  it('refuses props that cannot work, naming the value', () => {
    expect(() => build({ rollupSince: new Date('not a date') })).toThrow(/rollupSince/);
    expect(() => build({ intervalMinutes: 0 })).toThrow(/intervalMinutes .* got 0/);
    expect(() => build({ memoryStoreRetentionHours: 1.5 })).toThrow(/memoryStoreRetentionHours .* got 1.5/);
  });

  it('passes the AwsSolutions and Serverless packs without new acknowledgments beyond its schedule', () => {
    // The packs run when the templates are synthesized; a finding fails synthesis.
    expect(() =>
      build({}, RemovalPolicy.RETAIN, (app) =>
        Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app)),
      ),
    ).not.toThrow();
  });
});
