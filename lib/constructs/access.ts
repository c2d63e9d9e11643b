/**
 * Least-privilege statements for the functions: named actions (never a
 * wildcard) on named resources, and KMS use only through the service that
 * needs it. CDK's `grant*` helpers are avoided on purpose: on KMS-encrypted
 * resources they add `kms:ReEncrypt*` and `kms:GenerateDataKey*`.
 */
import { Arn, ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as timestream from 'aws-cdk-lib/aws-timestream';
import type { IConstruct } from 'constructs';

/**
 * KMS actions a data-plane call needs on `keyArn`, only when `service`
 * (sqs, sns, dynamodb) calls KMS on the caller's behalf.
 */
export function kmsForService(
  keyArn: string,
  service: 'sqs' | 'sns' | 'dynamodb',
  actions: readonly string[],
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      actions: [...actions],
      resources: [keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${service}.${Aws.REGION}.amazonaws.com` } },
    }),
  ];
}

export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query';

const WRITES: readonly TableAction[] = ['PutItem', 'UpdateItem'];

/** DynamoDB item actions on the table, and Query on the named indexes only. */
export function tableAccess(
  table: dynamodb.ITable,
  key: kms.IKey,
  actions: readonly TableAction[],
  indexes: readonly string[] = [],
): iam.PolicyStatement[] {
  const itemActions = actions.filter((a) => a !== 'Query');
  const statements: iam.PolicyStatement[] = [];
  if (itemActions.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        actions: itemActions.map((a) => `dynamodb:${a}`),
        resources: [table.tableArn],
      }),
    );
  }
  if (actions.includes('Query')) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)],
      }),
    );
  }
  const writes = actions.some((a) => WRITES.includes(a));
  statements.push(
    ...kmsForService(key.keyArn, 'dynamodb', [
      'kms:Decrypt',
      'kms:DescribeKey',
      ...(writes ? ['kms:Encrypt', 'kms:GenerateDataKey'] : []),
    ]),
  );
  return statements;
}

/** SendMessage (and SendMessageBatch, which SQS authorizes as SendMessage). */
export function queueSendAccess(queue: sqs.IQueue, key: kms.IKey): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    ...kmsForService(key.keyArn, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']),
  ];
}

export function topicPublishAccess(topic: sns.ITopic, key: kms.IKey): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }),
    ...kmsForService(key.keyArn, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt']),
  ];
}

export function timestreamWriteAccess(tables: readonly timestream.CfnTable[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['timestream:WriteRecords'],
    resources: tables.map((t) => t.attrArn),
  });
}

export function timestreamSelectAccess(tables: readonly timestream.CfnTable[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['timestream:Select'],
    resources: tables.map((t) => t.attrArn),
  });
}

/** ARN of an MQTT topic (`resourceType` topic) or topic filter in this account and Region. */
export function iotArn(
  scope: IConstruct,
  resourceType: 'topic' | 'topicfilter' | 'client',
  name: string,
): string {
  return Arn.format(
    { service: 'iot', resource: resourceType, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
    Stack.of(scope),
  );
}
