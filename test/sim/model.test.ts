/**
 * The simulated plant: deterministic by seed, every message valid under the
 * contract, and physically plausible (docs/reference/domain.md section 3): throughput of
 * the 1,000-1,600 t/day class, about 0.5-0.7 net MWh per tonne, bottom ash
 * 20-25 % of the feed, trucks mostly in the day, a daily mass balance that
 * closes and a diversion rate well above the target.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalUnitOf, isMetricName, METRICS } from '../../lambdas/domain/catalog.ts';
import { MAX_BODY_BYTES } from '../../lambdas/domain/telemetry.ts';
import { bucketStart, DAY_MS, HOUR_MS, MINUTE_MS } from '../../lambdas/domain/time.ts';
import { plantProfiles } from '../../lambdas/sim/plant-profile.ts';
import { SCENARIO_NAMES } from '../../lambdas/sim/scenarios.ts';
import { localIso } from '../../lambdas/sim/simulator.ts';
import { dailyKpis, lowestDaySoFar, MIDNIGHT, messagesOf, parseRun, plan, TZ } from './support/runs.ts';

const hourOfDay = (ts: number) => Math.floor((ts - bucketStart(ts, '1d', TZ)) / HOUR_MS);

describe('determinism', () => {
  it('gives the same messages for the same options and seed, and others for another seed', () => {
    const p = plan({ plants: 2, end: plan().start + 6 * HOUR_MS, scenario: 'duplicates' });
    const first = JSON.stringify(messagesOf(p));
    expect(JSON.stringify(messagesOf(p))).toBe(first);
    expect(JSON.stringify(messagesOf({ ...p, seed: 43 }))).not.toBe(first);
  });

  it('plans deliveries per plant-local day, so the sampling rate does not change the tickets', () => {
    const p = plan({ start: MIDNIGHT, end: MIDNIGHT + 2 * DAY_MS });
    const inbound = (intervalMs: number) =>
      messagesOf({ ...p, intervalMs })
        .flatMap((m) => m.tickets)
        .filter((t) => t.direction === 'in' && t.ts < MIDNIGHT + DAY_MS)
        .map((t) => `${t.ticketId} ${t.ts} ${t.netTonnes}`);
    expect(inbound(60_000)).toEqual(inbound(10 * 60_000));
  });
});

describe('every message follows the contract', () => {
  it('is valid for parseTelemetry at its send time, with nothing rejected, in any scenario', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SCENARIO_NAMES),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 0, max: 7 * 24 * 60 }),
        fc.integer({ min: 30, max: 8 * 60 }),
        fc.constantFrom(0.2, 1, 2),
        (scenario, seed, plants, startMinute, minutes, rate) => {
          const start = MIDNIGHT + startMinute * MINUTE_MS + 7_321;
          const messages = messagesOf({
            scenario,
            seed,
            plants,
            start,
            end: start + minutes * MINUTE_MS,
            intervalMs: Math.round(MINUTE_MS / rate),
          });
          expect(messages.length).toBeGreaterThan(0);
          let previous = Number.NEGATIVE_INFINITY;
          for (const m of messages) {
            expect(m.sendAt).toBeGreaterThanOrEqual(previous);
            previous = m.sendAt;
            expect(m.dataTime).toBeGreaterThanOrEqual(start);
            expect(m.dataTime).toBeLessThan(start + minutes * MINUTE_MS);
            expect(JSON.stringify(m.body).length).toBeLessThan(MAX_BODY_BYTES / 8);
            for (const r of m.body.readings) expect(r.ts).toBeLessThanOrEqual(m.sendAt);
            for (const t of m.tickets) expect(t.ts).toBeLessThanOrEqual(m.sendAt);
          }
          parseRun(messages);
        },
      ),
      { numRuns: 20, seed: 6 },
    );
  });

  it('uses catalog metric names with their canonical units; counters never decrease', () => {
    const messages = messagesOf(plan({ plants: 2, intervalMs: MINUTE_MS, end: plan().start + 12 * HOUR_MS }));
    const last = new Map<string, number>();
    for (const m of messages) {
      for (const r of m.body.readings) {
        expect(isMetricName(r.metric)).toBe(true);
        expect(r.unit).toBe(canonicalUnitOf(r.metric));
        if (METRICS[r.metric].kind !== 'counter') continue;
        const key = `${m.plantId}|${r.line}|${r.metric}`;
        expect(r.value).toBeGreaterThan(last.get(key) ?? 0);
        last.set(key, r.value);
      }
    }
    const series = new Set(
      messages
        .filter((m) => m.plantId === 'kz-ast-01')
        .flatMap((m) => m.body.readings.map((r) => `${r.line}/${r.metric}`)),
    );
    // Astana: 1,500 t/day on three lines; 15 series per line, 4 on the turbine, 2 on the district-heat meter.
    expect(series.size).toBe(3 * 15 + 6);
    expect(series).toContain('boiler-1/furnace_temperature');
    expect(series).toContain('boiler-3/waste_fed');
    expect(series).toContain('turbine/electricity_exported');
    expect(series).toContain('district-heat/heat_exported');
  });

  it('writes ticket times and sentAt in plant-local RFC 3339 (+05:00)', () => {
    expect(localIso(Date.parse('2026-11-24T04:41:00.250Z'), TZ)).toBe('2026-11-24T09:41:00+05:00');
    const [first] = messagesOf(plan());
    expect(first?.body.sentAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:00$/);
  });
});

describe('physical plausibility over three days of a six-plant fleet', () => {
  const p = plan({ plants: 6, start: MIDNIGHT, end: MIDNIGHT + 3 * DAY_MS, intervalMs: 10 * MINUTE_MS });
  const messages = messagesOf(p);
  const run = parseRun(messages);
  const profiles = plantProfiles(6, p.seed);

  it('designs plants of the 1,000-1,600 t/day class with two or three lines', () => {
    expect(profiles.map((x) => x.plantId)).toEqual([
      'kz-ast-01',
      'kz-ala-01',
      'kz-shy-01',
      'kz-kar-01',
      'kz-akt-01',
      'kz-pav-01',
    ]);
    for (const profile of profiles) {
      expect(profile.capacityTpd).toBeGreaterThanOrEqual(1000);
      expect(profile.capacityTpd).toBeLessThanOrEqual(1600);
      expect(profile.lines.length).toBe(profile.capacityTpd >= 1300 ? 3 : 2);
      expect(profile.capacityTpd / 24 / profile.lines.length).toBeGreaterThan(18);
      expect(profile.capacityTpd / 24 / profile.lines.length).toBeLessThan(28);
    }
  });

  it.each(plantProfiles(6, 42).map((x) => x.plantId))(
    '%s: receives and burns 900-1,600 t a day at 0.5-0.7 net MWh/t, with a closed mass balance',
    (plantId) => {
      const days = dailyKpis(run, plantId, p.start, p.end);
      expect(days).toHaveLength(3);
      for (const day of days) {
        expect(day.fed_t).toBeGreaterThan(900);
        expect(day.fed_t).toBeLessThan(1600);
        expect(day.received_t).toBeGreaterThan(900);
        expect(day.received_t).toBeLessThan(1700);
        expect(day.net_mwh_per_t).toBeGreaterThan(0.5);
        expect(day.net_mwh_per_t).toBeLessThan(0.7);
        expect(day.electricity_generated_mwh).toBeGreaterThan(day.electricity_exported_mwh);
        expect(Math.abs(day.mass_balance_gap ?? 1)).toBeLessThan(0.05);
        expect(day.diversion_rate).toBeGreaterThan(0.6);
        expect(day.recycling_rate).toBeGreaterThan(0.03);
      }
    },
  );

  it('sends bottom ash of 20-25 % of the feed out by truck, to landfill or reuse', () => {
    for (const profile of profiles) {
      const fed = dailyKpis(run, profile.plantId, p.start, p.end).reduce((sum, d) => sum + d.fed_t, 0);
      const tickets = run.tickets.get(profile.plantId) ?? [];
      const ash = tickets.filter((t) => t.material === 'bottom_ash');
      const share = ash.reduce((sum, t) => sum + t.netTonnes, 0) / fed;
      expect(share).toBeGreaterThan(0.19);
      expect(share).toBeLessThan(0.26);
      expect(new Set(ash.map((t) => t.destination))).toEqual(new Set(['landfill', 'recycling']));
      for (const t of tickets.filter((x) => x.direction === 'out')) {
        expect(t.destination).toBeDefined();
        expect(t.operationCode).toMatch(/^(R|D)\d+$/);
        expect(t.netTonnes).toBeGreaterThan(5);
        expect(t.netTonnes).toBeLessThanOrEqual(30);
      }
    }
  });

  it('brings trucks mostly in the day, and hauls residues in the day shift only', () => {
    const tickets = [...run.tickets.values()].flat();
    const inbound = tickets.filter((t) => t.direction === 'in');
    const daytime = inbound.filter((t) => hourOfDay(t.ts) >= 7 && hourOfDay(t.ts) < 19);
    const night = inbound.filter((t) => hourOfDay(t.ts) >= 22 || hourOfDay(t.ts) < 5);
    expect(daytime.length / inbound.length).toBeGreaterThan(0.8);
    expect(night.length / inbound.length).toBeLessThan(0.06);
    expect(night.length).toBeGreaterThan(0);
    for (const t of tickets.filter((x) => x.direction === 'out')) {
      expect(hourOfDay(t.ts)).toBeGreaterThanOrEqual(7);
      expect(hourOfDay(t.ts)).toBeLessThan(19);
    }
    expect(new Set(inbound.map((t) => t.supplier)).size).toBe(4);
    expect(new Set(inbound.map((t) => t.material))).toEqual(new Set(['mixed_waste', 'other']));
  });

  it('numbers tickets uniquely per plant and weighs one truck at a time on each bridge', () => {
    for (const tickets of run.tickets.values()) {
      const ids = tickets.map((t) => t.ticketId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const direction of ['in', 'out'] as const) {
        const times = tickets
          .filter((t) => t.direction === direction)
          .map((t) => t.ts)
          .sort((a, b) => a - b);
        for (let i = 1; i < times.length; i++) {
          expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(60_000);
        }
      }
    }
  });

  it('keeps the furnace in the 2-second zone well above 850 °C and makes about 3 t of steam per tonne', () => {
    for (const [plantId, readings] of run.readings) {
      const furnace = readings.filter((r) => r.metric === 'furnace_temperature').map((r) => r.value);
      expect(Math.min(...furnace)).toBeGreaterThan(875);
      expect(Math.max(...furnace)).toBeLessThan(1050);
      const sum = (metric: string) =>
        readings.filter((r) => r.metric === metric).reduce((s, r) => s + r.value, 0);
      const steamPerTonne = sum('steam_flow') / sum('waste_feed_rate');
      expect(steamPerTonne, plantId).toBeGreaterThan(2.7);
      expect(steamPerTonne, plantId).toBeLessThan(3.4);
    }
  });
});

describe('normal operation, whatever the seed and start', () => {
  it('keeps every day so far above 50 % diversion and closes the mass balance of every day segment', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.integer({ min: 12, max: 60 }),
        (seed, startMinute, hours) => {
          const start = MIDNIGHT + startMinute * MINUTE_MS;
          const p = plan({
            seed,
            start,
            end: start + hours * HOUR_MS,
            plants: 2,
            intervalMs: 10 * MINUTE_MS,
          });
          const run = parseRun(messagesOf(p));
          for (const [plantId, tickets] of run.tickets) {
            expect(lowestDaySoFar(tickets).rate).toBeGreaterThan(0.5);
            for (const day of dailyKpis(run, plantId, p.start, p.end)) {
              if (day.received_t < 200) continue;
              expect(Math.abs(day.mass_balance_gap ?? 0), new Date(day.start).toISOString()).toBeLessThan(
                0.06,
              );
            }
          }
        },
      ),
      { numRuns: 25, seed: 11 },
    );
  });
});
