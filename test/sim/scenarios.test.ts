/**
 * Each scenario's signature, and the alerts it raises when its messages go
 * through the pipeline's own rules (`parseTelemetry`, the contract's
 * identity rules and the real `AlertEngine` with default settings, clock at
 * the simulated send time): `normal` and `duplicates` raise nothing, the
 * others exactly the alert they are about, only at the affected plant.
 */
import { describe, expect, it } from 'vitest';
import { PLANT_WIDE_SUBJECT } from '../../lambdas/domain/alerts/rules.ts';
import { computeKpis } from '../../lambdas/domain/kpis.ts';
import { DAY_MS, HOUR_MS, localDate, MINUTE_MS } from '../../lambdas/domain/time.ts';
import { episodePlan } from '../../lambdas/sim/scenarios.ts';
import { RESEND_SHARE } from '../../lambdas/sim/simulator.ts';
import { replay } from './support/replay.ts';
import { dailyKpis, lowestDaySoFar, MIDNIGHT, messagesOf, parseRun, plan, TZ } from './support/runs.ts';

const AST = 'kz-ast-01';
const ALA = 'kz-ala-01';
/** 10:17 plant-local: runs start mid-morning, mid-day segment first. */
const START = MIDNIGHT + 10 * HOUR_MS + 17 * MINUTE_MS;

describe('normal', () => {
  it('raises no alert over a day and a half of two plants', async () => {
    const result = await replay(messagesOf(plan({ plants: 2, end: START + 36 * HOUR_MS })), {
      everyMs: 15 * MINUTE_MS,
    });
    expect(result.messages).toBe(2 * 36 * 12);
    expect(result.refusedMessages + result.rejectedItems).toBe(0);
    expect(result.kinds()).toEqual([]);
  });

  it('raises no alert when sampled every minute (combustion runs, stale and stuck checks every 5 minutes)', async () => {
    const result = await replay(messagesOf(plan({ intervalMs: MINUTE_MS, end: START + 5 * HOUR_MS })));
    expect(result.messages).toBe(300);
    expect(result.kinds()).toEqual([]);
  });
});

describe('diversion-drop', () => {
  const p = plan({ plants: 2, scenario: 'diversion-drop', end: START + 30 * HOUR_MS });
  const messages = messagesOf(p);

  it('hauls stored ash to landfill through the day shift: the day so far falls well below 40 % and the complete day ends below it', () => {
    const run = parseRun(messages);
    const tickets = run.tickets.get(AST) ?? [];
    const episode = tickets.filter((t) => t.episode);
    expect(episode.length).toBeGreaterThan(5);
    expect(new Set(episode.map((t) => `${t.material} ${t.destination} ${t.operationCode}`))).toEqual(
      new Set(['bottom_ash landfill D1']),
    );
    expect(lowestDaySoFar(tickets).rate).toBeLessThan(0.3);
    const [day] = dailyKpis(run, AST, START, START + 1);
    expect(day?.diversion_rate).toBeGreaterThan(0.2);
    expect(day?.diversion_rate).toBeLessThan(0.35);
    // Residues are outside the mass balance: it still closes.
    expect(Math.abs(day?.mass_balance_gap ?? 1)).toBeLessThan(0.05);
    expect(lowestDaySoFar(run.tickets.get(ALA) ?? []).rate).toBeGreaterThan(0.5);
  });

  it('opens one DIVERSION_BELOW_TARGET alert at the affected plant, which stays open quoting the complete day, and nothing else', async () => {
    const result = await replay(messages, { everyMs: 15 * MINUTE_MS });
    const run = parseRun(messages);
    const [day] = dailyKpis(run, AST, START, START + 1);
    expect(result.kinds()).toEqual([`DIVERSION_BELOW_TARGET/day/${localDate(START, TZ)}:opened`]);
    const [opened] = result.transitions;
    expect(opened?.alert).toMatchObject({ plantId: AST, severity: 'warning', threshold: 0.4 });
    expect(opened?.alert.value).toBeLessThan(0.4);
    // The live day so far opened it; the complete day, still below target, keeps it open with its own figure.
    const current = await result.alerts.getCurrent(
      AST,
      'DIVERSION_BELOW_TARGET',
      `day/${localDate(START, TZ)}`,
    );
    expect(current).toMatchObject({ state: 'open', sequence: 1 });
    expect(current?.value).toBeCloseTo(day?.diversion_rate ?? 1, 9);
    expect(current?.message).toMatch(
      /^Landfill diversion \d+\.\d % on \d{4}-\d{2}-\d{2} is below the 40\.0 % target$/,
    );
  });
});

