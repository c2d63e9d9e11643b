/**
 * When a plant-local day's data is complete enough to judge the day
 * (docs/alert-completeness.md). Pure: the caller passes the day's arrival
 * record, the plant's data frontier and `now`.
 *
 * - A day is *live* while data can still arrive on time: until `settle`
 *   after its end. Its data is judged as it comes (the day so far, at each
 *   ticket), as docs/contract.md section 6 asks. It is complete once it is over
 *   by the settle delay (its last on-time data has arrived) and either the
 *   plant's frontier (the latest data time received) has passed its end and
 *   nothing new arrived for it for `settle`, or nothing arrived for it for
 *   `quiet`. Arrival times are when the processor recorded the data, so a
 *   queue backlog does not make a day look quiet.
 * - Data that arrives after that is *late*: the day is then judged only as a
 *   whole, once the plant's late data has stopped for `quiet`. Not by the
 *   frontier: a backfill's pieces reach the processor out of order (SQS,
 *   several processors), so a later day's piece may pass the frontier over a
 *   day whose own pieces are still on their way. Waiting for the whole
 *   backfill to pause keeps any cut or order of the upload from judging a
 *   part of a day.
 */
import type { DayArrival, PlantProgress } from '../ports.ts';
import { MINUTE_MS } from '../time.ts';

export interface CompletenessSettings {
  /** Late-arrival tolerance (AlertRuleSettings.settleMinutes). */
  readonly settleMinutes: number;
  /** A day with no new data for this long is complete, frontier or not (AlertRuleSettings.dayCompleteAfterMinutes). */
  readonly quietMinutes: number;
}

/** Data received at `receivedAt` about the day [start, end) is on time: the day is still live. */
export function isLive(
  day: { readonly end: number },
  receivedAt: number,
  settings: CompletenessSettings,
): boolean {
  return receivedAt < day.end + settings.settleMinutes * MINUTE_MS;
}

/** The day is over and its data has stopped coming (see the module comment). */
export function isComplete(
  day: Pick<DayArrival, 'end' | 'lastArrivalAt' | 'late'>,
  plant: Pick<PlantProgress, 'frontier' | 'lastLateArrivalAt'>,
  now: number,
  settings: CompletenessSettings,
): boolean {
  if (now < day.end) return false;
  const quiet = settings.quietMinutes * MINUTE_MS;
  const settle = settings.settleMinutes * MINUTE_MS;
  if (day.late) return now - Math.max(day.lastArrivalAt, plant.lastLateArrivalAt ?? 0) >= quiet;
  // A live day's last on-time data may still be on its way until the settle delay after its end.
  if (now < day.end + settle) return false;
  const quietFor = now - day.lastArrivalAt;
  if (quietFor >= quiet) return true;
  return plant.frontier !== undefined && plant.frontier >= day.end && quietFor >= settle;
}
