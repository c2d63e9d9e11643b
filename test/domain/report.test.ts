/**
 * The report's own rules (lambdas/domain/report.ts): coverage counts the
 * hours with a GOOD reading and lists the plant-local days with a missing
 * hour as ranges, also where a day starts mid-hour (UTC+05:30); R1 names
 * every missing setting or is computed with annual settings scaled to the
 * year's share; alerts count by the instant they opened.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GoodHour } from '../../lambdas/domain/metrics-ports.ts';
import { MWH_TO_GJ, r1EnergyEfficiency } from '../../lambdas/domain/r1.ts';
import { alertCountsOf, coverageOf, reportR1 } from '../../lambdas/domain/report.ts';

const HOUR = 3_600_000;
const ALMATY_DAY = Date.parse('2026-03-10T00:00:00+05:00');

const hoursOf = (line: string, from: number, count: number): GoodHour[] =>
  Array.from({ length: count }, (_, i) => ({ metric: 'waste_fed', line, hour: from + i * HOUR }));

describe('coverageOf', () => {
  it('counts good hours and joins consecutive gap days into ranges', () => {
    // Five days; day 2 complete, day 3 missing its last hour, days 1, 4 and 5 empty.
    const good = [
      ...hoursOf('boiler-1', ALMATY_DAY + 24 * HOUR, 24),
      ...hoursOf('boiler-1', ALMATY_DAY + 48 * HOUR, 23),
    ];
    const [series, ...rest] = coverageOf(
      good,
      ['waste_fed'],
      ALMATY_DAY,
      ALMATY_DAY + 5 * 24 * HOUR,
      'Asia/Almaty',
    );
    expect(rest).toEqual([]);
    expect(series).toEqual({
      metric: 'waste_fed',
      line: 'boiler-1',
      goodHours: 47,
      hours: 120,
      share: 47 / 120,
      gapDays: [
        { from: '2026-03-10', to: '2026-03-10', days: 1 },
        { from: '2026-03-12', to: '2026-03-14', days: 3 },
      ],
      gapDayCount: 4,
    });
  });

  it('reports a metric no line reported as one series without a line, every day a gap', () => {
    const [series] = coverageOf(
      [],
      ['furnace_temperature'],
      ALMATY_DAY,
      ALMATY_DAY + 2 * 24 * HOUR,
      'Asia/Almaty',
    );
    expect(series).toMatchObject({ line: null, goodHours: 0, share: 0, gapDayCount: 2 });
  });

  it('counts an hour that straddles two plant-local days (UTC+05:30) against both', () => {
    const start = Date.parse('2026-03-10T00:00:00+05:30');
    // Every UTC hour of the two days but the one holding local midnight between them.
    const midnight = Date.parse('2026-03-11T00:00:00+05:30');
    const good = hoursOf('l', Math.floor(start / HOUR) * HOUR, 49).filter(
      (h) => h.hour !== midnight - 30 * 60_000,
    );
    const [series] = coverageOf(good, ['waste_fed'], start, start + 48 * HOUR, 'Asia/Kolkata');
    expect(series?.hours).toBe(49);
    expect(series?.gapDays).toEqual([{ from: '2026-03-10', to: '2026-03-11', days: 2 }]);
  });

  it('keeps each line apart, sorted, and ignores hours outside the period and other metrics', () => {
    const good: GoodHour[] = [
      ...hoursOf('b', ALMATY_DAY, 24),
      ...hoursOf('a', ALMATY_DAY - 5 * HOUR, 29),
      { metric: 'heat_exported', line: 'heat', hour: ALMATY_DAY },
    ];
    const series = coverageOf(good, ['waste_fed'], ALMATY_DAY, ALMATY_DAY + 24 * HOUR, 'Asia/Almaty');
    expect(series.map((s) => [s.line, s.goodHours, s.gapDayCount])).toEqual([
      ['a', 24, 0],
      ['b', 24, 0],
    ]);
  });

  it('property: good hours and gap days agree with the hours given', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 24 * 7 - 1 }), { maxLength: 24 * 7 }),
        (indexes) => {
          const good = indexes.map((i) => ({
            metric: 'waste_fed' as const,
            line: 'l',
            hour: ALMATY_DAY + i * HOUR,
          }));
          const [s] = coverageOf(good, ['waste_fed'], ALMATY_DAY, ALMATY_DAY + 7 * 24 * HOUR, 'Asia/Almaty');
          expect(s?.goodHours).toBe(indexes.length);
          const fullDays = new Set(
            [0, 1, 2, 3, 4, 5, 6].filter((d) =>
              Array.from({ length: 24 }, (_, h) => d * 24 + h).every((i) => indexes.includes(i)),
            ),
          );
          expect(s?.gapDayCount).toBe(7 - fullDays.size);
          expect(s?.gapDays.reduce((n, r) => n + r.days, 0)).toBe(s?.gapDayCount);
        },
      ),
    );
  });
});

describe('reportR1', () => {
  const totals = { fed_t: 200_000, electricity_generated_mwh: 140_000, heat_exported_mwh: 160_000 };
  const settings = {
    wasteNcvGJPerT: 10,
    importedEnergyGJPerYear: 30_000,
    auxiliaryFuelGJPerYear: 20_000,
    heatingDegreeDays: 5_000,
    permittedOn: '2018-06-01',
  };

  it('names every missing setting, one or several', () => {
    expect(reportR1(totals, undefined, 2026, 1)).toEqual({
      value: null,
      reason:
        'missing plant settings r1.wasteNcvGJPerT, r1.importedEnergyGJPerYear, r1.heatingDegreeDays, r1.permittedOn (docs/report.md)',
    });
    const { heatingDegreeDays: _, ...without } = settings;
    expect(reportR1(totals, without, 2026, 1)).toEqual({
      value: null,
      reason: 'missing plant setting r1.heatingDegreeDays (docs/report.md)',
    });
  });

  it('is null when the period fed no waste', () => {
    expect(reportR1({ ...totals, fed_t: 0 }, settings, 2026, 1)).toMatchObject({
      value: null,
      reason: expect.stringContaining('no waste'),
    });
  });

  it('is the R1 formula of the year, annual settings scaled by the share of the year', () => {
    const r = reportR1(totals, settings, 2026, 0.5);
    const expected = r1EnergyEfficiency({
      electricityProducedGJ: 140_000 * MWH_TO_GJ,
      heatCommercialGJ: 160_000 * MWH_TO_GJ,
      wasteEnergyGJ: 2_000_000,
      importedGJ: 15_000,
      fuelInputGJ: 10_000,
      heatingDegreeDays: 5_000,
      permittedOn: '2018-06-01',
      calculationYear: 2026,
    });
    expect(r).toMatchObject({ value: expected.r1, reason: null, yearShare: 0.5, threshold: 0.65 });
    expect(r.value).toBeCloseTo(((2.6 * 504_000 + 1.1 * 576_000 - 25_000) / (0.97 * 2_010_000)) * 1, 12);
  });

  it('takes no auxiliary fuel when the setting is absent', () => {
    const { auxiliaryFuelGJPerYear: _, ...without } = settings;
    const r = reportR1(totals, without, 2026, 1);
    expect(r.value === null ? null : r.inputs.fuelInputGJ).toBe(0);
  });
});

describe('alertCountsOf', () => {
  it('counts every type, opened in [from, to)', () => {
    const from = Date.parse('2026-01-01T00:00:00+05:00');
    const to = Date.parse('2027-01-01T00:00:00+05:00');
    const counts = alertCountsOf(
      [
        { type: 'SENSOR_STALE', openedAt: from },
        { type: 'SENSOR_STALE', openedAt: to - 1 },
        { type: 'SENSOR_STALE', openedAt: to },
        { type: 'LANDFILL_SPIKE', openedAt: from - 1 },
      ],
      from,
      to,
    );
    expect(counts).toEqual({
      DIVERSION_BELOW_TARGET: 0,
      LANDFILL_SPIKE: 0,
      MASS_BALANCE_GAP: 0,
      ENERGY_RECOVERY_DROP: 0,
      COMBUSTION_TEMPERATURE_LOW: 0,
      SENSOR_STALE: 2,
      SENSOR_STUCK: 0,
    });
  });
});