describe('boiler-fouling', () => {
  const p = plan({ scenario: 'boiler-fouling', start: MIDNIGHT + 13 * HOUR_MS, intervalMs: 10 * MINUTE_MS });
  const fouled = { ...p, end: p.start + 12 * DAY_MS };

  it('starts after 7 complete days; net MWh per tonne then falls by more than 10 % and boiler dp rises', () => {
    const onset = episodePlan('boiler-fouling', { ...fouled, liveFrom: fouled.start, timeZone: TZ }).fouling;
    expect(onset?.from).toBe(MIDNIGHT + 8 * DAY_MS);
    const run = parseRun(messagesOf(fouled));
    const days = dailyKpis(run, AST, fouled.start, fouled.end).filter((d) => d.complete);
    const net = days.map((d) => d.net_mwh_per_t ?? 0);
    const before = net.slice(1, 8);
    const after = net.slice(10);
    expect(Math.max(...after)).toBeLessThan(0.9 * Math.min(...before));
    for (let i = 8; i < net.length; i++) expect(net[i]).toBeLessThan(net[7] as number);
    const dp = (from: number, to: number) => {
      const values = (run.readings.get(AST) ?? [])
        .filter((r) => r.metric === 'boiler_dp' && r.ts >= from && r.ts < to)
        .map((r) => r.value);
      return values.reduce((s, v) => s + v, 0) / values.length;
    };
    expect(dp(fouled.end - DAY_MS, fouled.end)).toBeGreaterThan(
      dp(fouled.start, fouled.start + DAY_MS) + 1.5,
    );
  });

  it('opens ENERGY_RECOVERY_DROP once, and nothing else', async () => {
    const result = await replay(messagesOf(fouled), { everyMs: HOUR_MS });
    expect(result.opened().map((t) => `${t.alert.type}/${t.alert.subject}`)).toEqual([
      'ENERGY_RECOVERY_DROP/plant',
    ]);
    expect(result.opened()[0]?.alert.message).toMatch(
      /^Net export 0\.\d{3} MWh\/t on 2026-03-1\d vs expected/,
    );
  }, 120_000);
});

describe('sensor-stuck', () => {
  const p = plan({ plants: 2, scenario: 'sensor-stuck', end: START + 8 * HOUR_MS });
  const messages = messagesOf(p);

  it('freezes the boiler-1 furnace thermocouple of the first plant for the last three hours, quality still GOOD', () => {
    const values = (plantId: string, from: number) =>
      messages
        .filter((m) => m.plantId === plantId && m.dataTime >= from)
        .flatMap((m) =>
          m.body.readings.filter((r) => r.line === 'boiler-1' && r.metric === 'furnace_temperature'),
        )
        .map((r) => r.value);
    const stuckFrom = p.end - 3 * HOUR_MS;
    expect(new Set(values(AST, stuckFrom)).size).toBe(1);
    expect(values(AST, stuckFrom)).toHaveLength(36);
    expect(new Set(values(AST, p.start)).size).toBeGreaterThan(30);
    expect(new Set(values(ALA, stuckFrom)).size).toBeGreaterThan(30);
  });

  it('opens SENSOR_STUCK for that series only', async () => {
    const result = await replay(messages, { everyMs: 10 * MINUTE_MS });
    expect(result.kinds()).toEqual(['SENSOR_STUCK/boiler-1/furnace_temperature:opened']);
    expect(result.transitions[0]?.alert.plantId).toBe(AST);
  });
});

