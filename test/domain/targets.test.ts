/** A plant's targets: its own win per KPI, else its jurisdiction's (KZ: 40 % by 2030), each with its source. */
import { describe, expect, it } from 'vitest';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { jurisdictionOf, targetsFor } from '../../lambdas/domain/targets.ts';

describe('targetsFor', () => {
  it("gives a plant in a Kazakh zone Kazakhstan's 40 % by 2030 for diversion and recycling, with the source", () => {
    for (const timeZone of ['Asia/Almaty', 'Asia/Aqtobe', 'Asia/Oral']) {
      const targets = targetsFor({ ...defaultPlantConfig('kz-ast-01'), timeZone });
      expect(targets.map((t) => [t.kpi, t.rate, t.year])).toEqual([
        ['diversion_rate', 0.4, 2030],
        ['recycling_rate', 0.4, 2030],
      ]);
      for (const t of targets) expect(t.source).toContain('Concept for the Transition to a Green Economy');
    }
  });

  it("lets the plant's own target win for its KPI and keeps the jurisdiction's for the other", () => {
    const own = {
      kpi: 'recycling_rate',
      rate: 0.3,
      year: 2028,
      source: 'Akimat of Astana, contract 17/2026',
    } as const;
    const targets = targetsFor({ ...defaultPlantConfig('kz-ast-01'), targets: [own] });
    expect(targets).toEqual([expect.objectContaining({ kpi: 'diversion_rate', rate: 0.4 }), own]);
  });

  it('gives a plant elsewhere no target unless it names its jurisdiction or sets its own', () => {
    const berlin = { ...defaultPlantConfig('de-ber-01'), timeZone: 'Europe/Berlin' };
    expect(jurisdictionOf(berlin)).toBeUndefined();
    expect(targetsFor(berlin)).toEqual([]);
    expect(targetsFor({ ...berlin, jurisdiction: 'KZ' })).toHaveLength(2);
    // A plant in a Kazakh zone that says it is elsewhere gets no Kazakh target.
    expect(targetsFor({ ...defaultPlantConfig('x'), jurisdiction: 'UZ' })).toEqual([]);
  });
});
