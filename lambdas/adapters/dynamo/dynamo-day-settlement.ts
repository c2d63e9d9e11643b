/**
 * The scheduled step's side of day progress (layout in day-progress-items.ts):
 * a plant's frontiers and unsettled days, and forgetting a day (or its debt)
 * only if nothing changed since it was read.
 */
import { DeleteItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DayArrival, DayProgressStore, PlantProgress } from '../../domain/ports.ts';
import type { Item } from './attribute-values.ts';
import { daySk, FRONTIER_SK, num, numberOf, plantPk } from './day-progress-items.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { PK, SK } from './state-table.ts';
import { key, StateTableStore } from './state-table-store.ts';

export class DynamoDaySettlement
  extends StateTableStore
  implements Pick<DayProgressStore, 'progress' | 'settle' | 'paid'>
{
  async progress(plantId: string): Promise<PlantProgress> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const out = await dynamoCall('dayProgress', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :day AND :frontier',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: {
              ':pk': { S: plantPk(plantId) },
              ':day': { S: 'DAY#' },
              ':frontier': { S: FRONTIER_SK },
            },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    let frontiers: Omit<PlantProgress, 'days'> = {};
    const days: DayArrival[] = [];
    for (const item of items) {
      if (item[SK]?.S === FRONTIER_SK) {
        const frontier = numberOf(item, 'frontier');
        const liveFrontier = numberOf(item, 'liveFrontier');
        const lastLateArrivalAt = numberOf(item, 'lastLateArrivalAt');
        frontiers = {
          ...(frontier === undefined ? {} : { frontier }),
          ...(liveFrontier === undefined ? {} : { liveFrontier }),
          ...(lastLateArrivalAt === undefined ? {} : { lastLateArrivalAt }),
        };
        continue;
      }
      const start = numberOf(item, 'dayStart');
      const end = numberOf(item, 'dayEnd');
      if (start === undefined || end === undefined) continue;
      days.push({
        plantId,
        start,
        end,
        lastArrivalAt: numberOf(item, 'lastArrivalAt') ?? 0,
        late: item.late?.BOOL === true,
        owed: numberOf(item, 'owed') ?? 0,
      });
    }
    return { ...frontiers, days };
  }

  settle(seen: DayArrival): Promise<boolean> {
    return this.whenUnchanged('settleDay', seen, (request) =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, ...request })),
    );
  }

  paid(seen: DayArrival): Promise<boolean> {
    return this.whenUnchanged('paidDay', seen, (request) =>
      this.client.send(
        new UpdateItemCommand({ TableName: this.tableName, ...request, UpdateExpression: 'REMOVE #o' }),
      ),
    );
  }

  /** Runs a delete or update of the day's item on condition that its arrival, lateness and debt are as seen. */
  private async whenUnchanged(
    operation: string,
    seen: DayArrival,
    send: (request: {
      Key: Item;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, Item[string]>;
    }) => Promise<unknown>,
  ): Promise<boolean> {
    const owedCondition = seen.owed > 0 ? '#o = :o' : 'attribute_not_exists(#o)';
    try {
      await dynamoCall(operation, () =>
        send({
          Key: key(plantPk(seen.plantId), daySk(seen.start)),
          ConditionExpression: `#r = :r AND #late = :late AND ${owedCondition}`,
          ExpressionAttributeNames: { '#r': 'lastArrivalAt', '#late': 'late', '#o': 'owed' },
          ExpressionAttributeValues: {
            ':r': num(seen.lastArrivalAt),
            ':late': { BOOL: seen.late },
            ...(seen.owed > 0 ? { ':o': num(seen.owed) } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
