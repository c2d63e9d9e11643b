/**
 * Which stored version of a reading or ticket counts, the same on every
 * store (Timestream, the lake, the recent telemetry table): store-neutral, so
 * a store's readers import it without the other store's adapters.
 */

import { movementFingerprint } from '../domain/identity.ts';
import type { StoredMovement, StoredReading } from '../domain/ports.ts';
import type { Quality } from '../domain/telemetry.ts';

const SEVERITY: Readonly<Record<Quality, number>> = { GOOD: 0, UNCERTAIN: 1, BAD: 2 };

/** Whether `a` wins over `b` for the same (line, metric, ts): higher version, then smaller value, then worse quality. */
function readingWins(a: StoredReading, b: StoredReading): boolean {
  if (a.version !== b.version) return a.version > b.version;
  if (a.value !== b.value) return a.value < b.value;
  return SEVERITY[a.quality] > SEVERITY[b.quality];
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One reading per (line, ts): the winner among the records holding it. */
export function latestReadings(readings: readonly StoredReading[]): StoredReading[] {
  const kept = new Map<string, StoredReading>();
  for (const reading of readings) {
    const key = `${reading.line}\u0000${reading.ts}`;
    const current = kept.get(key);
    if (current === undefined || readingWins(reading, current)) kept.set(key, reading);
  }
  return [...kept.values()].sort((a, b) => a.ts - b.ts || compareText(a.line, b.line));
}

/** The last GOOD reading of each line, in line order. */
export function lastGoodPerLine(readings: readonly StoredReading[]): StoredReading[] {
  const last = new Map<string, StoredReading>();
  for (const reading of latestReadings(readings)) {
    if (reading.quality !== 'GOOD') continue;
    const current = last.get(reading.line);
    if (current === undefined || reading.ts > current.ts) last.set(reading.line, reading);
  }
  return [...last.values()].sort((a, b) => compareText(a.line, b.line));
}

/** The latest version of each ticket (equal versions: the smallest fingerprint), in (ts, ticket) order. */
export function latestMovements(movements: readonly StoredMovement[]): StoredMovement[] {
  const kept = new Map<string, { movement: StoredMovement; fingerprint: string }>();
  for (const movement of movements) {
    const fingerprint = movementFingerprint(movement);
    const current = kept.get(movement.ticketId);
    if (
      current === undefined ||
      movement.version > current.movement.version ||
      (movement.version === current.movement.version && fingerprint < current.fingerprint)
    )
      kept.set(movement.ticketId, { movement, fingerprint });
  }
  return [...kept.values()]
    .map(({ movement }) => movement)
    .sort((a, b) => a.ts - b.ts || compareText(a.ticketId, b.ticketId));
}
