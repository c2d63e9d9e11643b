/**
 * The plants on the state table, read only: what the scheduler, the query
 * API and the KPI widget need of the state store. DynamoStateStore extends
 * it; a function that only reads plants builds this and bundles none of the
 * ledger, token or quarantine code (docs/bundles.md).
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { PlantConfig } from '../../domain/plant.ts';
import type { StateStore } from '../../domain/ports.ts';
import { fromItem, type Item } from './attribute-values.ts';
import { dynamoCall } from './dynamo-errors.ts';
import { COLLECTION_INDEX, COLLECTION_PK } from './state-table.ts';
import { key, StateTableStore } from './state-table-store.ts';
import { decodePlant } from './stored-items.ts';

export const plantKey = (plantId: string) => key(`PLANT#${plantId}`, 'CONFIG');

export const COLLECTION = { plant: 'PLANT', token: 'TOKEN', quarantine: 'QUARANTINE' } as const;

export class DynamoPlantReader
  extends StateTableStore
  implements Pick<StateStore, 'getPlant' | 'listPlants'>
{
  async getPlant(plantId: string): Promise<PlantConfig | undefined> {
    const item = await this.get('getPlant', plantKey(plantId));
    return item && decodePlant(fromItem(item));
  }

  async listPlants(): Promise<PlantConfig[]> {
    const items = await this.queryAll('listPlants', COLLECTION_INDEX, COLLECTION_PK, COLLECTION.plant);
    return items.map((item) => decodePlant(fromItem(item)));
  }

  protected async queryAll(operation: string, index: string, pkName: string, pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const exclusiveStart = start;
      const out = await dynamoCall(operation, () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index,
            KeyConditionExpression: '#ipk = :ipk',
            ExpressionAttributeNames: { '#ipk': pkName },
            ExpressionAttributeValues: { ':ipk': { S: pk } },
            ...(exclusiveStart ? { ExclusiveStartKey: exclusiveStart } : {}),
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
