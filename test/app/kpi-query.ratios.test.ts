/**
 * Hourly KPI answers leave out the ratios of truck tonnages on both read
 * paths (raw readings and slot summaries); daily ones answer them by the
 * contract's formulas. The sources are in-memory stores of the ports.
 */
import { describe, expect, it } from 'vitest';
import { type KpiSource, loadKpis, loadKpisForBuckets } from '../../lambdas/app/kpi-query.ts';
import { summarizeSlots } from '../../lambdas/domain/kpi-rollup.ts';
import type { StoredMovement, StoredReading } from '../../lambdas/domain/ports.ts';

const PLANT = 'kz-ast-01';
const ZONE = 'Asia/Almaty';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY_START = Date.parse('2026-11-24T00:00:00+05:00');
const NOW = DAY_START + 30 * HOUR;

function counter(metric: StoredReading['metric'], line: string, ts: number, value: number): StoredReading {
  return {
    plantId: PLANT,
    line,
    metric,
    kind: 'counter',
    ts,
    value,
    unit: 'MWh',
    quality: 'GOOD',
    correction: false,
    version: 1,
  } as StoredReading;
}

function movement(ticketId: string, ts: number, rest: Partial<StoredMovement>): StoredMovement {
  return {
    plantId: PLANT,
    ticketId,
    ts,
    direction: 'in',
    netTonnes: 25,
    material: 'mixed_waste',
    correction: false,
    version: 1,
    ...rest,
  };
}

/** A day: fed 9 t an hour, 6.3 MWh exported an hour, trucks in 4 times, landfill and recycling in batches. */
const readings: StoredReading[] = [];
for (let i = 0; i <= 24 * 4; i++) {
  const ts = DAY_START - 15 * MIN + i * 15 * MIN;
  readings.push({ ...counter('waste_fed', 'furnace-1', ts, 1000 + 2.25 * i), unit: 't' });
  readings.push(counter('electricity_exported', 'turbine', ts, 500 + 1.575 * i));
}
const movements: StoredMovement[] = [
  movement('in-1', DAY_START + 2 * HOUR, { netTonnes: 60 }),
  movement('in-2', DAY_START + 8 * HOUR, { netTonnes: 70 }),
  movement('in-3', DAY_START + 14 * HOUR, { netTonnes: 50 }),
  movement('in-4', DAY_START + 20 * HOUR, { netTonnes: 40 }),
  movement('out-1', DAY_START + 11 * HOUR, {
    direction: 'out',
    netTonnes: 30,
    material: 'rejects',
    destination: 'landfill',
  }),
  movement('out-2', DAY_START + 17 * HOUR, {
    direction: 'out',
    netTonnes: 12,
    material: 'recyclables',
    destination: 'recycling',
  }),
  movement('out-3', DAY_START + 18 * HOUR, {
    direction: 'out',
    netTonnes: 9,
    material: 'bottom_ash',
    destination: 'landfill',
  }),
];

/** The metrics store port over arrays; with `slots`, it also answers the rollup's slot summaries. */
function source(slots: boolean): KpiSource {
  const before = (metric: string, ts: number) => {
    const last = readings.filter((r) => r.metric === metric && r.ts < ts).at(-1);
    return last ? [last] : [];
  };
  return {
    readReadings: async ({ metric, from, to }) =>
      readings.filter((r) => r.metric === metric && r.ts >= from && r.ts < to),
    readLastBefore: async (_plant, metric, ts) => before(metric, ts),
    readMovements: async (_plant, from, to) => movements.filter((m) => m.ts >= from && m.ts < to),
    ...(slots
      ? {
          readKpiCounterSlots: async (_plant: string, from: number, to: number) => ({
            before: [...before('waste_fed', from), ...before('electricity_exported', from)],
            slots: summarizeSlots(readings.filter((r) => r.ts >= from && r.ts < to)),
          }),
        }
      : {}),
  };
}

describe.each([
  ['raw readings', false],
  ['slot summaries', true],
])('loadKpis from %s', (_name, slots) => {
  it('answers hourly points with the movement ratios null, tonnages and energies kept', async () => {
    const hours = await loadKpis(
      source(slots),
      PLANT,
      '1h',
      ZONE,
      DAY_START,
      DAY_START + 24 * 3_600_000,
      NOW,
    );
    expect(hours).toHaveLength(24);
    for (const p of hours) {
      expect([p.diversion_rate, p.recycling_rate, p.mass_balance_gap]).toEqual([null, null, null]);
      expect(p.fed_t).toBeCloseTo(9, 9);
      expect(p.net_mwh_per_t).toBeCloseTo(0.7, 9);
    }
    expect(hours.map((p) => p.received_t).filter((t) => t > 0)).toEqual([60, 70, 50, 40]);
    expect(hours.map((p) => p.landfilled_t).filter((t) => t > 0)).toEqual([30, 9]);
  });

  it('answers the day with every ratio by the contract formula', async () => {
    const [day] = await loadKpis(source(slots), PLANT, '1d', ZONE, DAY_START, DAY_START + HOUR, NOW);
    const received = 220;
    const fed = 216;
    const unburnt = 30 + 12; // rejects and recyclables left unburnt; bottom ash is a residue
    expect(day).toMatchObject({ received_t: received, landfilled_t: 39, recycled_t: 12, complete: true });
    expect(day?.fed_t).toBeCloseTo(fed, 9);
    expect(day?.diversion_rate).toBe(1 - 39 / received);
    expect(day?.recycling_rate).toBe(12 / received);
    expect(day?.mass_balance_gap).toBeCloseTo((received - fed - unburnt) / received, 12);
    expect(day?.net_mwh_per_t).toBeCloseTo(151.2 / fed, 12);
  });

  it('answers every ratio for an explicit window shorter than a day (what the alert engine judges)', async () => {
    const [window] = await loadKpisForBuckets(
      source(slots),
      PLANT,
      [{ start: DAY_START, end: DAY_START + 12 * HOUR }],
      NOW,
    );
    expect(window?.diversion_rate).toBe(1 - 30 / 130);
    expect(window?.recycling_rate).toBe(0);
    expect(window?.mass_balance_gap).toEqual(expect.any(Number));
  });
});
