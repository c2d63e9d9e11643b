/**
 * The batch step's side of day progress (layout in day-progress-items.ts):
 * which plant-local days a batch's data belongs to, when it arrived, the
 * plant's frontiers, and the days a failed evaluation leaves owed to the
 * scheduled run.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type DayProgressStore, UnavailableError } from '../../domain/ports.ts';
import { daySk, FRONTIER_SK, num, plantPk } from './day-progress-items.ts';
import { dynamoCall, isConditionalCheckFailed } from './dynamo-errors.ts';
import { key, StateTableStore } from './state-table-store.ts';

/** Rounds of recording a day that a concurrent settle keeps deleting; one is the rule, two the race. */
const MAX_RECORD_ROUNDS = 4;

export class DynamoDayArrivals
  extends StateTableStore
  implements Pick<DayProgressStore, 'recordArrival' | 'owe'>
{
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
