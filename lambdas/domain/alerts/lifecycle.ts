/**
 * Alert lifecycle (docs/contract.md section 6): open → acknowledged → resolved, at
 * most one active alert per (plant, type, subject), every transition published
 * once. Pure: alert times come from the evaluation's data window, so a replay
 * of the same data gives the same alerts, ids and transitions; only
 * acknowledgements and reminders take a `now`, passed in.
 */
import { MINUTE_MS, toIso } from '../time.ts';
import {
  type Alert,
  type AlertRuleSettings,
  type AlertTransition,
  type AlertType,
  alertJson,
  type Evaluation,
  type TransitionKind,
} from './model.ts';

/**
 * Longest subject line. The contract allows 100 characters; SNS wants a
 * subject "less than 100 characters long", without line breaks or control
 * characters, so 99 fits both.
 */
export const MAX_SUBJECT_CHARS = 99;
/** When a subject line is too long, the plant id is shortened first, but never below this. */
const MIN_PLANT_CHARS = 16;

/** A lifecycle step: the alert to store and, when something happened that people hear about, its transition. */
export interface AlertChange {
  readonly next: Alert;
  readonly transition?: AlertTransition;
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;
const utf8 = new TextEncoder();

/**
 * 64-bit FNV-1a of the UTF-8 bytes of `text`, as 16 lowercase hex digits. Not
 * a cryptographic hash: alert ids are public, they only need to be stable and
 * (at 64 bits) not collide by accident.
 */
export function fnv1a64(text: string): string {
  let hash = FNV64_OFFSET;
  for (const byte of utf8.encode(text)) {
    hash = ((hash ^ BigInt(byte)) * FNV64_PRIME) & MASK64;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * Deterministic alert id, `{type-slug}-{16 hex}`, e.g.
 * `diversion-below-target-3f2a…`: FNV-1a 64 of the JSON array
 * [plantId, type, subject, openedAt] (JSON keeps the fields apart whatever
 * they contain). Matches the API's `[A-Za-z0-9_-]{1,128}`.
 */
export function alertIdOf(plantId: string, type: AlertType, subject: string, openedAt: number): string {
  const slug = type.toLowerCase().replaceAll('_', '-');
  return `${slug}-${fnv1a64(JSON.stringify([plantId, type, subject, openedAt]))}`;
}

const TAGS: Record<Exclude<TransitionKind, 'opened' | 'reminder'>, string> = {
  acknowledged: 'ACKNOWLEDGED',
  resolved: 'RESOLVED',
  updated: 'UPDATED',
};

function tagOf(alert: Alert, kind: TransitionKind): string {
  if (kind === 'opened') return alert.severity.toUpperCase();
  if (kind === 'reminder') return `STILL ${alert.severity.toUpperCase()}`;
  return TAGS[kind];
}

/**
 * One line of plain text that encodes as UTF-8: control and format
 * characters and line or paragraph separators become single spaces, a lone
 * surrogate becomes U+FFFD.
 */
function oneLine(text: string): string {
  return text
    .replace(/[\uD800-\uDFFF]/gu, '\uFFFD')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ')
    .trim();
}

/** At most `max` UTF-16 units, whole code points only, with `…` when shortened. */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const codePoint of text) {
    if (out.length + codePoint.length > max - 1) break;
    out += codePoint;
  }
  return `${out}…`;
}

/**
 * Subject line of a transition, e.g. "[WARNING] kz-ast-01: Landfill diversion
 * 35.0 % on 2026-11-24 is below the 40.0 % target" or "[RESOLVED] …": one
 * line, at most MAX_SUBJECT_CHARS, for any plant id (a long one is shortened
 * before the message is).
 */
export function subjectLine(alert: Alert, kind: TransitionKind): string {
  const tag = `[${tagOf(alert, kind)}]`;
  const plant = oneLine(alert.plantId);
  const message = oneLine(alert.message);
  const full = `${tag} ${plant}: ${message}`;
  if (full.length <= MAX_SUBJECT_CHARS) return full;
  const plantRoom = Math.max(MIN_PLANT_CHARS, MAX_SUBJECT_CHARS - `${tag} : ${message}`.length);
  return shorten(`${tag} ${shorten(plant, plantRoom)}: ${message}`, MAX_SUBJECT_CHARS);
}

function transitionOf(next: Alert, kind: TransitionKind): AlertTransition {
  return {
    transitionId: `${next.alertId}#${next.sequence}`,
    kind,
    subject: subjectLine(next, kind),
    alert: next,
  };
}

function assertSameSubject(current: Alert, evaluation: Evaluation): void {
  if (
    current.plantId !== evaluation.plantId ||
    current.type !== evaluation.type ||
    current.subject !== evaluation.subject
  ) {
    throw new RangeError(
      `evaluation of ${evaluation.plantId}/${evaluation.type}/${evaluation.subject} cannot advance alert ${current.alertId}`,
    );
  }
}

const sameWindow = (a: Alert, e: Evaluation) =>
  a.window.start === e.window.start && a.window.end === e.window.end;

/**
 * Applies one rule verdict to the latest alert of its (plant, type, subject);
 * `undefined` means no change. Pass the latest alert even when it is resolved:
 * the new one continues its `sequence`, so transition ids never repeat.
 *
 * - none or resolved + firing → a new open alert (`opened`), openedAt = the
 *   evaluation's window end;
 * - open or acknowledged + firing → the value, window and message are updated
 *   in place without a transition (a persisting condition notifies once), and
 *   only when one of them changed;
 * - open or acknowledged + clear → `resolved`;
 * - holding, and clear without an active alert → no change.
 *
 * Late verdicts never move an alert back in data time: one about a window
 * ending before the active alert's window is ignored, and a resolved alert is
 * reopened only by a window ending after its resolution, or by a verdict
 * about the very window it was resolved on (a complete day judged again
 * after late data or a correction), which opens just after the resolution.
 * Either way a reopened alert's openedAt is later than any before it, which
 * keeps alert ids unique.
 */
export function advance(
  current: Alert | undefined,
  evaluation: Evaluation,
  _settings?: AlertRuleSettings,
): AlertChange | undefined {
  if (current) assertSameSubject(current, evaluation);
  if (evaluation.status === 'holding') return undefined;
  const at = evaluation.window.end;
  const window = { start: evaluation.window.start, end: evaluation.window.end };
  const observed = {
    severity: evaluation.severity,
    window,
    value: evaluation.value,
    threshold: evaluation.threshold,
    message: evaluation.message,
  };

  if (!current || current.state === 'resolved') {
    if (evaluation.status !== 'firing') return undefined;
    let openAt = at;
    if (current && at <= (current.resolvedAt ?? current.window.end)) {
      // A verdict about the very window that was resolved (a complete day judged again after late data or
      // a correction) reopens it just after the resolution, so its id is new; other late verdicts are ignored.
      if (!sameWindow(current, evaluation)) return undefined;
      openAt = Math.max(current.resolvedAt ?? current.window.end, current.updatedAt) + 1;
    }
    const next: Alert = {
      alertId: alertIdOf(evaluation.plantId, evaluation.type, evaluation.subject, openAt),
      plantId: evaluation.plantId,
      type: evaluation.type,
      subject: evaluation.subject,
      state: 'open',
      openedAt: openAt,
      updatedAt: openAt,
      ...observed,
      sequence: (current?.sequence ?? 0) + 1,
    };
    return { next, transition: transitionOf(next, 'opened') };
  }

  if (at < current.window.end) return undefined;
  const updatedAt = Math.max(current.updatedAt, at);
  if (evaluation.status === 'clear') {
    const next: Alert = {
      ...current,
      ...observed,
      state: 'resolved',
      resolvedAt: at,
      updatedAt,
      sequence: current.sequence + 1,
    };
    return { next, transition: transitionOf(next, 'resolved') };
  }
  const unchanged =
    current.severity === evaluation.severity &&
    sameWindow(current, evaluation) &&
    Object.is(current.value, evaluation.value) &&
    Object.is(current.threshold, evaluation.threshold) &&
    current.message === evaluation.message;
  if (unchanged) return undefined;
  return { next: { ...current, ...observed, updatedAt } };
}

/** Folds verdicts over an alert in the order given (pass them in data-time order): the final alert and every transition. */
export function foldEvaluations(
  current: Alert | undefined,
  evaluations: Iterable<Evaluation>,
  settings?: AlertRuleSettings,
): { alert: Alert | undefined; transitions: AlertTransition[] } {
  let alert = current;
  const transitions: AlertTransition[] = [];
  for (const evaluation of evaluations) {
    const change = advance(alert, evaluation, settings);
    if (!change) continue;
    alert = change.next;
    if (change.transition) transitions.push(change.transition);
  }
  return { alert, transitions };
}

/** open → acknowledged, by whom and when; `undefined` (no change) in any other state, so a repeat is harmless. */
export function acknowledge(alert: Alert, by: string, now: number): AlertChange | undefined {
  if (alert.state !== 'open') return undefined;
  const next: Alert = {
    ...alert,
    state: 'acknowledged',
    acknowledgedAt: now,
    acknowledgedBy: by,
    updatedAt: Math.max(alert.updatedAt, now),
    sequence: alert.sequence + 1,
  };
  return { next, transition: transitionOf(next, 'acknowledged') };
}

/**
 * Re-notifies a critical alert that nobody acknowledged (ISA-18.2 re-alarm):
 * a `reminder` once `criticalReminderMinutes` have passed since it opened or
 * since the last reminder; `undefined` otherwise, and always when the setting
 * is 0.
 */
export function remind(alert: Alert, now: number, settings: AlertRuleSettings): AlertChange | undefined {
  const every = settings.criticalReminderMinutes;
  if (alert.severity !== 'critical' || alert.state !== 'open' || !(every > 0)) return undefined;
  if (now - (alert.lastRemindedAt ?? alert.openedAt) < every * MINUTE_MS) return undefined;
  const next: Alert = {
    ...alert,
    lastRemindedAt: now,
    updatedAt: Math.max(alert.updatedAt, now),
    sequence: alert.sequence + 1,
  };
  return { next, transition: transitionOf(next, 'reminder') };
}

const WHAT_HAPPENED: Record<TransitionKind, (alert: Alert) => string> = {
  opened: () => 'Opened',
  acknowledged: (a) => `Acknowledged by ${oneLine(a.acknowledgedBy ?? 'unknown')}`,
  resolved: () => 'Resolved',
  reminder: () => 'Reminder: still open and not acknowledged',
  updated: () => 'Updated',
};

/** Notification text: a few plain lines for people, then the alert as the contract's JSON for machines. */
export function notificationBody(transition: AlertTransition): string {
  const a = transition.alert;
  const times = [`opened ${toIso(a.openedAt)}`];
  if (a.acknowledgedAt !== undefined) times.push(`acknowledged ${toIso(a.acknowledgedAt)}`);
  if (a.resolvedAt !== undefined) times.push(`resolved ${toIso(a.resolvedAt)}`);
  return [
    transition.subject,
    '',
    `${WHAT_HAPPENED[transition.kind](a)}: ${a.type} for ${oneLine(a.subject)} at plant ${oneLine(a.plantId)}`,
    `Severity ${a.severity}, state ${a.state}`,
    oneLine(a.message),
    `Value ${a.value}, threshold ${a.threshold}`,
    `Data window ${toIso(a.window.start)} to ${toIso(a.window.end)}`,
    `Times: ${times.join(', ')}`,
    `Transition ${transition.transitionId}`,
    '',
    JSON.stringify(alertJson(a), null, 2),
  ].join('\n');
}
