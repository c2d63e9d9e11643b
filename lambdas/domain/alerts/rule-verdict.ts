/**
 * What every alert rule shares: limit comparisons with a tolerance, the
 * number formats of alert messages, and the verdict-to-evaluation step. One
 * module per rule (or family) imports this, so a function bundles only the
 * rules it runs (docs/bundles.md).
 */
import { MINUTE_MS } from '../time.ts';
import type { AlertSeverity, AlertType, Evaluation, TimeWindow } from './model.ts';

// Limits are compared with a tolerance of 1e-9 (relative for limits above 1),
// so 0.42 clears a 0.40 + 0.02 band although 0.4 + 0.02 is 0.42000000000000004.
export const slack = (limit: number): number => 1e-9 * Math.max(1, Math.abs(limit));
export const isBelow = (value: number, limit: number): boolean => value < limit - slack(limit);
export const isAbove = (value: number, limit: number): boolean => value > limit + slack(limit);
export const isAtLeast = (value: number, limit: number): boolean => !isBelow(value, limit);

export const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;
export const tonnes = (t: number): string => `${t.toFixed(1)} t`;
export const minutes = (ms: number): string => `${Math.floor(ms / MINUTE_MS)} min`;
export const degC = (value: number): string => `${value.toFixed(1)} °C`;

export interface Verdict {
  readonly status: Evaluation['status'];
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
}

export function evaluation(
  plantId: string,
  type: AlertType,
  subject: string,
  severity: AlertSeverity,
  window: TimeWindow,
  verdict: Verdict,
): Evaluation {
  return { plantId, type, subject, severity, window: { start: window.start, end: window.end }, ...verdict };
}
