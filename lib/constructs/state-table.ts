import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { stateTableDefinition } from '../../lambdas/adapters/dynamo/state-table.ts';

export interface StateTableProps {
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

/** The keys and indexes the adapters use, taken from the adapters' own table definition. */
const DEFINITION = stateTableDefinition('shape-only');

function key(name: string | undefined): dynamodb.Attribute {
  if (!name) throw new Error('state table definition has a key without a name');
  return { name, type: dynamodb.AttributeType.STRING };
}

function keysOf(schema: ReadonlyArray<{ AttributeName?: string; KeyType?: string }> | undefined) {
  const hash = schema?.find((k) => k.KeyType === 'HASH');
  const range = schema?.find((k) => k.KeyType === 'RANGE');
  return { partitionKey: key(hash?.AttributeName), ...(range ? { sortKey: key(range.AttributeName) } : {}) };
}

/** Names of the state table's global secondary indexes, in definition order. */
export const STATE_TABLE_INDEXES: readonly string[] = (DEFINITION.GlobalSecondaryIndexes ?? []).map(
  (index) => index.IndexName ?? '',
);

/**
 * The single DynamoDB table of plants, tokens, the ticket ledger, the
 * quarantine and alerts (lambdas/adapters/dynamo/state-table.ts defines its
 * shape, and local mode creates the same one): on-demand, encrypted with the
 * data key, point-in-time recovery on. The adapters keep no TTL attribute.
 */
export class StateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      ...keysOf(DEFINITION.KeySchema),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
    for (const index of DEFINITION.GlobalSecondaryIndexes ?? []) {
      if (!index.IndexName || index.Projection?.ProjectionType !== 'ALL') {
        throw new Error(`state table index ${JSON.stringify(index.IndexName)} must project ALL`);
      }
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName,
        ...keysOf(index.KeySchema),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
