/**
 * Day arrivals and the data frontier on the state table (the DayProgressStore
 * port; docs/alert-completeness.md):
 *
 * | item          | pk              | sk                  | attributes                                          |
 * | ------------- | --------------- | ------------------- | --------------------------------------------------- |
 * | day arrival   | PLANT#{plantId} | DAY#{start, 16 dig} | dayStart, dayEnd, lastArrivalAt, late, owed (N)     |
 * | frontiers     | PLANT#{plantId} | FRONTIER            | frontier, liveFrontier, lastLateArrivalAt (N, ms)   |
 *
 * 'DAY#' < 'FRONTIER' < 'TICKET#' in string order, so one Query with
 * `sk BETWEEN 'DAY#' AND 'FRONTIER'` reads a plant's progress and nothing
 * else. Every write is a single-item update whose condition keeps the
 * latest arrival and the furthest frontier in any order of concurrent
 * writers; settling deletes a day only if nothing changed since it was read.
 */
import { DeleteItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type DayArrival,
  type DayProgressStore,
  type PlantProgress,
  UnavailableError,
} from '../../domain/ports.ts';
import type { Item } from './attribute-values.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { PK, SK } from './state-table.ts';
import { key, StateTableStore } from './state-table-store.ts';

const plantPk = (plantId: string) => `PLANT#${plantId}`;
const daySk = (start: number) => `DAY#${String(start).padStart(16, '0')}`;
const FRONTIER_SK = 'FRONTIER';
/** Rounds of recording a day that a concurrent settle keeps deleting; one is the rule, two the race. */
const MAX_RECORD_ROUNDS = 4;

const num = (value: number) => ({ N: String(value) });
const numberOf = (item: Item, name: string): number | undefined => {
  const raw = item[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};

export class DynamoDayProgressStore extends StateTableStore implements DayProgressStore {
  async recordArrival(
    plantId: string,
    days: ReadonlyArray<{ readonly start: number; readonly end: number; readonly late: boolean }>,
    receivedAt: number,
    frontier: number,
    live: boolean,
  ): Promise<void> {
    const advances: Array<[string, number]> = [['frontier', frontier]];
    if (live) advances.push(['liveFrontier', frontier]);
    if (days.some((d) => d.late)) advances.push(['lastLateArrivalAt', receivedAt]);
    // Separate items, or separate attributes each advanced by its own condition: one round trip, not one each.
    const writes = await Promise.allSettled([
      ...days.map((day) => this.recordDay(plantId, day, receivedAt)),
      ...advances.map(([name, value]) =>
        this.conditional('advanceFrontier', {
          Key: key(plantPk(plantId), FRONTIER_SK),
          UpdateExpression: 'SET #f = :f',
          ConditionExpression: 'attribute_not_exists(#f) OR #f < :f',
          ExpressionAttributeNames: { '#f': name },
          ExpressionAttributeValues: { ':f': num(value) },
        }),
      ),
    ]);
    for (const write of writes) if (write.status === 'rejected') throw write.reason;
  }

  private async recordDay(
    plantId: string,
    day: { readonly start: number; readonly end: number; readonly late: boolean },
    receivedAt: number,
  ): Promise<void> {
    // `late` only ever turns true; the arrival time only moves forward (a slower writer keeps the later one).
    const late = day.late ? '#late = :true' : '#late = if_not_exists(#late, :false)';
    const names = { '#s': 'dayStart', '#e': 'dayEnd', '#late': 'late' };
    // DynamoDB refuses values an expression does not use, so only the flag's own one is passed.
    const values = {
      ':s': num(day.start),
      ':e': num(day.end),
      [day.late ? ':true' : ':false']: { BOOL: day.late },
    };
    // A settle may delete the day between the two writes below: then record it afresh (a few rounds at most).
    for (let round = 0; round < MAX_RECORD_ROUNDS; round++) {
      const updated = await this.conditional('recordArrival', {
        Key: key(plantPk(plantId), daySk(day.start)),
        UpdateExpression: `SET #s = :s, #e = :e, #r = :r, ${late}`,
        ConditionExpression: 'attribute_not_exists(#r) OR #r <= :r',
        ExpressionAttributeNames: { ...names, '#r': 'lastArrivalAt' },
        ExpressionAttributeValues: { ...values, ':r': num(receivedAt) },
      });
      if (updated || !day.late) return;
      // A later arrival is recorded; only the lateness is left to mark, on the record that is still there.
      const marked = await this.conditional('recordArrival', {
        Key: key(plantPk(plantId), daySk(day.start)),
        UpdateExpression: 'SET #late = :true',
        ConditionExpression: 'attribute_exists(#r)',
        ExpressionAttributeNames: { '#late': 'late', '#r': 'lastArrivalAt' },
        ExpressionAttributeValues: { ':true': { BOOL: true } },
      });
      if (marked) return;
    }
    throw new UnavailableError(`day ${day.start} of ${plantId} kept changing under concurrent writers`);
  }

  async owe(
    plantId: string,
    days: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  ): Promise<void> {
    for (const day of days) {
      await this.conditional('owe', {
        Key: key(plantPk(plantId), daySk(day.start)),
        // A day settled in the meantime comes back with its bounds, an arrival of "never" and the debt.
        UpdateExpression:
          'SET #s = :s, #e = :e, #r = if_not_exists(#r, :zero), #late = if_not_exists(#late, :false) ADD #o :one',
        ExpressionAttributeNames: {
          '#s': 'dayStart',
          '#e': 'dayEnd',
          '#r': 'lastArrivalAt',
          '#late': 'late',
          '#o': 'owed',
        },
        ExpressionAttributeValues: {
          ':s': num(day.start),
          ':e': num(day.end),
          ':zero': num(0),
          ':false': { BOOL: false },
          ':one': num(1),
        },
      });
    }
  }

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

  /** An UpdateItem whose failed condition is an answer (`false`), not an error. */
  private async conditional(
    operation: string,
    request: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>,
  ): Promise<boolean> {
    try {
      await dynamoCall(operation, () =>
        this.client.send(new UpdateItemCommand({ TableName: this.tableName, ...request })),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
