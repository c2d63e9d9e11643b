/**
 * Properties of the alert lifecycle over random verdict streams for one
 * (plant, type, subject). Fixed seeds; 1,000 to 2,000 runs each.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  advance,
  alertIdOf,
  foldEvaluations,
  remind,
  subjectLine,
} from '../../../lambdas/domain/alerts/lifecycle.ts';
import {
  ALERT_SEVERITIES,
  ALERT_TYPES,
  type Alert,
  type AlertTransition,
  type Evaluation,
  type TransitionKind,
} from '../../../lambdas/domain/alerts/model.ts';
import { PLANT_ID_PATTERN } from '../../../lambdas/domain/telemetry.ts';
import { MINUTE_MS } from '../../../lambdas/domain/time.ts';
import { RULES } from './fixtures.ts';

/** Contract: at most 100 characters; SNS: fewer than 100. */
const SUBJECT_LIMIT = 99;

const RUNS = 2_000;
const T0 = Date.parse('2026-11-24T00:00:00Z');

interface Step {
  readonly end: number;
  readonly status: Evaluation['status'];
  readonly value: number;
}

const toEvaluation = ({ end, status, value }: Step): Evaluation => ({
  plantId: 'kz-ast-01',
  type: 'MASS_BALANCE_GAP',
  subject: 'plant',
  status,
  severity: 'warning',
  window: { start: T0 + end * MINUTE_MS - 10 * MINUTE_MS, end: T0 + end * MINUTE_MS },
  value,
  threshold: 0.1,
  message: `gap ${value}`,
});

/** Verdicts with distinct window ends (one verdict per data window), in random order; few values, so repeats happen. */
const stream = fc
  .array(
    fc.record({
      end: fc.integer({ min: 0, max: 300 }),
      status: fc.constantFrom<Evaluation['status']>('firing', 'holding', 'clear'),
      value: fc.integer({ min: 0, max: 2 }),
    }),
    { maxLength: 40 },
  )
  .map((steps) => {
    const seen = new Set<number>();
    return steps.filter((s) => !seen.has(s.end) && seen.add(s.end)).map(toEvaluation);
  });

const byDataTime = (evaluations: readonly Evaluation[]) =>
  [...evaluations].sort((a, b) => a.window.end - b.window.end);

/** The same verdicts, some repeated, in any order. */
const withDuplicatesShuffled = stream.chain((evaluations) =>
  fc
    .array(fc.nat(), { maxLength: 20 })
    .map((picks) =>
      evaluations.length === 0
        ? []
        : [...evaluations, ...picks.map((i) => evaluations[i % evaluations.length] as Evaluation)],
    )
    .chain((all) => fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }))
    .map((shuffled) => ({ evaluations, shuffled })),
);

/** What should happen, stated without the lifecycle: open on entering firing, resolve on leaving it. */
function expectedKinds(sorted: readonly Evaluation[]): TransitionKind[] {
  const kinds: TransitionKind[] = [];
  let active = false;
  for (const e of sorted) {
    if (e.status === 'firing' && !active) kinds.push('opened');
    if (e.status === 'clear' && active) kinds.push('resolved');
    if (e.status !== 'holding') active = e.status === 'firing';
  }
  return kinds;
}

/** Data time a transition happened at. */
const transitionTime = (t: AlertTransition) =>
  (t.kind === 'resolved' ? t.alert.resolvedAt : t.alert.openedAt) ?? 0;

