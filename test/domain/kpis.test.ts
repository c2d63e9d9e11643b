import { describe, expect, it } from 'vitest';
import { computeKpis, DIVERSION_POLICY, type KpiPoint, kpiBuckets } from '../../lambdas/domain/kpis.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import type { Movement, Reading } from '../../lambdas/domain/telemetry.ts';

const ALMATY = 'Asia/Almaty';
const at = (iso: string): number => Date.parse(iso);
const NOW = at('2026-11-27T12:00:00+05:00');

/** Goes through the real parser, so units (kWh, Gcal) are converted as on ingest. */
function parse(body: Record<string, unknown>): { readings: Reading[]; movements: Movement[] } {
  const result = parseTelemetry(
    { schema: 'wte.telemetry.v1', messageId: 'test:1', plantId: 'kz-ast-01', ...body },
    { now: NOW },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problem));
  expect(result.rejected).toEqual([]);
  return { readings: [...result.message.readings], movements: [...result.message.movements] };
}

const r = (ts: string, metric: string, value: number, extra: Record<string, unknown> = {}) => ({
  ts,
  line: metric === 'waste_fed' ? 'furnace-1' : 'turbine',
  metric,
  value,
  ...extra,
});
const m = (ticketId: string, ts: string, direction: 'in' | 'out', netTonnes: number, rest = {}) => ({
  ticketId,
  ts,
  direction,
  netTonnes,
  material: 'mixed_waste',
  ...rest,
});

// A fleet-day designed so each KPI can be computed by hand (comments give the arithmetic).
const fixture = parse({
  readings: [
    // waste_fed totalizer: predecessor before the range, a BAD glitch, a reset, and a step after local midnight.
    r('2026-11-23T23:00:00+05:00', 'waste_fed', 1000),
    r('2026-11-24T06:00:00+05:00', 'waste_fed', 1010), // +10 on Nov 24
    r('2026-11-24T12:00:00+05:00', 'waste_fed', 5, { quality: 'BAD' }), // ignored: not a reset
    r('2026-11-24T23:00:00+05:00', 'waste_fed', 4), // reset after 1030: +4 on Nov 24
    r('2026-11-25T01:00:00+05:00', 'waste_fed', 14), // +10 on Nov 25 (still Nov 24 in UTC)
    r('2026-11-24T18:00:00+05:00', 'waste_fed', 1030), // late, out of order: +20 on Nov 24
    // electricity exported in kWh: 500 MWh -> 510 MWh (+10 on Nov 24) -> 530 MWh (+20 on Nov 25)
    r('2026-11-24T00:30:00+05:00', 'electricity_exported', 500_000, { unit: 'kWh' }),
    r('2026-11-24T12:00:00+05:00', 'electricity_exported', 510_000, { unit: 'kWh' }),
    r('2026-11-25T12:00:00+05:00', 'electricity_exported', 530, { unit: 'MWh' }),
    // heat exported in Gcal: 100 -> 110 Gcal = +11.63 MWh on Nov 24
    r('2026-11-24T01:00:00+05:00', 'heat_exported', 100, { unit: 'Gcal' }),
    r('2026-11-24T13:00:00+05:00', 'heat_exported', 110, { unit: 'Gcal' }),
    // an UNCERTAIN step never counts either
    r('2026-11-24T14:00:00+05:00', 'electricity_generated', 50),
    r('2026-11-24T15:00:00+05:00', 'electricity_generated', 80, { quality: 'UNCERTAIN' }),
  ],
  movements: [
    m('WB-1', '2026-11-24T08:00:00+05:00', 'in', 30),
    m('WB-2', '2026-11-24T23:30:00+05:00', 'in', 20), // last half hour of the local day
    m('WB-3', '2026-11-25T00:30:00+05:00', 'in', 10), // first half hour of Nov 25 local (Nov 24 UTC)
    m('WB-4', '2026-11-24T10:00:00+05:00', 'out', 10, { material: 'bottom_ash', destination: 'landfill' }),
    m('WB-5', '2026-11-24T11:00:00+05:00', 'out', 5, { material: 'recyclables', destination: 'recycling' }),
    m('WB-6', '2026-11-24T12:00:00+05:00', 'out', 2, { material: 'rejects', destination: 'landfill' }),
  ],
});

function days(from: string, to: string, now = NOW): KpiPoint[] {
  return computeKpis({
    interval: '1d',
    timeZone: ALMATY,
    from: at(from),
    to: at(to),
    now,
    readings: fixture.readings,
    movements: fixture.movements,
  });
}

