import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  advance,
  alertIdOf,
  fnv1a64,
  foldEvaluations,
  notificationBody,
  remind,
  subjectLine,
} from '../../../lambdas/domain/alerts/lifecycle.ts';
import { type Alert, alertJson, type Evaluation } from '../../../lambdas/domain/alerts/model.ts';
import { MINUTE_MS } from '../../../lambdas/domain/time.ts';
import { PLANT, RULES } from './fixtures.ts';

/** Contract: at most 100 characters; SNS: fewer than 100. */
const SUBJECT_LIMIT = 99;

const T = Date.parse('2026-11-24T19:00:00Z');
const HOUR = 60 * MINUTE_MS;

function diversion(status: Evaluation['status'], end: number, value = 0.35): Evaluation {
  return {
    plantId: PLANT,
    type: 'DIVERSION_BELOW_TARGET',
    subject: 'day',
    status,
    severity: 'warning',
    window: { start: end - 24 * HOUR, end },
    value,
    threshold: 0.4,
    message: `Landfill diversion ${(value * 100).toFixed(1)} % on 2026-11-24 is below the 40.0 % target`,
  };
}

function furnace(status: Evaluation['status'], end: number, value = 820): Evaluation {
  return {
    plantId: PLANT,
    type: 'COMBUSTION_TEMPERATURE_LOW',
    subject: 'boiler-1/furnace_temperature',
    status,
    severity: 'critical',
    window: { start: end - 5 * MINUTE_MS, end },
    value,
    threshold: 850,
    message: `Furnace on boiler-1 below 850.0 °C for 5 min (lowest ${value.toFixed(1)} °C)`,
  };
}

function opened(evaluation: Evaluation): Alert {
  const change = advance(undefined, evaluation, RULES);
  if (!change) throw new Error('expected the alert to open');
  return change.next;
}

