import type { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../checks/acknowledge.ts';
import type { LakeConfig } from '../config-store.ts';
import { lakeReadAccess } from './lake-access.ts';
import { LakeDelivery } from './lake-delivery.ts';
import { LakeQuery } from './lake-query.ts';
import { LakeTables } from './lake-tables.ts';
import { RecentTelemetryTable } from './recent-telemetry-table.ts';

export interface MetricsLakeProps {
  readonly stage: string;
  readonly encryptionKey: kms.Key;
  readonly config: LakeConfig;
  readonly opsTopic: sns.ITopic;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  /** Days of data time the recent telemetry table keeps. @default DEFAULT_RECENT_HORIZON_DAYS (40) */
  readonly recentHorizonDays?: number;
}

/**
 * The metrics store of `-c metricsStore=lake` (docs/lake.md): Iceberg tables
 * in an S3 table bucket, written by Firehose and read by Athena on DuckDB,
 * and the recent telemetry table that answers what operators wait on
 * (docs/recent-telemetry.md).
 */
export class MetricsLake extends Construct {
  readonly tables: LakeTables;
  readonly delivery: LakeDelivery;
  readonly query: LakeQuery;
  readonly recentTelemetry: RecentTelemetryTable;
  /** Everything a reader needs to query the lake, attached to each reader's role (DataAccess.metrics). */
  readonly readerPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: MetricsLakeProps) {
    super(scope, id);
    const { encryptionKey, removalPolicy, opsTopic } = props;
    this.tables = new LakeTables(this, 'Tables', { stage: props.stage, encryptionKey, removalPolicy });
    this.delivery = new LakeDelivery(this, 'Delivery', {
      tables: this.tables,
      encryptionKey,
      config: props.config,
      opsTopic,
      logRetentionDays: props.logRetentionDays,
      removalPolicy,
    });
    this.query = new LakeQuery(this, 'Query', {
      stage: props.stage,
      encryptionKey,
      queryScanLimitGb: props.config.queryScanLimitGb,
      opsTopic,
      removalPolicy,
    });
    this.recentTelemetry = new RecentTelemetryTable(this, 'RecentTelemetry', {
      encryptionKey,
      removalPolicy,
      ...(props.recentHorizonDays === undefined ? {} : { horizonDays: props.recentHorizonDays }),
      ...(props.config.recentCompleteSince === undefined
        ? {}
        : { completeSince: props.config.recentCompleteSince }),
    });
    this.readerPolicy = new iam.ManagedPolicy(this, 'ReaderPolicy', {
      description: 'Queries of the metrics lake in its Athena workgroup (DuckDB engine)',
      statements: lakeReadAccess(this, encryptionKey),
    });
    acknowledge(
      this.readerPolicy,
      'AwsSolutions-IAM5[Resource::*]',
      'lakeformation:GetDataAccess supports only Resource "*" (Lake Formation vends credentials for the tables the caller holds grants on); that statement holds this one action only.',
    );
    acknowledge(
      this.readerPolicy,
      'AwsSolutions-IAM5[Resource::<LakeQueryResults4B9812A8.Arn>/results/*]',
      "Athena writes each query's results under a generated key below results/ in the workgroup's own bucket; the reader reads them back.",
    );
  }
}