describe('advance over verdict streams (properties)', () => {
  it('in data-time order, opens on entering firing and resolves on clearing, nothing more', () => {
    fc.assert(
      fc.property(stream, (evaluations) => {
        const sorted = byDataTime(evaluations);
        const { alert, transitions } = foldEvaluations(undefined, sorted, RULES);
        expect(transitions.map((t) => t.kind)).toEqual(expectedKinds(sorted));
        expect(transitions.map((t) => t.alert.sequence)).toEqual(transitions.map((_, i) => i + 1));
        expect(new Set(transitions.map((t) => t.transitionId)).size).toBe(transitions.length);
        const openings = transitions.filter((t) => t.kind === 'opened');
        expect(new Set(openings.map((t) => t.alert.alertId)).size).toBe(openings.length);
        const decisive = sorted.filter((e) => e.status !== 'holding');
        const last = decisive.at(-1);
        if (last?.status === 'firing') {
          // An active alert shows the latest firing verdict.
          expect(alert).toMatchObject({
            state: 'open',
            value: last.value,
            window: last.window,
            updatedAt: last.window.end,
          });
        } else {
          expect(alert === undefined || alert.state === 'resolved').toBe(true);
        }
      }),
      { numRuns: RUNS, seed: 61 },
    );
  });

  it('is idempotent: applying the verdict just applied again changes nothing, in any state', () => {
    fc.assert(
      fc.property(withDuplicatesShuffled, ({ shuffled }) => {
        let alert: Alert | undefined;
        for (const evaluation of shuffled) {
          const change = advance(alert, evaluation, RULES);
          if (change) alert = change.next;
          expect(advance(alert, evaluation, RULES)).toBeUndefined();
        }
      }),
      { numRuns: RUNS, seed: 62 },
    );
  });

  it('duplicates change nothing: folding in data-time order with repeats equals folding without', () => {
    fc.assert(
      fc.property(withDuplicatesShuffled, ({ evaluations, shuffled }) => {
        // A stable sort by window end puts each repeat next to its original.
        expect(foldEvaluations(undefined, byDataTime(shuffled), RULES)).toEqual(
          foldEvaluations(undefined, byDataTime(evaluations), RULES),
        );
      }),
      { numRuns: RUNS, seed: 63 },
    );
  });

  it('in any order, never goes back in data time and never notifies more than in data-time order', () => {
    fc.assert(
      fc.property(withDuplicatesShuffled, ({ evaluations, shuffled }) => {
        const { transitions } = foldEvaluations(undefined, shuffled, RULES);
        const times = transitions.map(transitionTime);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        const opened = (ts: AlertTransition[]) => ts.filter((t) => t.kind === 'opened').length;
        expect(opened(transitions)).toBeLessThanOrEqual(
          opened(foldEvaluations(undefined, byDataTime(evaluations)).transitions),
        );
        const ids = transitions.filter((t) => t.kind === 'opened').map((t) => t.alert.alertId);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: RUNS, seed: 64 },
    );
  });

  it('acknowledging at any points changes neither what opens and resolves nor the final reading', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.boolean(), { maxLength: 40 }), (evaluations, ackAfter) => {
        const sorted = byDataTime(evaluations);
        let alert: Alert | undefined;
        const kinds: TransitionKind[] = [];
        sorted.forEach((evaluation, i) => {
          const change = advance(alert, evaluation, RULES);
          if (change) alert = change.next;
          if (change?.transition) kinds.push(change.transition.kind);
          const ack = ackAfter[i] && alert ? acknowledge(alert, 'ops', T0) : undefined;
          if (ack) {
            alert = ack.next;
            kinds.push('acknowledged');
            expect(acknowledge(alert, 'ops', T0 + 1)).toBeUndefined();
          }
        });
        const plain = foldEvaluations(undefined, sorted, RULES);
        expect(kinds.filter((k) => k !== 'acknowledged')).toEqual(plain.transitions.map((t) => t.kind));
        expect(alert?.value).toEqual(plain.alert?.value);
        expect(alert?.state === 'resolved').toBe(plain.alert?.state === 'resolved');
      }),
      { numRuns: RUNS, seed: 65 },
    );
  });
});

describe('reminders (property)', () => {
  it('come exactly when criticalReminderMinutes have passed since opening or the last reminder', () => {
    const alert: Alert = {
      alertId: alertIdOf('kz-ast-01', 'COMBUSTION_TEMPERATURE_LOW', 'b/furnace_temperature', T0),
      plantId: 'kz-ast-01',
      type: 'COMBUSTION_TEMPERATURE_LOW',
      subject: 'b/furnace_temperature',
      severity: 'critical',
      state: 'open',
      openedAt: T0,
      updatedAt: T0,
      window: { start: T0 - 5 * MINUTE_MS, end: T0 },
      value: 820,
      threshold: 850,
      message: 'Furnace on b below 850.0 °C for 5 min (lowest 820.0 °C)',
      sequence: 1,
    };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 120 }),
        (gaps, every) => {
          const settings = { ...RULES, criticalReminderMinutes: every };
          let current = alert;
          let now = T0;
          let expectedLast = T0;
          const reminded: number[] = [];
          for (const gap of gaps) {
            now += gap * MINUTE_MS;
            const change = remind(current, now, settings);
            const due = every > 0 && now - expectedLast >= every * MINUTE_MS;
            expect(change !== undefined).toBe(due);
            if (change) {
              current = change.next;
              expectedLast = now;
              reminded.push(now);
              expect(change.transition?.transitionId).toBe(`${alert.alertId}#${current.sequence}`);
            }
          }
          const spacing = reminded.map((t, i) => t - (reminded[i - 1] ?? T0));
          expect(spacing.every((s) => s >= every * MINUTE_MS)).toBe(true);
          expect(current.sequence).toBe(1 + reminded.length);
        },
      ),
      { numRuns: RUNS, seed: 66 },
    );
  });
});