describe('advance', () => {
  it('opens an alert on the first firing verdict, at the end of its data window', () => {
    const change = advance(undefined, diversion('firing', T), RULES);
    const alertId = alertIdOf(PLANT, 'DIVERSION_BELOW_TARGET', 'day', T);
    expect(change?.next).toEqual({
      alertId,
      plantId: PLANT,
      type: 'DIVERSION_BELOW_TARGET',
      subject: 'day',
      severity: 'warning',
      state: 'open',
      openedAt: T,
      updatedAt: T,
      window: { start: T - 24 * HOUR, end: T },
      value: 0.35,
      threshold: 0.4,
      message: 'Landfill diversion 35.0 % on 2026-11-24 is below the 40.0 % target',
      sequence: 1,
    });
    expect(change?.transition).toEqual({
      transitionId: `${alertId}#1`,
      kind: 'opened',
      subject: '[WARNING] kz-ast-01: Landfill diversion 35.0 % on 2026-11-24 is below the 40.0 % target',
      alert: change?.next,
    });
  });

  it.each(['holding', 'clear'] as const)('does nothing on %s without an alert', (status) => {
    expect(advance(undefined, diversion(status, T), RULES)).toBeUndefined();
  });

  it('does nothing on holding, whatever the state', () => {
    const open = opened(diversion('firing', T));
    expect(advance(open, diversion('holding', T + 1, 0.41), RULES)).toBeUndefined();
  });

  it('updates a persisting condition in place without a transition, and only when something changed', () => {
    const open = opened(diversion('firing', T));
    expect(advance(open, diversion('firing', T), RULES)).toBeUndefined();
    const change = advance(open, diversion('firing', T + 24 * HOUR, 0.3), RULES);
    expect(change?.transition).toBeUndefined();
    expect(change?.next).toEqual({
      ...open,
      value: 0.3,
      message: 'Landfill diversion 30.0 % on 2026-11-24 is below the 40.0 % target',
      window: { start: T, end: T + 24 * HOUR },
      updatedAt: T + 24 * HOUR,
    });
  });

  it('keeps an acknowledged alert acknowledged while it persists', () => {
    const acked = acknowledge(opened(diversion('firing', T)), 'ops', T + HOUR)?.next as Alert;
    const change = advance(acked, diversion('firing', T + 24 * HOUR, 0.3), RULES);
    expect(change?.next).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'ops',
      value: 0.3,
      sequence: 2,
    });
    expect(change?.transition).toBeUndefined();
  });

  it.each([
    ['open', (a: Alert) => a],
    ['acknowledged', (a: Alert) => acknowledge(a, 'ops', T + HOUR)?.next as Alert],
  ] as const)('resolves an %s alert on clear, with the clearing verdict', (_state, prepare) => {
    const alert = prepare(opened(diversion('firing', T)));
    const clear = {
      ...diversion('clear', T + 24 * HOUR, 0.45),
      message: 'Landfill diversion 45.0 % on 2026-11-25 is back above the 40.0 % target',
    };
    const change = advance(alert, clear, RULES);
    expect(change?.next).toMatchObject({
      alertId: alert.alertId,
      state: 'resolved',
      resolvedAt: T + 24 * HOUR,
      updatedAt: T + 24 * HOUR,
      openedAt: T,
      value: 0.45,
      sequence: alert.sequence + 1,
    });
    expect(change?.transition).toMatchObject({
      kind: 'resolved',
      transitionId: `${alert.alertId}#${alert.sequence + 1}`,
      subject:
        '[RESOLVED] kz-ast-01: Landfill diversion 45.0 % on 2026-11-25 is back above the 40.0 % target',
    });
    expect(change && advance(change.next, clear, RULES)).toBeUndefined();
  });

  it('opens a new alert after a resolution, continuing the sequence with a new id', () => {
    const first = opened(diversion('firing', T));
    const resolved = advance(first, diversion('clear', T + 24 * HOUR, 0.5), RULES)?.next as Alert;
    const acked = { ...resolved, acknowledgedAt: T, acknowledgedBy: 'ops', lastRemindedAt: T };
    const again = advance(acked, diversion('firing', T + 48 * HOUR), RULES);
    expect(again?.transition?.kind).toBe('opened');
    expect(again?.next.alertId).not.toBe(first.alertId);
    expect(again?.next).toMatchObject({ state: 'open', sequence: 3, openedAt: T + 48 * HOUR });
    expect(again?.next).not.toHaveProperty('acknowledgedAt');
    expect(again?.next).not.toHaveProperty('resolvedAt');
    expect(again?.next).not.toHaveProperty('lastRemindedAt');
  });

  it('ignores late verdicts about data older than the alert', () => {
    const open = opened(diversion('firing', T + 48 * HOUR));
    expect(advance(open, diversion('clear', T + 24 * HOUR, 0.5), RULES)).toBeUndefined();
    expect(advance(open, diversion('firing', T + 24 * HOUR, 0.2), RULES)).toBeUndefined();
    const resolved = advance(open, diversion('clear', T + 72 * HOUR, 0.5), RULES)?.next as Alert;
    expect(advance(resolved, diversion('firing', T + 48 * HOUR), RULES)).toBeUndefined();
    expect(advance(resolved, diversion('firing', T + 96 * HOUR), RULES)?.transition?.kind).toBe('opened');
  });

  it('reopens a resolved alert on a verdict about the very window it was resolved on, just after the resolution', () => {
    // A complete day cleared the alert; late tickets or a correction then put the same day below target.
    const resolved = advance(opened(diversion('firing', T)), diversion('clear', T, 0.5), RULES)
      ?.next as Alert;
    const reopened = advance(resolved, diversion('firing', T, 0.3), RULES);
    expect(reopened?.transition?.kind).toBe('opened');
    expect(reopened?.next).toMatchObject({ state: 'open', openedAt: T + 1, value: 0.3, sequence: 3 });
    expect(reopened?.next.alertId).not.toBe(resolved.alertId);
    // And again, after another correction back and forth: a new id each time.
    const again = advance(
      advance(reopened?.next, diversion('clear', T, 0.5), RULES)?.next,
      diversion('firing', T, 0.3),
      RULES,
    );
    expect(again?.next.openedAt).toBe(T + 2);
    expect(again?.next.alertId).not.toBe(reopened?.next.alertId);
  });

  it('takes a restated verdict about the same window', () => {
    const open = opened(diversion('firing', T));
    expect(advance(open, diversion('firing', T, 0.31), RULES)?.next.value).toBe(0.31);
    expect(advance(open, diversion('clear', T, 0.5), RULES)?.transition?.kind).toBe('resolved');
  });

  it('refuses a verdict about another subject', () => {
    const open = opened(diversion('firing', T));
    expect(() => advance(open, { ...diversion('clear', T + 1), subject: 'rolling-24h' }, RULES)).toThrow(
      RangeError,
    );
    expect(() => advance(open, { ...diversion('clear', T + 1), plantId: 'other' }, RULES)).toThrow(
      RangeError,
    );
    expect(() => advance(open, { ...furnace('clear', T + 1), subject: 'day' }, RULES)).toThrow(RangeError);
  });
});

