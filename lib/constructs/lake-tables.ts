import { Aws, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import * as s3tables from 'aws-cdk-lib/aws-s3tables';
import { Construct, type IConstruct } from 'constructs';
import {
  type LakeColumn,
  MOVEMENT_COLUMNS,
  MOVEMENT_PARTITION,
  READING_COLUMNS,
  READING_PARTITION,
} from '../../lambdas/adapters/lake/lake-rows.ts';

export interface LakeTablesProps {
  readonly stage: string;
  readonly encryptionKey: kms.Key;
  readonly removalPolicy: RemovalPolicy;
}

/** The namespace (an S3 Tables namespace, a schema to Athena) that holds both tables. */
export const LAKE_NAMESPACE = 'metrics';

/** An Iceberg table definition built from lake-rows.ts, so the writer and the table cannot drift apart. */
export function icebergMetadata(
  columns: readonly LakeColumn[],
  partition: readonly string[],
): s3tables.CfnTable.IcebergMetadataProperty {
  const idOf = (name: string): number => {
    const index = columns.findIndex((c) => c.name === name);
    if (index < 0) throw new Error(`partition column ${name} is not a column of the table`);
    return index + 1;
  };
  return {
    icebergSchema: {
      schemaFieldList: columns.map((c, i) => ({
        id: i + 1,
        name: c.name,
        type: c.type,
        required: c.required,
      })),
    },
    icebergPartitionSpec: {
      fields: partition.map((name, i) => ({
        fieldId: 1000 + i,
        name,
        sourceId: idOf(name),
        transform: 'identity',
      })),
    },
    // Firehose writes Iceberg format version 2 only.
    tableProperties: { 'format-version': '2' },
  };
}

/**
 * The lake's storage: a table bucket encrypted with the data key, the
 * `metrics` namespace, the Iceberg tables `readings` and `movements`
 * (docs/lake.md), and the Glue resource link in the account's default
 * catalog that Firehose writes through.
 */
export class LakeTables extends Construct {
  readonly tableBucket: s3tables.CfnTableBucket;
  readonly namespace: s3tables.CfnNamespace;
  readonly readings: s3tables.CfnTable;
  readonly movements: s3tables.CfnTable;
  /** Database in the default Glue catalog pointing at the namespace in `s3tablescatalog/<bucket>`. */
  readonly resourceLink: glue.CfnDatabase;
  readonly tableBucketName: string;
  readonly resourceLinkName: string;

  constructor(scope: Construct, id: string, props: LakeTablesProps) {
    super(scope, id);
    // Physical names: Athena and Glue address the bucket by name (catalog `s3tablescatalog/<name>`).
    this.tableBucketName = `wte-${props.stage}-metrics`;
    this.resourceLinkName = `wte_${props.stage.replaceAll('-', '_')}_metrics`;

    this.tableBucket = new s3tables.CfnTableBucket(this, 'Bucket', {
      tableBucketName: this.tableBucketName,
      encryptionConfiguration: { sseAlgorithm: 'aws:kms', kmsKeyArn: props.encryptionKey.keyArn },
      unreferencedFileRemoval: { status: 'Enabled', unreferencedDays: 3, noncurrentDays: 10 },
    });
    this.tableBucket.applyRemovalPolicy(props.removalPolicy);
    // S3 Tables maintenance (compaction, snapshot expiry) reads and rewrites files with the bucket's key.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('maintenance.s3tables.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringLike: {
            'kms:EncryptionContext:aws:s3:arn': `arn:${Aws.PARTITION}:s3tables:${Aws.REGION}:${Aws.ACCOUNT_ID}:bucket/${this.tableBucketName}/*`,
          },
        },
      }),
    );

    this.namespace = new s3tables.CfnNamespace(this, 'Namespace', {
      tableBucketArn: this.tableBucket.attrTableBucketArn,
      namespace: LAKE_NAMESPACE,
    });
    this.readings = this.table('Readings', 'readings', READING_COLUMNS, READING_PARTITION, props);
    this.movements = this.table('Movements', 'movements', MOVEMENT_COLUMNS, MOVEMENT_PARTITION, props);

    this.resourceLink = new glue.CfnDatabase(this, 'ResourceLink', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: this.resourceLinkName,
        description: `Resource link to namespace ${LAKE_NAMESPACE} of table bucket ${this.tableBucketName} (Firehose writes through it)`,
        targetDatabase: { catalogId: this.federatedCatalogId, databaseName: LAKE_NAMESPACE },
      },
    });
    this.resourceLink.node.addDependency(this.namespace);
  }

  /** The bucket's catalog inside the account's `s3tablescatalog` federated catalog. */
  get federatedCatalogId(): string {
    return `${Aws.ACCOUNT_ID}:s3tablescatalog/${this.tableBucketName}`;
  }

  /** A Lake Formation grant to `principalArn` on one of the tables, created in `scope` (the grantee's stack). */
  grantTable(
    scope: Construct,
    id: string,
    principalArn: string,
    table: s3tables.CfnTable,
    permissions: readonly string[],
  ): lakeformation.CfnPrincipalPermissions {
    const grant = new lakeformation.CfnPrincipalPermissions(scope, id, {
      principal: { dataLakePrincipalIdentifier: principalArn },
      resource: {
        table: { catalogId: this.federatedCatalogId, databaseName: table.namespace, name: table.tableName },
      },
      permissions: [...permissions],
      permissionsWithGrantOption: [],
    });
    dependOnTable(grant, table);
    // Lake Formation names a federated catalog `<account>:s3tablescatalog/<bucket>`; cfn-lint 1.51's schema
    // still caps CatalogId at an account id's 12 characters. [unverified] until the first real deployment.
    grant.addMetadata('cfn-lint', { config: { ignore_checks: ['W1032'] } });
    return grant;
  }

  private table(
    id: string,
    tableName: string,
    columns: readonly LakeColumn[],
    partition: readonly string[],
    props: LakeTablesProps,
  ): s3tables.CfnTable {
    const table = new s3tables.CfnTable(this, id, {
      tableBucketArn: this.tableBucket.attrTableBucketArn,
      namespace: LAKE_NAMESPACE,
      tableName,
      openTableFormat: 'ICEBERG',
      icebergMetadata: icebergMetadata(columns, partition),
      compaction: { status: 'enabled', targetFileSizeMb: 512 },
      snapshotManagement: { status: 'enabled', minSnapshotsToKeep: 1, maxSnapshotAgeHours: 120 },
    });
    table.node.addDependency(this.namespace);
    table.applyRemovalPolicy(props.removalPolicy);
    return table;
  }
}

/** Within one stack, wait for the table; across stacks the stack order already does. */
function dependOnTable(grant: IConstruct, table: s3tables.CfnTable): void {
  if (Stack.of(grant) === Stack.of(table)) grant.node.addDependency(table);
}
