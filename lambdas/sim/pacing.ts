/**
 * When a simulated message may go out on the wire. The pipeline refuses
 * readings more than 15 minutes in the future and older than its late-data
 * horizon (7 days), so simulated time must never run ahead of the wall clock:
 * a run that starts in the past replays that past compressed by `speed`
 * (`max`: as fast as the target accepts) until it catches up with the wall
 * clock, and from then on sends each message when its time comes, in real
 * time. A message is never sent before its simulated send time.
 */
import { DAY_MS, MINUTE_MS } from '../domain/time.ts';

export type Speed = number | 'max';

export interface Pace {
  /** Simulated time of the first data. */
  readonly start: number;
  /** Wall-clock time the run began. */
  readonly wallStart: number;
  readonly speed: Speed;
}

/** Wall-clock time at which a message with simulated send time `sendAt` is due. */
export function dueAt(sendAt: number, pace: Pace): number {
  const compressed =
    pace.speed === 'max' ? Number.NEGATIVE_INFINITY : pace.wallStart + (sendAt - pace.start) / pace.speed;
  return Math.max(compressed, sendAt);
}

/** The pipeline's default late-data horizon (docs/contract.md section 1). */
export const LATE_HORIZON_MS = 7 * DAY_MS;
/** Margin kept inside the horizon: the oldest data must still be accepted after the first sends. */
export const HORIZON_MARGIN_MS = 10 * MINUTE_MS;

/** The earliest start a run may have when it begins at `wallStart`. */
export function earliestStart(wallStart: number, lateHorizonMs = LATE_HORIZON_MS): number {
  return wallStart - lateHorizonMs + HORIZON_MARGIN_MS;
}