describe('foldEvaluations', () => {
  it('returns the final alert and every transition in order', () => {
    const { alert, transitions } = foldEvaluations(undefined, [
      diversion('firing', T),
      diversion('firing', T + 24 * HOUR, 0.3),
      diversion('holding', T + 48 * HOUR, 0.41),
      diversion('clear', T + 72 * HOUR, 0.45),
    ]);
    expect(transitions.map((t) => t.transitionId)).toEqual([`${alert?.alertId}#1`, `${alert?.alertId}#2`]);
    expect(alert).toMatchObject({ state: 'resolved', value: 0.45 });
  });
});

describe('acknowledge', () => {
  it('acknowledges an open alert once; a repeat changes nothing', () => {
    const open = opened(diversion('firing', T));
    const change = acknowledge(open, 'arn:aws:iam::1:user/ops', T + HOUR);
    expect(change?.next).toEqual({
      ...open,
      state: 'acknowledged',
      acknowledgedAt: T + HOUR,
      acknowledgedBy: 'arn:aws:iam::1:user/ops',
      updatedAt: T + HOUR,
      sequence: 2,
    });
    expect(change?.transition).toMatchObject({ kind: 'acknowledged', transitionId: `${open.alertId}#2` });
    expect(change?.transition?.subject.startsWith('[ACKNOWLEDGED] kz-ast-01: ')).toBe(true);
    expect(change && acknowledge(change.next, 'someone-else', T + 2 * HOUR)).toBeUndefined();
  });

  it('does not acknowledge a resolved alert', () => {
    const resolved = advance(opened(diversion('firing', T)), diversion('clear', T + HOUR, 0.5), RULES)
      ?.next as Alert;
    expect(acknowledge(resolved, 'ops', T + 2 * HOUR)).toBeUndefined();
  });

  it('never moves updatedAt back when acknowledged during a replay of newer data', () => {
    const open = opened(diversion('firing', T));
    expect(acknowledge(open, 'ops', T - HOUR)?.next.updatedAt).toBe(T);
  });
});

describe('remind', () => {
  const critical = () => opened(furnace('firing', T));

  it('reminds of an unacknowledged critical alert every criticalReminderMinutes, not sooner', () => {
    const alert = critical();
    expect(remind(alert, T + 59 * MINUTE_MS, RULES)).toBeUndefined();
    const first = remind(alert, T + 60 * MINUTE_MS, RULES);
    expect(first?.transition).toMatchObject({ kind: 'reminder', transitionId: `${alert.alertId}#2` });
    expect(first?.transition?.subject.startsWith('[STILL CRITICAL] kz-ast-01: Furnace on boiler-1')).toBe(
      true,
    );
    expect(first?.next).toMatchObject({ lastRemindedAt: T + 60 * MINUTE_MS, sequence: 2, state: 'open' });
    const next = first?.next as Alert;
    expect(remind(next, T + 119 * MINUTE_MS, RULES)).toBeUndefined();
    expect(remind(next, T + 120 * MINUTE_MS, RULES)?.next.sequence).toBe(3);
  });

  it('does not remind of acknowledged, resolved or non-critical alerts, nor when switched off', () => {
    const later = T + 10 * HOUR;
    expect(remind(acknowledge(critical(), 'ops', T)?.next as Alert, later, RULES)).toBeUndefined();
    expect(
      remind(advance(critical(), furnace('clear', T + 1), RULES)?.next as Alert, later, RULES),
    ).toBeUndefined();
    expect(remind(opened(diversion('firing', T)), later, RULES)).toBeUndefined();
    expect(remind(critical(), later, { ...RULES, criticalReminderMinutes: 0 })).toBeUndefined();
  });
});

