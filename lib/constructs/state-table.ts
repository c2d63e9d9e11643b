import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { stateTableDefinition } from '../../lambdas/adapters/dynamo/state-table.ts';
import { tableFromDefinition } from './definition-table.ts';

export interface StateTableProps {
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

/** The keys and indexes the adapters use, taken from the adapters' own table definition. */
const DEFINITION = stateTableDefinition('shape-only');

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
    this.table = tableFromDefinition(this, 'Table', {
      label: 'state table',
      definition: DEFINITION,
      projection: 'ALL',
      ...props,
    });
  }
}
