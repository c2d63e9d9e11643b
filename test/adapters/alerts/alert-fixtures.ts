/**
 * Alerts and transitions for the alert store, publisher and relay tests,
 * built by hand (the lifecycle is not under test here): open, acknowledge,
 * remind, resolve, and a new alert replacing a resolved one.
 */
import type { Alert, AlertTransition, TransitionKind } from '../../../lambdas/domain/alerts/model.ts';
import { prng as seededRandom } from '../../../lambdas/sim/fleet.ts';

export const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
export const MINUTE = 60_000;
const DAY = 86_400_000;

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alertId: 'diversion-below-target-00000000000000a1',
    plantId: 'kz-ast-01',
    type: 'DIVERSION_BELOW_TARGET',
    subject: 'plant',
    severity: 'warning',
    state: 'open',
    openedAt: T0,
    updatedAt: T0,
    window: { start: T0 - DAY, end: T0 },
    value: 0.35,
    threshold: 0.4,
    message: 'Landfill diversion 35.0 % on 2026-11-24 is below the 40.0 % target',
    sequence: 1,
    ...overrides,
  };
}

export function transitionOf(a: Alert, kind: TransitionKind, subject?: string): AlertTransition {
  return {
    transitionId: `${a.alertId}#${a.sequence}`,
    kind,
    subject:
      subject ??
      `[${kind === 'opened' ? a.severity.toUpperCase() : kind.toUpperCase()}] ${a.plantId}: ${a.message}`,
    alert: a,
  };
}

/** A lifecycle step as the store takes it: the next alert, the sequence expected in the store, the transition. */
export interface Step {
  readonly next: Alert;
  readonly expected: number;
  readonly transition: AlertTransition;
}

export function open(overrides: Partial<Alert> = {}): Step {
  const next = alert(overrides);
  return { next, expected: 0, transition: transitionOf(next, 'opened') };
}

export function acknowledge(current: Alert, at: number, by = 'operator@kz-ast-01'): Step {
  const next: Alert = {
    ...current,
    state: 'acknowledged',
    acknowledgedAt: at,
    acknowledgedBy: by,
    updatedAt: Math.max(current.updatedAt, at),
    sequence: current.sequence + 1,
  };
  return { next, expected: current.sequence, transition: transitionOf(next, 'acknowledged') };
}

export function remind(current: Alert, at: number): Step {
  const next: Alert = {
    ...current,
    lastRemindedAt: at,
    updatedAt: Math.max(current.updatedAt, at),
    sequence: current.sequence + 1,
  };
  return { next, expected: current.sequence, transition: transitionOf(next, 'reminder') };
}

export function resolve(current: Alert, at: number): Step {
  const next: Alert = {
    ...current,
    state: 'resolved',
    resolvedAt: at,
    updatedAt: Math.max(current.updatedAt, at),
    value: 0.43,
    sequence: current.sequence + 1,
  };
  return { next, expected: current.sequence, transition: transitionOf(next, 'resolved') };
}

/**
 * A new alert replacing a resolved one of the same (plant, type, subject).
 * `continueSequence`: the caller passed the resolved alert as current, so the
 * new one continues its sequence and expects it; otherwise the caller found
 * no active alert (getActive) and opens at sequence 1 expecting 0.
 */
export function reopen(resolved: Alert, at: number, alertId: string, continueSequence: boolean): Step {
  const next: Alert = {
    alertId,
    plantId: resolved.plantId,
    type: resolved.type,
    subject: resolved.subject,
    severity: resolved.severity,
    state: 'open',
    openedAt: at,
    updatedAt: at,
    window: { start: at - DAY, end: at },
    value: 0.31,
    threshold: resolved.threshold,
    message: resolved.message,
    sequence: continueSequence ? resolved.sequence + 1 : 1,
  };
  return {
    next,
    expected: continueSequence ? resolved.sequence : 0,
    transition: transitionOf(next, 'opened'),
  };
}

/** mulberry32, the fleet simulator's seeded generator: the same "random" data on every run. */
export { seededRandom };