describe('alert ids', () => {
  it('implements 64-bit FNV-1a (published test vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('are deterministic, slugged by type, and fit the API pattern', () => {
    const id = alertIdOf(PLANT, 'COMBUSTION_TEMPERATURE_LOW', 'boiler-1/furnace_temperature', T);
    expect(id).toBe(alertIdOf(PLANT, 'COMBUSTION_TEMPERATURE_LOW', 'boiler-1/furnace_temperature', T));
    expect(id).toMatch(/^combustion-temperature-low-[0-9a-f]{16}$/);
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
  });

  it('differ when any input differs, even where plain concatenation would not', () => {
    const ids = new Set([
      alertIdOf(PLANT, 'SENSOR_STALE', 'a/b', T),
      alertIdOf('kz-ast-02', 'SENSOR_STALE', 'a/b', T),
      alertIdOf(PLANT, 'SENSOR_STUCK', 'a/b', T),
      alertIdOf(PLANT, 'SENSOR_STALE', 'a/c', T),
      alertIdOf(PLANT, 'SENSOR_STALE', 'a/b', T + 1),
      alertIdOf('ab', 'SENSOR_STALE', 'c', T),
      alertIdOf('a', 'SENSOR_STALE', 'bc', T),
      alertIdOf(PLANT, 'SENSOR_STALE', 'a/b1', 23),
      alertIdOf(PLANT, 'SENSOR_STALE', 'a/b', 123),
    ]);
    expect(ids.size).toBe(9);
  });
});

describe('subjectLine and notificationBody', () => {
  it('tags each kind of transition', () => {
    const alert = opened(furnace('firing', T));
    expect(
      (['opened', 'acknowledged', 'resolved', 'reminder', 'updated'] as const).map(
        (k) => subjectLine(alert, k).split(']')[0],
      ),
    ).toEqual(['[CRITICAL', '[ACKNOWLEDGED', '[RESOLVED', '[STILL CRITICAL', '[UPDATED']);
  });

  it('shortens a long plant id before the message, and always fits', () => {
    const alert = { ...opened(diversion('firing', T)), plantId: 'p'.repeat(64) };
    const subject = subjectLine(alert, 'opened');
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_LIMIT);
    expect(subject).toMatch(
      /^\[WARNING\] p{16,}…: Landfill diversion 35\.0 % on 2026-11-24 is below the 40\.0 % target$/,
    );
    expect(subject.length).toBe(SUBJECT_LIMIT);
  });

  it('shortens at whole code points, never leaving half an emoji', () => {
    for (const plantId of ['kz-ast-01', 'kz-ast-1']) {
      const alert = { ...opened(diversion('firing', T)), plantId, message: '🔥'.repeat(60) };
      const subject = subjectLine(alert, 'opened');
      expect(subject.length).toBeLessThanOrEqual(SUBJECT_LIMIT);
      expect(subject).toMatch(/^\[WARNING\] kz-ast-0?1: (🔥)+…$/u);
    }
  });

  it('keeps a subject on one line', () => {
    const alert = { ...opened(diversion('firing', T)), message: 'line one\nline two\r\n\tand\u2028three' };
    expect(subjectLine(alert, 'opened')).toBe('[WARNING] kz-ast-01: line one line two and three');
  });

  it('writes a plain summary followed by the contract JSON of the alert', () => {
    const change = acknowledge(opened(diversion('firing', T)), 'ops', T + HOUR);
    const transition = change?.transition;
    if (!transition) throw new Error('expected a transition');
    const body = notificationBody(transition);
    const [summary, json] = [
      body.slice(0, body.indexOf('\n{')).trimEnd(),
      body.slice(body.indexOf('\n{') + 1),
    ];
    expect(summary.split('\n')).toEqual([
      transition.subject,
      '',
      'Acknowledged by ops: DIVERSION_BELOW_TARGET for day at plant kz-ast-01',
      'Severity warning, state acknowledged',
      'Landfill diversion 35.0 % on 2026-11-24 is below the 40.0 % target',
      'Value 0.35, threshold 0.4',
      'Data window 2026-11-23T19:00:00.000Z to 2026-11-24T19:00:00.000Z',
      'Times: opened 2026-11-24T19:00:00.000Z, acknowledged 2026-11-24T20:00:00.000Z',
      `Transition ${transition.transitionId}`,
    ]);
    expect(JSON.parse(json)).toEqual(alertJson(transition.alert));
  });
});
