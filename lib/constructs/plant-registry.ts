import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { plantItem } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import type { PlantConfig } from '../../lambdas/domain/plant.ts';
import { tableAccess } from './access.ts';
import { deployTimeCall } from './deploy-time-call.ts';

export { plantItem };

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
