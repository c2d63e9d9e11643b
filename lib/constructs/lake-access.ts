/**
 * Least-privilege statements for the functions that use the metrics lake:
 * the writer puts records on the two delivery streams; readers run queries
 * in the lake's Athena workgroup, which reads the tables with their
 * credentials (Glue metadata, Lake Formation data access, KMS) and writes
 * results to the workgroup's bucket.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { MetricsLake } from './metrics-lake.ts';

/** PutRecordBatch (the writer's only call) on the two streams, nothing else. */
export function lakeWriteAccess(lake: MetricsLake): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['firehose:PutRecordBatch'],
    resources: [lake.delivery.readingsStream.attrArn, lake.delivery.movementsStream.attrArn],
  });
}

const glueArn = (resource: string) => `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;

/** Running, polling, paging and stopping queries in the lake's workgroup over its two tables. */
export function lakeReadAccess(lake: MetricsLake, key: kms.IKey): iam.PolicyStatement[] {
  const { tables, query } = lake;
  const workGroupArn = `arn:${Aws.PARTITION}:athena:${Aws.REGION}:${Aws.ACCOUNT_ID}:workgroup/${query.workGroupName}`;
  const federated = `s3tablescatalog/${tables.tableBucketName}`;
  const namespace = tables.namespace.namespace;
  return [
    new iam.PolicyStatement({
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
      ],
      resources: [workGroupArn],
    }),
    new iam.PolicyStatement({
      actions: ['glue:GetCatalog', 'glue:GetDatabase', 'glue:GetTable'],
      resources: [
        glueArn('catalog'),
        glueArn('catalog/s3tablescatalog'),
        glueArn(`catalog/${federated}`),
        glueArn(`database/${federated}/${namespace}`),
        glueArn(`table/${federated}/${namespace}/${tables.readings.tableName}`),
        glueArn(`table/${federated}/${namespace}/${tables.movements.tableName}`),
      ],
    }),
    // Lake Formation vends the table data credentials; this action takes no resource.
    new iam.PolicyStatement({ actions: ['lakeformation:GetDataAccess'], resources: ['*'] }),
    new iam.PolicyStatement({
      actions: ['s3:GetBucketLocation', 's3:ListBucket'],
      resources: [query.resultsBucket.bucketArn],
    }),
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [query.resultsBucket.arnForObjects(`${query.resultsPrefix}*`)],
    }),
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
    }),
  ];
}
