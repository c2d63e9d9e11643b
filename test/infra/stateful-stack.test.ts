import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stateTableDefinition } from '../../lambdas/adapters/dynamo/state-table.ts';
import { MAX_RECEIVE_COUNT } from '../../lib/stateful-stack.ts';
import { buildTestApp, props, referencedId, resourcesOf } from './support.ts';

const { stateful: template } = buildTestApp({
  memoryStoreRetentionHours: 12,
  magneticStoreRetentionDays: 3650,
  opsEmails: ['ops@example.com'],
  alertEmails: [
    'all-alerts@example.com',
    { email: 'shift@example.com', plantIds: ['kz-ast-01'], severities: ['critical'] },
  ],
});

/** The ARN of a resource whose logical id starts with `prefix`: for CDK matchers and for vitest. */
const keyId = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });
const arnOf = (prefix: string) => ({
  'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), 'Arn'],
});

describe('keys', () => {
  it('rotates every customer-managed key and retains it by default', () => {
    const keys = resourcesOf(template, 'AWS::KMS::Key');
    expect(keys).toHaveLength(2);
    for (const [, key] of keys) {
      expect(props(key).EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });

  it('lets CloudWatch alarms publish to the encrypted ops topic', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
  });
});

describe('telemetry queue', () => {
  it('encrypts the telemetry queue and its DLQ with the data key', () => {
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: keyId('DataKey') }, 2);
  });

  it(`redrives poison messages to the DLQ after ${MAX_RECEIVE_COUNT} receives`, () => {
    expect(MAX_RECEIVE_COUNT).toBe(5);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TelemetryDlq'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  it('denies every queue access without TLS', () => {
    const queues = resourcesOf(template, 'AWS::SQS::Queue').map(([id]) => id);
    const protectedQueues = resourcesOf(template, 'AWS::SQS::QueuePolicy')
      .filter(([, policy]) =>
        JSON.stringify(props(policy).PolicyDocument).includes('"aws:SecureTransport":"false"'),
      )
      .flatMap(([, policy]) => (props(policy).Queues as unknown[]).map(referencedId));
    expect(new Set(protectedQueues)).toEqual(new Set(queues));
  });

  it('alarms when the oldest message waits more than 10 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 600,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsOpsTopic') }],
    });
  });
});

describe('state table', () => {
  const definition = stateTableDefinition('any-name');
  const [[, table] = ['', { Type: '' }]] = resourcesOf(template, 'AWS::DynamoDB::Table');

  it('has exactly the keys and indexes the adapters define', () => {
    expect(props(table).KeySchema).toEqual(definition.KeySchema);
    const indexes = (props(table).GlobalSecondaryIndexes as Array<Record<string, unknown>>).map((i) => ({
      IndexName: i.IndexName,
      KeySchema: i.KeySchema,
      Projection: i.Projection,
    }));
    expect(indexes).toEqual(definition.GlobalSecondaryIndexes);
    expect(new Set(props(table).AttributeDefinitions as unknown[])).toEqual(
      new Set(definition.AttributeDefinitions),
    );
    expect(props(table).BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('keeps point-in-time recovery, a customer-managed key and deletion protection', () => {
    expect(props(table).PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props(table).SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: arnOf('DataKey'),
    });
    expect(props(table).DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
  });
});

describe('Timestream', () => {
  it('encrypts the database with the data key', () => {
    template.hasResourceProperties('AWS::Timestream::Database', { KmsKeyId: keyId('DataKey') });
  });

  it('configures retention and magnetic-store writes with a rejected-records location on both tables', () => {
    const tables = resourcesOf(template, 'AWS::Timestream::Table');
    expect(tables).toHaveLength(2);
    for (const [, table] of tables) {
      expect(props(table).RetentionProperties).toEqual({
        MemoryStoreRetentionPeriodInHours: '12',
        MagneticStoreRetentionPeriodInDays: '3650',
      });
      expect(props(table).MagneticStoreWriteProperties).toEqual({
        EnableMagneticStoreWrites: true,
        MagneticStoreRejectedDataLocation: {
          S3Configuration: {
            BucketName: { Ref: expect.stringMatching(/^MetricsRejectedRecords/) },
            EncryptionOption: 'SSE_S3',
            ObjectKeyPrefix: expect.stringMatching(/^(readings|movements)\/$/),
          },
        },
      });
    }
  });

  it('keeps the rejected-records bucket private, encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarms on magnetic-store rejections of either table', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'MagneticStoreRejectedRecordCount',
              Namespace: 'AWS/Timestream',
            }),
          }),
        }),
      ]),
    });
  });
});

describe('topics', () => {
  it('encrypts both topics with the messaging key', () => {
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: keyId('MessagingKey') }, 2);
    template.resourceCountIs('AWS::SNS::Topic', 2);
  });

  it('refuses publishers without TLS on both topics', () => {
    template.resourcePropertiesCountIs(
      'AWS::SNS::TopicPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
  });

  it('subscribes every configured address with a dead-letter queue, and filters where asked', () => {
    const subscriptions = resourcesOf(template, 'AWS::SNS::Subscription');
    expect(subscriptions.map(([, s]) => props(s).Endpoint).sort()).toEqual([
      'all-alerts@example.com',
      'ops@example.com',
      'shift@example.com',
    ]);
    for (const [, subscription] of subscriptions) {
      expect(props(subscription).RedrivePolicy).toEqual({
        deadLetterTargetArn: arnOf('NotificationsDeliveryDlq'),
      });
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: 'shift@example.com',
      FilterPolicy: { plantId: ['kz-ast-01'], severity: ['critical'] },
    });
  });
});

describe('without retained data', () => {
  it('deletes tables, Timestream and keys with the stack when retainData is false', () => {
    const { stateful } = buildTestApp({ retainData: false });
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::Timestream::Table',
      'AWS::Timestream::Database',
      'AWS::KMS::Key',
    ]) {
      for (const [, resource] of resourcesOf(stateful, type)) expect(resource.DeletionPolicy).toBe('Delete');
    }
    stateful.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });
});
