/**
 * The recent telemetry table of `-c metricsStore=lake`
 * (docs/recent-telemetry.md): the last `horizonDays` of readings and tickets,
 * packed per series and UTC minute (tickets per UTC day), in the shape
 * lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts defines, so
 * alert evaluation and the latest values never wait on the lake.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  RECENT_PK,
  RECENT_SK,
  RECENT_TTL_ATTRIBUTE,
  recentTelemetryTableDefinition,
} from '../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { acknowledge } from '../checks/acknowledge.ts';
import { kmsForService } from './access.ts';

/**
 * How many days of data time the table keeps. The landfill-spike rule reads
 * 28 trailing days plus the day judged, KPIs add a 7-day lookback, and
 * readers a 1-hour safety margin: 40 leaves two days of slack.
 */
export const DEFAULT_RECENT_HORIZON_DAYS = 40;

/** The adapter's own key schema, checked here so the construct and the adapter cannot drift apart. */
const DEFINITION = recentTelemetryTableDefinition('shape-only');

export interface RecentTelemetryTableProps {
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** @default DEFAULT_RECENT_HORIZON_DAYS */
  readonly horizonDays?: number;
  /** Epoch ms from which the table holds its whole horizon (lakeRecentCompleteSince). @default its whole horizon */
  readonly completeSince?: number;
}

export class RecentTelemetryTable extends Construct {
  readonly table: dynamodb.Table;
  readonly horizonDays: number;
  readonly completeSince: number | undefined;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: RecentTelemetryTableProps) {
    super(scope, id);
    this.horizonDays = props.horizonDays ?? DEFAULT_RECENT_HORIZON_DAYS;
    this.completeSince = props.completeSince;
    if (!(Number.isSafeInteger(this.horizonDays) && this.horizonDays >= 1 && this.horizonDays <= 366))
      throw new Error(`horizonDays must be an integer from 1 to 366, got ${props.horizonDays}`);
    const keys = (DEFINITION.KeySchema ?? []).map((k) => k.AttributeName);
    if (keys.join() !== [RECENT_PK, RECENT_SK].join())
      throw new Error(`recent telemetry keys changed in the adapter: ${keys.join()}`);
    this.key = props.encryptionKey;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: RECENT_PK, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RECENT_SK, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      timeToLiveAttribute: RECENT_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.table,
      'AwsSolutions-DDB3',
      'A cache of the metrics lake, not a record: every item is also in the Iceberg tables (the durable copy), items expire by TTL within the horizon, and a lost table refills from new telemetry within the horizon; a point-in-time restore would create a new table the functions do not use.',
    );
  }

  /** BatchWriteItem (the processor's only write) and, for readers, Query; KMS only through DynamoDB. */
  access(options: { readonly write: boolean }): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: [...(options.write ? ['dynamodb:BatchWriteItem'] : []), 'dynamodb:Query'],
        resources: [this.table.tableArn],
      }),
      ...kmsForService(this.key.keyArn, 'dynamodb', [
        'kms:Decrypt',
        'kms:DescribeKey',
        ...(options.write ? ['kms:Encrypt', 'kms:GenerateDataKey'] : []),
      ]),
    ];
  }
}