describe('outage-backfill', () => {
  const p = plan({ plants: 2, scenario: 'outage-backfill', end: START + 8 * HOUR_MS });
  const messages = messagesOf(p);
  const normal = messagesOf({ ...p, scenario: 'normal' });

  it('buffers an hour at the first plant and uploads it late, sensor data out of order, tickets in order', () => {
    const late = messages.filter((m) => m.late);
    expect(late).toHaveLength(12);
    expect(late.every((m) => m.plantId === AST && m.sendAt >= p.end - 30 * MINUTE_MS)).toBe(true);
    expect(late.every((m) => m.sendAt - m.dataTime >= 5 * MINUTE_MS)).toBe(true);
    expect(Math.max(...late.map((m) => m.sendAt - m.dataTime))).toBeGreaterThan(HOUR_MS);
    const order = late.map((m) => m.dataTime);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    const ticketOrder = late.filter((m) => m.tickets.length > 0).map((m) => m.dataTime);
    expect(ticketOrder).toEqual([...ticketOrder].sort((a, b) => a - b));
    // Same data as a normal run, only later and reordered.
    const key = (m: (typeof messages)[number]) => JSON.stringify({ ...m.body, sentAt: undefined });
    expect(messages.map(key).sort()).toEqual(normal.map(key).sort());
  });

  it('opens one plant-wide SENSOR_STALE alert for the silent plant, resolved when the backlog arrives', async () => {
    const result = await replay(messages);
    expect(result.kinds()).toEqual([
      `SENSOR_STALE/${PLANT_WIDE_SUBJECT}:opened`,
      `SENSOR_STALE/${PLANT_WIDE_SUBJECT}:resolved`,
    ]);
    const [opened, resolved] = result.transitions;
    expect(opened?.alert.plantId).toBe(AST);
    expect(opened?.alert.openedAt).toBeGreaterThan(p.end - 90 * MINUTE_MS + 15 * MINUTE_MS);
    expect(resolved?.alert.resolvedAt).toBeLessThan(p.end);
    expect(result.metrics.conflicts).toBe(0);
  });
});

describe('duplicates', () => {
  const p = plan({ plants: 2, scenario: 'duplicates', end: START + 24 * HOUR_MS });
  const messages = messagesOf(p);

  it('re-sends some messages unchanged; without the repeats it is the normal run', () => {
    const resent = messages.filter((m) => m.resend);
    const first = messages.filter((m) => !m.resend);
    expect(resent.length / first.length).toBeGreaterThan(RESEND_SHARE / 2);
    expect(resent.length / first.length).toBeLessThan(RESEND_SHARE * 2);
    const byId = new Map(first.map((m) => [m.body.messageId, m]));
    for (const m of resent) {
      expect(m.body).toEqual(byId.get(m.body.messageId)?.body);
      expect(m.sendAt).toBeGreaterThan(byId.get(m.body.messageId)?.sendAt ?? Number.POSITIVE_INFINITY);
    }
    expect(JSON.stringify(first)).toBe(JSON.stringify(messagesOf({ ...p, scenario: 'normal' })));
  });

  it('changes neither KPIs nor alerts: every repeat is a no-op', async () => {
    const result = await replay(messages, { everyMs: 15 * MINUTE_MS });
    expect(result.kinds()).toEqual([]);
    expect(result.metrics.duplicates).toBeGreaterThan(1000);
    expect(result.metrics.conflicts).toBe(0);
    const stored = result.metrics.all(AST);
    const once = parseRun(messages);
    const kpis = (
      readings: Parameters<typeof computeKpis>[0]['readings'],
      movements: Parameters<typeof computeKpis>[0]['movements'],
    ) =>
      computeKpis({
        interval: '1h',
        timeZone: TZ,
        from: p.start,
        to: p.end,
        now: p.end,
        readings,
        movements,
      });
    expect(kpis(stored.readings, stored.movements)).toEqual(
      kpis(once.readings.get(AST) ?? [], once.movements.get(AST) ?? []),
    );
  });
});
