import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { toItem } from '../../lambdas/adapters/dynamo/attribute-values.ts';
import { COLLECTION_PK, COLLECTION_SK, PK, SK } from '../../lambdas/adapters/dynamo/state-table.ts';
import type { PlantConfig } from '../../lambdas/domain/plant.ts';
import { tableAccess } from './access.ts';
import { deployTimeCall } from './deploy-time-call.ts';

/**
 * The state table item of a plant, as DynamoStateStore.putPlant writes it
 * (test/infra proves the store reads it back through getPlant and listPlants).
 */
export function plantItem(plant: PlantConfig) {
  return {
    ...toItem(plant),
    [PK]: { S: `PLANT#${plant.plantId}` },
    [SK]: { S: 'CONFIG' },
    [COLLECTION_PK]: { S: 'PLANT' },
    [COLLECTION_SK]: { S: plant.plantId },
    entity: { S: 'plant' },
  };
}

export interface PlantRegistryProps {
  readonly plants: readonly PlantConfig[];
  readonly table: dynamodb.ITable;
  readonly tableKey: kms.IKey;
  readonly logRetentionDays: number;
}

/**
 * Registers the configured plants in the state table at deploy time: the
 * scheduled rules (staleness, daily diversion) run over registered plants,
 * and queries use a plant's time zone. Each deployment writes the
 * configuration again; a plant removed from the configuration stays
 * registered (its data does too).
 */
export class PlantRegistry extends Construct {
  constructor(scope: Construct, id: string, props: PlantRegistryProps) {
    super(scope, id);
    for (const plant of props.plants) {
      deployTimeCall(this, `Plant-${plant.plantId}`, {
        call: {
          service: 'DynamoDB',
          action: 'putItem',
          parameters: { TableName: props.table.tableName, Item: plantItem(plant) },
          physicalResourceId: cr.PhysicalResourceId.of(`plant-${plant.plantId}`),
        },
        statements: tableAccess(props.table, props.tableKey, ['PutItem']),
        logRetentionDays: props.logRetentionDays,
      });
    }
  }
}