describe('ids and subject lines (properties)', () => {
  const anyType = fc.constantFrom(...ALERT_TYPES);

  it('alert ids are deterministic, fit the API pattern, and differ whenever the inputs do', () => {
    const input = fc.tuple(
      fc.string({ maxLength: 20 }),
      anyType,
      fc.string({ maxLength: 20 }),
      fc.integer({ min: 0, max: 4e12 }),
    );
    fc.assert(
      fc.property(input, input, (a, b) => {
        const idA = alertIdOf(...a);
        expect(idA).toBe(alertIdOf(...a));
        expect(idA).toMatch(/^[a-z-]+-[0-9a-f]{16}$/);
        expect(idA.length).toBeLessThanOrEqual(128);
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(alertIdOf(...b)).not.toBe(idA);
      }),
      { numRuns: RUNS, seed: 67 },
    );
  });

  const KINDS: TransitionKind[] = ['opened', 'acknowledged', 'resolved', 'reminder', 'updated'];
  const alertWith = (plantId: string, message: string, severity: Alert['severity']): Alert => ({
    alertId: 'x',
    plantId,
    type: 'SENSOR_STALE',
    subject: 'a/b',
    severity,
    state: 'open',
    openedAt: T0,
    updatedAt: T0,
    window: { start: T0, end: T0 },
    value: 1,
    threshold: 1,
    message,
    sequence: 1,
  });

  /** Any code points, plus lone surrogates (invalid UTF-16 a gateway or a bug could still produce). */
  const anyText = fc.string({
    unit: fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    ),
    maxLength: 300,
  });

  it('subject lines are one line of at most 99 characters for any plant id and message', () => {
    fc.assert(
      fc.property(
        anyText,
        anyText,
        fc.constantFrom(...ALERT_SEVERITIES),
        fc.constantFrom(...KINDS),
        (plantId, message, severity, kind) => {
          const subject = subjectLine(alertWith(plantId, message, severity), kind);
          expect(subject.length).toBeLessThanOrEqual(SUBJECT_LIMIT);
          expect(subject).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
          expect(subject).toMatch(/^\[[A-Z ]+\] /);
          expect(subject).not.toMatch(/[\uD800-\uDFFF]/u); // no lone surrogate: valid UTF-8
        },
      ),
      { numRuns: RUNS, seed: 68 },
    );
  });

  it('keeps the whole message when a contract plant id, shortened to 16 characters, leaves room for it', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(PLANT_ID_PATTERN),
        fc
          .string({ unit: fc.constantFrom(...'abc_%.-0123456789'), minLength: 1, maxLength: 90 })
          .map((s) => `M${s}Z`),
        fc.constantFrom<TransitionKind>('opened', 'resolved'),
        (plantId, message, kind) => {
          const subject = subjectLine(alertWith(plantId, message, 'warning'), kind);
          const tag = subject.slice(0, subject.indexOf(']') + 1);
          if (tag.length + 3 + Math.min(plantId.length, 16) + message.length <= SUBJECT_LIMIT) {
            expect(subject.endsWith(`: ${message}`)).toBe(true);
            expect(subject.startsWith(`${tag} ${plantId.slice(0, 15)}`)).toBe(true);
          }
          if (tag.length + 3 + plantId.length + message.length <= SUBJECT_LIMIT) {
            expect(subject).toBe(`${tag} ${plantId}: ${message}`);
          }
        },
      ),
      { numRuns: RUNS, seed: 69 },
    );
  });
});
