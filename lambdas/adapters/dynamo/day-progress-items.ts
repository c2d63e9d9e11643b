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
 *
 * The batch step records arrivals and debts (dynamo-day-arrivals.ts), the
 * scheduled step reads progress and settles days (dynamo-day-settlement.ts);
 * DynamoDayProgressStore is both, for local mode and tests.
 */
import type { Item } from './attribute-values.ts';

export const plantPk = (plantId: string) => `PLANT#${plantId}`;
export const daySk = (start: number) => `DAY#${String(start).padStart(16, '0')}`;
export const FRONTIER_SK = 'FRONTIER';

export const num = (value: number) => ({ N: String(value) });
export const numberOf = (item: Item, name: string): number | undefined => {
  const raw = item[name]?.N;
  return raw === undefined ? undefined : Number(raw);
};
