import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import { Construct } from 'constructs';
import { acknowledge } from '../checks/acknowledge.ts';
import type { RetentionConfig } from '../config.ts';

export interface TimestreamStoreProps {
  readonly encryptionKey: kms.IKey;
  readonly retention: RetentionConfig;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The metrics store on Timestream for LiveAnalytics: one database encrypted
 * with the data key, a readings table and a movements table (record layout
 * in lambdas/adapters/timestream/records.ts). Magnetic-store writes are on,
 * because late data (up to the 7-day late-data horizon) is older than the
 * memory store keeps; Timestream reports asynchronous rejections of those
 * writes as objects in `rejectedRecordsBucket`.
 *
 * Timestream for LiveAnalytics accepts existing AWS customers only (closed
 * to new accounts since 2025-06-20); see docs/deployment.md.
 */
export class TimestreamStore extends Construct {
  readonly database: timestream.CfnDatabase;
  readonly readingsTable: timestream.CfnTable;
  readonly movementsTable: timestream.CfnTable;
  readonly rejectedRecordsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: TimestreamStoreProps) {
    super(scope, id);
    this.rejectedRecordsBucket = new s3.Bucket(this, 'RejectedRecords', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.rejectedRecordsBucket,
      'AwsSolutions-S1',
      'Only the Timestream service writes here (rejection reports of magnetic-store writes) and operators read it rarely; an access-log bucket would need the same acknowledgment itself. Use CloudTrail S3 data events when reads must be audited.',
    );

    this.database = new timestream.CfnDatabase(this, 'Database', { kmsKeyId: props.encryptionKey.keyArn });
    this.database.applyRemovalPolicy(props.removalPolicy);
    this.readingsTable = this.table('Readings', 'readings/', props);
    this.movementsTable = this.table('Movements', 'movements/', props);
    for (const resource of [this.database, this.readingsTable, this.movementsTable]) {
      acknowledge(
        resource,
        'W3697',
        'Timestream for LiveAnalytics is in maintenance for new customers; this deployment targets accounts that already use it, and the metrics-store port keeps another store a swap (README.md, Architecture).',
        'CloudFormation-Validate',
      );
    }
  }

  /** The database name (its `Ref`). */
  get databaseName(): string {
    return this.database.ref;
  }

  private table(id: string, prefix: string, props: TimestreamStoreProps): timestream.CfnTable {
    const table = new timestream.CfnTable(this, id, {
      databaseName: this.database.ref,
      retentionProperties: {
        MemoryStoreRetentionPeriodInHours: String(props.retention.memoryStoreHours),
        MagneticStoreRetentionPeriodInDays: String(props.retention.magneticStoreDays),
      },
      magneticStoreWriteProperties: {
        EnableMagneticStoreWrites: true,
        MagneticStoreRejectedDataLocation: {
          S3Configuration: {
            BucketName: this.rejectedRecordsBucket.bucketName,
            EncryptionOption: 'SSE_S3',
            ObjectKeyPrefix: prefix,
          },
        },
      },
    });
    table.applyRemovalPolicy(props.removalPolicy);
    return table;
  }
}
