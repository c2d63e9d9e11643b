import { describe, expect, it } from 'vitest';
import {
  climateCorrectionFactor,
  MWH_TO_GJ,
  R1InputError,
  r1EnergyEfficiency,
} from '../../lambdas/domain/r1.ts';

// docs/reference/domain.md section 2, worked example: 200,000 t/yr at NCV 10 GJ/t, 0.6 MWh/t of electricity.
const workedExample = {
  electricityProducedGJ: 120_000 * MWH_TO_GJ, // 432,000 GJ
  heatCommercialGJ: 0,
  fuelInputGJ: 20_000,
  importedGJ: 30_000,
  wasteEnergyGJ: 200_000 * 10,
  heatingDegreeDays: 4_500, // Kazakh cities are colder than 3,350 HDD: CCF 1
  permittedOn: '2020-06-01',
  calculationYear: 2026,
};

describe('r1EnergyEfficiency', () => {
  it('reproduces the worked example: electricity only gives 0.548, below the 0.65 threshold', () => {
    const result = r1EnergyEfficiency(workedExample);
    expect(result.weightedEnergyProducedGJ).toBeCloseTo(1_123_200, 6);
    expect(result.climateCorrectionFactor).toBe(1);
    expect(result.r1).toBeCloseTo((1_123_200 - 50_000) / (0.97 * 2_020_000), 12);
    expect(result.r1.toFixed(3)).toBe('0.548');
    expect(result.threshold).toBe(0.65);
    expect(result.qualifiesAsRecovery).toBe(false);
  });

  it('reproduces the worked example with 300,000 MWh of exported heat: 1.15, recovery', () => {
    const result = r1EnergyEfficiency({ ...workedExample, heatCommercialGJ: 300_000 * MWH_TO_GJ });
    expect(result.weightedEnergyProducedGJ).toBeCloseTo(1_123_200 + 1_188_000, 6);
    expect(result.r1.toFixed(2)).toBe('1.15');
    expect(result.qualifiesAsRecovery).toBe(true);
  });

  it('applies the 0.60 threshold only to plants permitted and operating before 2009', () => {
    const old = { ...workedExample, permittedOn: '2005-03-01', inOperationSince: '2007-01-01' };
    expect(r1EnergyEfficiency(old).threshold).toBe(0.6);
    expect(r1EnergyEfficiency({ ...old, inOperationSince: '2010-01-01' }).threshold).toBe(0.65);
  });

  it('multiplies by the climate correction factor in a warm climate', () => {
    const warm = r1EnergyEfficiency({ ...workedExample, heatingDegreeDays: 2_500 });
    expect(warm.climateCorrectionFactor).toBe(1.085);
    expect(warm.r1).toBeCloseTo(warm.uncorrected * 1.085, 12);
  });

  it.each([
    ['negative electricity', { electricityProducedGJ: -1 }],
    ['non-finite waste energy', { wasteEnergyGJ: Number.POSITIVE_INFINITY }],
    ['no energy input at all', { wasteEnergyGJ: 0, fuelInputGJ: 0 }],
    ['a permit date that is not ISO', { permittedOn: '01/06/2020' }],
  ])('refuses %s with an R1InputError', (_name, change) => {
    expect(() => r1EnergyEfficiency({ ...workedExample, ...change })).toThrow(R1InputError);
  });
});

describe('climateCorrectionFactor', () => {
  it.each([
    // hdd, permitted, year, expected (docs/reference/domain.md section 2 table and worked values)
    [3_350, '2010-01-01', 2026, 1],
    [5_000, '2020-01-01', 2026, 1],
    [2_150, '2010-01-01', 2026, 1.25],
    [1_000, '2020-01-01', 2026, 1.12],
    [2_500, '2010-01-01', 2026, 1.177],
    [2_500, '2020-01-01', 2026, 1.085],
    [3_000, '2010-01-01', 2026, 1.073],
    [3_000, '2020-01-01', 2026, 1.035],
    // plants permitted before September 2015 move to the new formula after 2029
    [2_500, '2010-01-01', 2030, 1.085],
  ])('HDD %d, permitted %s, year %d: %d', (hdd, permitted, year, expected) => {
    expect(climateCorrectionFactor(hdd, permitted, year)).toBe(expected);
  });
});
