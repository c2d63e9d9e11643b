/**
 * Helpers over simulated runs: collect messages, parse them with the
 * contract's own parser, and compute plant KPIs with the domain core.
 */
import { computeKpis, type KpiPoint } from '../../../lambdas/domain/kpis.ts';
import { parseTelemetry } from '../../../lambdas/domain/parse-telemetry.ts';
import type { Movement, Reading } from '../../../lambdas/domain/telemetry.ts';
import { bucketStart, HOUR_MS } from '../../../lambdas/domain/time.ts';
import type { SimTicket } from '../../../lambdas/sim/plant-model.ts';
import type { ScenarioName } from '../../../lambdas/sim/scenarios.ts';
import { type OutgoingMessage, type SimulationPlan, simulate } from '../../../lambdas/sim/simulator.ts';

export const TZ = 'Asia/Almaty';
/** A plant-local midnight (Asia/Almaty, UTC+5). */
export const MIDNIGHT = Date.parse('2026-03-02T00:00:00+05:00');

export function plan(overrides: Partial<SimulationPlan> & { scenario?: ScenarioName } = {}): SimulationPlan {
  const start = overrides.start ?? MIDNIGHT + 10 * HOUR_MS + 17 * 60_000;
  return {
    plants: 1,
    scenario: 'normal',
    start,
    end: start + 24 * HOUR_MS,
    intervalMs: 5 * 60_000,
    seed: 42,
    ...overrides,
  };
}

export function messagesOf(p: SimulationPlan): OutgoingMessage[] {
  return [...simulate(p)];
}

export interface ParsedRun {
  readonly readings: Map<string, Reading[]>;
  readonly movements: Map<string, Movement[]>;
  readonly tickets: Map<string, SimTicket[]>;
}

/** Parses every message as the pipeline would at its send time; throws on any refusal or rejection. */
export function parseRun(messages: readonly OutgoingMessage[]): ParsedRun {
  const readings = new Map<string, Reading[]>();
  const movements = new Map<string, Movement[]>();
  const tickets = new Map<string, SimTicket[]>();
  for (const m of messages) {
    const parsed = parseTelemetry(JSON.parse(JSON.stringify(m.body)), { now: m.sendAt, plantId: m.plantId });
    if (!parsed.ok) throw new Error(`${m.body.messageId}: ${parsed.problem.detail}`);
    if (parsed.rejected.length > 0)
      throw new Error(`${m.body.messageId}: ${JSON.stringify(parsed.rejected)}`);
    if (m.resend) continue;
    const add = <T>(map: Map<string, T[]>, items: readonly T[]) => {
      const list = map.get(m.plantId) ?? [];
      map.set(m.plantId, list);
      for (const item of items) list.push(item);
    };
    add(readings, parsed.message.readings);
    add(movements, parsed.message.movements);
    add(tickets, m.tickets);
  }
  return { readings, movements, tickets };
}

/** Daily KPIs of one plant over [from, to). */
export function dailyKpis(run: ParsedRun, plantId: string, from: number, to: number): KpiPoint[] {
  return computeKpis({
    interval: '1d',
    timeZone: TZ,
    from,
    to,
    now: to,
    readings: run.readings.get(plantId) ?? [],
    movements: run.movements.get(plantId) ?? [],
  });
}

/** Lowest diversion rate of any plant-local day so far, judged once 20 t were received, at each ticket. */
export function lowestDaySoFar(tickets: readonly SimTicket[]): { rate: number; at: number } {
  const days = new Map<number, { received: number; landfilled: number }>();
  let lowest = { rate: 1, at: 0 };
  for (const t of [...tickets].sort((a, b) => a.ts - b.ts)) {
    const day = bucketStart(t.ts, '1d', TZ);
    const totals = days.get(day) ?? { received: 0, landfilled: 0 };
    days.set(day, totals);
    if (t.direction === 'in') totals.received += t.netTonnes;
    else if (t.destination === 'landfill') totals.landfilled += t.netTonnes;
    if (totals.received >= 20) {
      const rate = 1 - totals.landfilled / totals.received;
      if (rate < lowest.rate) lowest = { rate, at: t.ts };
    }
  }
  return lowest;
}
