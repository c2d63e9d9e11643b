/**
 * A DynamoDB table built from an adapter's own CreateTable definition (keys,
 * attribute types and global secondary indexes), so the deployed table and
 * the one local mode creates cannot drift apart. Every table of the app is
 * on-demand, encrypted with the data key, with point-in-time recovery, and
 * deletion-protected when it is retained.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** The part of a CreateTableInput a table is built from. */
export interface TableDefinition {
  readonly KeySchema?: ReadonlyArray<{ AttributeName?: string; KeyType?: string }>;
  readonly AttributeDefinitions?: ReadonlyArray<{ AttributeName?: string; AttributeType?: string }>;
  readonly GlobalSecondaryIndexes?: ReadonlyArray<{
    IndexName?: string;
    KeySchema?: ReadonlyArray<{ AttributeName?: string; KeyType?: string }>;
    Projection?: { ProjectionType?: string; NonKeyAttributes?: readonly string[] };
  }>;
}

export interface DefinitionTableProps {
  /** Names the table in error messages, e.g. "state table". */
  readonly label: string;
  readonly definition: TableDefinition;
  /** The one projection every index of this table must have. */
  readonly projection: 'ALL' | 'INCLUDE';
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

export function tableFromDefinition(
  scope: Construct,
  id: string,
  props: DefinitionTableProps,
): dynamodb.Table {
  const { label, definition } = props;
  const attribute = (name: string | undefined): dynamodb.Attribute => {
    const type = definition.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
    if (name === undefined || (type !== 'S' && type !== 'N'))
      throw new Error(`${label} definition has no S or N attribute ${JSON.stringify(name)}`);
    return { name, type: type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
  };
  const keysOf = (schema: TableDefinition['KeySchema']) => {
    const range = schema?.find((k) => k.KeyType === 'RANGE');
    return {
      partitionKey: attribute(schema?.find((k) => k.KeyType === 'HASH')?.AttributeName),
      ...(range ? { sortKey: attribute(range.AttributeName) } : {}),
    };
  };

  const table = new dynamodb.Table(scope, id, {
    ...keysOf(definition.KeySchema),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.encryptionKey,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    removalPolicy: props.removalPolicy,
  });
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    const projection = index.Projection;
    if (!index.IndexName || projection?.ProjectionType !== props.projection)
      throw new Error(`${label} index ${JSON.stringify(index.IndexName)} must project ${props.projection}`);
    table.addGlobalSecondaryIndex({
      indexName: index.IndexName,
      ...keysOf(index.KeySchema),
      ...(props.projection === 'ALL'
        ? { projectionType: dynamodb.ProjectionType.ALL }
        : {
            projectionType: dynamodb.ProjectionType.INCLUDE,
            nonKeyAttributes: [...(projection.NonKeyAttributes ?? [])],
          }),
    });
  }
  return table;
}
