import { Aws, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../checks/acknowledge.ts';
import type { LakeConfig } from '../config-store.ts';
import { notifyOps } from './alarms.ts';
import type { LakeTables } from './lake-tables.ts';

export interface LakeDeliveryProps {
  readonly tables: LakeTables;
  readonly encryptionKey: kms.IKey;
  readonly config: LakeConfig;
  readonly opsTopic: sns.ITopic;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** Rows still undelivered after this long page ops: the buffer interval plus Firehose's own retries. */
const FRESHNESS_MARGIN = Duration.minutes(15);

/**
 * Firehose into the lake: one Direct PUT stream per table (docs/lake.md,
 * "One delivery stream per table"), append-only Iceberg inserts without
 * UniqueKeys (an upsert would let a late older version overwrite a
 * correction), failed rows to an encrypted S3 error prefix, and the role
 * and Lake Formation grants the streams write with.
 */
export class LakeDelivery extends Construct {
  readonly readingsStream: firehose.CfnDeliveryStream;
  readonly movementsStream: firehose.CfnDeliveryStream;
  /** Rows Firehose could not deliver, under `<table>/` prefixes. */
  readonly errorBucket: s3.Bucket;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: LakeDeliveryProps) {
    super(scope, id);
    const { tables } = props;
    this.errorBucket = new s3.Bucket(this, 'FailedRows', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.errorBucket,
      'AwsSolutions-S1',
      'Only Firehose writes here (rows it failed to deliver to the lake) and operators read it while investigating a delivery alarm; an access-log bucket would need the same acknowledgment itself. Use CloudTrail S3 data events when reads must be audited.',
    );
    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'Firehose delivery into the metrics lake (Iceberg tables in S3 Tables)',
    });
    for (const statement of this.roleStatements(props, logGroup)) this.role.addToPrincipalPolicy(statement);
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'lakeformation:GetDataAccess supports only Resource "*" (Lake Formation vends credentials for the tables the role holds grants on); the statement holds that one action.',
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::<LakeDeliveryFailedRows4865780E.Arn>/*]',
      'Firehose writes failed rows under generated object keys (<table>/<error type>/<date>/...), only in this bucket.',
    );

    const grants = [tables.readings, tables.movements].map((table) =>
      tables.grantTable(this, `${table.tableName}Grant`, this.role.roleArn, table, [
        'SELECT',
        'INSERT',
        'ALTER',
        'DESCRIBE',
      ]),
    );
    const linkGrant = new lakeformation.CfnPrincipalPermissions(this, 'ResourceLinkGrant', {
      principal: { dataLakePrincipalIdentifier: this.role.roleArn },
      resource: { database: { catalogId: Aws.ACCOUNT_ID, name: tables.resourceLinkName } },
      permissions: ['DESCRIBE'],
      permissionsWithGrantOption: [],
    });
    linkGrant.node.addDependency(tables.resourceLink);

    this.readingsStream = this.stream('Readings', 'readings', props, logGroup, [...grants, linkGrant]);
    this.movementsStream = this.stream('Movements', 'movements', props, logGroup, [...grants, linkGrant]);
    for (const [name, stream] of [
      ['readings', this.readingsStream],
      ['movements', this.movementsStream],
    ] as const) {
      this.alarms(name, stream, props);
    }
  }

  private roleStatements(props: LakeDeliveryProps, logGroup: logs.LogGroup): iam.PolicyStatement[] {
    const { tables } = props;
    const glueArn = (resource: string) =>
      `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const federated = `s3tablescatalog/${tables.tableBucketName}`;
    return [
      new iam.PolicyStatement({
        actions: ['glue:GetTable', 'glue:GetDatabase', 'glue:UpdateTable'],
        resources: [
          glueArn('catalog'),
          glueArn('catalog/s3tablescatalog'),
          glueArn(`catalog/${federated}`),
          glueArn(`database/${tables.resourceLinkName}`),
          glueArn(`database/${federated}/${tables.namespace.namespace}`),
          glueArn(`table/${federated}/${tables.namespace.namespace}/${tables.readings.tableName}`),
          glueArn(`table/${federated}/${tables.namespace.namespace}/${tables.movements.tableName}`),
        ],
      }),
      new iam.PolicyStatement({ actions: ['lakeformation:GetDataAccess'], resources: ['*'] }),
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetBucketLocation'],
        resources: [this.errorBucket.bucketArn, this.errorBucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.encryptionKey.keyArn],
      }),
      new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    ];
  }

  private stream(
    id: string,
    table: 'readings' | 'movements',
    props: LakeDeliveryProps,
    logGroup: logs.LogGroup,
    grants: readonly lakeformation.CfnPrincipalPermissions[],
  ): firehose.CfnDeliveryStream {
    const logStream = new logs.LogStream(this, `${id}Log`, { logGroup, removalPolicy: props.removalPolicy });
    const stream = new firehose.CfnDeliveryStream(this, id, {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: {
        keyType: 'CUSTOMER_MANAGED_CMK',
        keyArn: props.encryptionKey.keyArn,
      },
      icebergDestinationConfiguration: {
        roleArn: this.role.roleArn,
        catalogConfiguration: {
          catalogArn: `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:catalog`,
        },
        // Inserts only: rows are versioned and readers keep the highest version.
        appendOnly: true,
        destinationTableConfigurationList: [
          {
            destinationDatabaseName: props.tables.resourceLinkName,
            destinationTableName: table,
            s3ErrorOutputPrefix: `${table}/`,
          },
        ],
        bufferingHints: {
          intervalInSeconds: props.config.bufferIntervalSeconds,
          sizeInMBs: props.config.bufferSizeMiB,
        },
        retryOptions: { durationInSeconds: 300 },
        s3BackupMode: 'FailedDataOnly',
        s3Configuration: {
          bucketArn: this.errorBucket.bucketArn,
          roleArn: this.role.roleArn,
          errorOutputPrefix: `${table}/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/`,
          encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.encryptionKey.keyArn } },
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    // Firehose checks its role's access when the stream is created.
    stream.node.addDependency(this.role, ...grants);
    return stream;
  }

  private alarms(table: string, stream: firehose.CfnDeliveryStream, props: LakeDeliveryProps): void {
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName,
        dimensionsMap: { DeliveryStreamName: stream.ref },
        statistic,
        period: Duration.minutes(5),
      });
    const id = table === 'readings' ? 'Readings' : 'Movements';
    notifyOps(
      new cloudwatch.Alarm(this, `${id}FailedRowsAlarm`, {
        alarmDescription: `Firehose could not deliver ${table} rows to the lake; they are in the failed-rows bucket under ${table}/ and the delivery log says why (Lake Formation grant, schema, KMS).`,
        metric: metric('DeliveryToIceberg.FailedRowCount', cloudwatch.Stats.SUM),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      props.opsTopic,
    );
    const freshness = Duration.seconds(props.config.bufferIntervalSeconds).plus(FRESHNESS_MARGIN);
    notifyOps(
      new cloudwatch.Alarm(this, `${id}FreshnessAlarm`, {
        alarmDescription: `The oldest ${table} row waiting in Firehose is older than ${Math.ceil(freshness.toSeconds() / 60)} minutes: lake delivery is stalled or retrying; lake queries miss recent data.`,
        metric: metric('DeliveryToIceberg.DataFreshness', cloudwatch.Stats.MAXIMUM),
        threshold: freshness.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      props.opsTopic,
    );
  }
}
