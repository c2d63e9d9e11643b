/**
 * When a plant-local day's data is complete enough to judge the day
 * (docs/alert-completeness.md). Pure: the caller passes the day's arrival
 * record, the plant's data frontier and `now`.
 *
 * - A day is *live* while data can still arrive on time: until `settle`
 *   after its end. Its data is judged as it comes (the day so far, at each
 *   ticket), as CONTRACT.md section 6 asks.
 * - Data that arrives after that is *late*: the day is then judged only as a
 *   whole, once complete, so a backfill uploaded in pieces never raises an
 *   alert about a part of a day.
 * - A day is *complete* once it is over and either the plant's frontier
 *   (the latest data time received) has passed its end and nothing new
 *   arrived for it for `settle`, or nothing new arrived for it for
 *   `quiet`, whatever the frontier.
 */
import type { DayArrival } from '../ports.ts';
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
  day: Pick<DayArrival, 'end' | 'lastArrivalAt'>,
  frontier: number | undefined,
  now: number,
  settings: CompletenessSettings,
): boolean {
  if (now < day.end) return false;
  const quietFor = now - day.lastArrivalAt;
  if (quietFor >= settings.quietMinutes * MINUTE_MS) return true;
  return frontier !== undefined && frontier >= day.end && quietFor >= settings.settleMinutes * MINUTE_MS;
}