describe('computeKpis, daily buckets in Asia/Almaty', () => {
  const points = days('2026-11-24T00:00:00+05:00', '2026-11-27T00:00:00+05:00');

  it('makes one bucket per plant-local day, starting at local midnight (19:00 UTC)', () => {
    expect(points.map((p) => new Date(p.start).toISOString())).toEqual([
      '2026-11-23T19:00:00.000Z',
      '2026-11-24T19:00:00.000Z',
      '2026-11-25T19:00:00.000Z',
    ]);
    expect(points.map((p) => p.end - p.start)).toEqual([86_400_000, 86_400_000, 86_400_000]);
  });

  it('computes the first day by hand: mass flows, counters with a reset, a BAD glitch and a late reading', () => {
    const [nov24] = points;
    expect(nov24).toMatchObject({
      received_t: 50,
      landfilled_t: 12,
      recycled_t: 5,
      electricity_generated_mwh: 0,
      complete: true,
    });
    expect(nov24?.fed_t).toBeCloseTo(34, 9); // 10 + 20 + 4
    expect(nov24?.electricity_exported_mwh).toBeCloseTo(10, 9); // from kWh
    expect(nov24?.heat_exported_mwh).toBeCloseTo(11.63, 9); // 10 Gcal
    expect(nov24?.diversion_rate).toBeCloseTo(1 - 12 / 50, 12);
    expect(nov24?.recycling_rate).toBeCloseTo(5 / 50, 12);
    expect(nov24?.net_mwh_per_t).toBeCloseTo(10 / 34, 12);
    // (received 50 - fed 34 - unburnt out: recyclables 5 + rejects 2) / 50; bottom ash is a residue
    expect(nov24?.mass_balance_gap).toBeCloseTo((50 - 34 - 7) / 50, 12);
  });

  it('attributes readings and tickets just after local midnight to the new day', () => {
    const nov25 = points[1];
    expect(nov25?.received_t).toBe(10);
    expect(nov25?.fed_t).toBeCloseTo(10, 9);
    expect(nov25?.electricity_exported_mwh).toBeCloseTo(20, 9);
    expect(nov25?.diversion_rate).toBe(1);
    expect(nov25?.recycling_rate).toBe(0);
    expect(nov25?.net_mwh_per_t).toBeCloseTo(2, 12);
    expect(nov25?.mass_balance_gap).toBeCloseTo(0, 12);
  });

  it('gives null rates on a day with no receipts and no feed', () => {
    expect(points[2]).toMatchObject({
      received_t: 0,
      fed_t: 0,
      diversion_rate: null,
      recycling_rate: null,
      net_mwh_per_t: null,
      mass_balance_gap: null,
    });
  });

  it('gives the same answer whatever order the data arrives in', () => {
    const shuffled = computeKpis({
      interval: '1d',
      timeZone: ALMATY,
      from: at('2026-11-24T00:00:00+05:00'),
      to: at('2026-11-27T00:00:00+05:00'),
      now: NOW,
      readings: [...fixture.readings].reverse(),
      movements: [...fixture.movements].reverse(),
    });
    expect(shuffled).toEqual(points);
  });

  it('marks a bucket incomplete until it has ended', () => {
    const during = days(
      '2026-11-24T00:00:00+05:00',
      '2026-11-26T00:00:00+05:00',
      at('2026-11-25T09:00:00+05:00'),
    );
    expect(during.map((p) => p.complete)).toEqual([true, false]);
  });

  it('loses the first step of a day when the predecessor reading is not supplied', () => {
    const withoutPredecessor = computeKpis({
      interval: '1d',
      timeZone: ALMATY,
      from: at('2026-11-24T00:00:00+05:00'),
      to: at('2026-11-25T00:00:00+05:00'),
      now: NOW,
      readings: fixture.readings.filter((x) => x.ts >= at('2026-11-24T00:00:00+05:00')),
      movements: [],
    });
    expect(withoutPredecessor[0]?.fed_t).toBeCloseTo(24, 9); // 1010 -> 1030 (+20), reset to 4 (+4)
  });
});

describe('computeKpis, hourly buckets across plant-local midnight', () => {
  const points = computeKpis({
    interval: '1h',
    timeZone: ALMATY,
    from: at('2026-11-24T22:00:00+05:00'),
    to: at('2026-11-25T02:00:00+05:00'),
    now: NOW,
    readings: fixture.readings,
    movements: fixture.movements,
  });

  it('makes one bucket per local hour', () => {
    expect(points.map((p) => new Date(p.start).toISOString())).toEqual([
      '2026-11-24T17:00:00.000Z',
      '2026-11-24T18:00:00.000Z',
      '2026-11-24T19:00:00.000Z',
      '2026-11-24T20:00:00.000Z',
    ]);
  });

  it('puts each ticket and counter step in the hour of its own timestamp', () => {
    expect(points.map((p) => p.received_t)).toEqual([0, 20, 10, 0]);
    expect(points.map((p) => Number(p.fed_t.toFixed(9)))).toEqual([0, 4, 0, 10]);
    expect(points.map((p) => p.diversion_rate)).toEqual([null, 1, 1, null]);
  });
});

describe('kpiBuckets', () => {
  it('starts at the bucket containing from and ends with the bucket containing to - 1', () => {
    const buckets = kpiBuckets(
      '1d',
      ALMATY,
      at('2026-11-24T13:00:00+05:00'),
      at('2026-11-25T00:00:01+05:00'),
    );
    expect(buckets.map((b) => new Date(b.start).toISOString())).toEqual([
      '2026-11-23T19:00:00.000Z',
      '2026-11-24T19:00:00.000Z',
    ]);
  });

  it('is empty when to is not after from', () => {
    expect(kpiBuckets('1h', ALMATY, at('2026-11-24T13:00:00Z'), at('2026-11-24T13:00:00Z'))).toEqual([]);
  });

  it('follows local days in a zone with daylight saving (23- and 25-hour days)', () => {
    const spring = kpiBuckets(
      '1d',
      'Europe/Berlin',
      at('2026-03-29T00:00:00+01:00'),
      at('2026-03-29T12:00:00+02:00'),
    );
    expect(spring.map((b) => (b.end - b.start) / 3_600_000)).toEqual([23]);
    const autumn = kpiBuckets(
      '1d',
      'Europe/Berlin',
      at('2026-10-25T00:00:00+02:00'),
      at('2026-10-25T12:00:00+01:00'),
    );
    expect(autumn.map((b) => (b.end - b.start) / 3_600_000)).toEqual([25]);
  });
});

it('names the diversion policy it implements', () => {
  expect(DIVERSION_POLICY).toBe('diversion.gross.v1');
});
