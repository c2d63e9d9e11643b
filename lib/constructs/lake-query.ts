import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../checks/acknowledge.ts';
import { notifyOps } from './alarms.ts';

export interface LakeQueryProps {
  readonly stage: string;
  readonly encryptionKey: kms.IKey;
  /** Athena cancels a query that would scan more than this. */
  readonly queryScanLimitGb: number;
  readonly opsTopic: sns.ITopic;
  readonly removalPolicy: RemovalPolicy;
}

/** Query results are read once by the function that started the query; keep them briefly. */
const RESULT_RETENTION = Duration.days(7);
const BYTES_PER_GB = 1_000_000_000;

/**
 * Where the lake is read: an Athena workgroup on the DuckDB engine (the SQL
 * dialect of local mode), with KMS-encrypted results, a per-query scan
 * cutoff, and its settings enforced so no client can lift them.
 */
export class LakeQuery extends Construct {
  readonly workGroup: athena.CfnWorkGroup;
  readonly resultsBucket: s3.Bucket;
  /** Prefix of query results in `resultsBucket`. */
  readonly resultsPrefix = 'results/';

  constructor(scope: Construct, id: string, props: LakeQueryProps) {
    super(scope, id);
    this.resultsBucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { expiration: RESULT_RETENTION, abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: false,
    });
    acknowledge(
      this.resultsBucket,
      'AwsSolutions-S1',
      'Holds only Athena query results, written and read back once by the function that ran the query and expired after 7 days; Athena and CloudTrail already record every query.',
    );

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      // Physical name: the readers pass it to StartQueryExecution.
      name: `wte-${props.stage}-metrics`,
      description: 'Reads the metrics lake (DuckDB engine, DuckDB SQL dialect)',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        engineVersion: { selectedEngineVersion: 'DuckDB' },
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.queryScanLimitGb * BYTES_PER_GB,
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject(this.resultsPrefix),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    });

    notifyOps(
      new cloudwatch.Alarm(this, 'FailedQueriesAlarm', {
        alarmDescription:
          'Lake queries failed in the last 15 minutes (scan cutoff reached, permissions, or SQL errors): the query API and the KPI rollup answer 503 or skip slots. Athena query history shows the reasons.',
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Athena',
          metricName: 'TotalExecutionTime',
          dimensionsMap: { WorkGroup: this.workGroup.ref, QueryState: 'FAILED', QueryType: 'DML' },
          statistic: cloudwatch.Stats.SAMPLE_COUNT,
          period: Duration.minutes(15),
        }),
        threshold: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      props.opsTopic,
    );
  }

  get workGroupName(): string {
    return this.workGroup.ref;
  }
}
