/**
 * A plant's jurisdiction and own targets in the CDK context
 * (`plants[i].jurisdiction`, `plants[i].targets`): kept as given, and a
 * target without its source, a rate outside (0, 1], a second target for one
 * KPI or an unknown KPI refused by name at synth.
 */
import { describe, expect, it } from 'vitest';
import { targetsFor } from '../../lambdas/domain/targets.ts';
import { parseConfig } from '../../lib/config.ts';

const plantWith = (extra: Record<string, unknown>) =>
  parseConfig({
    stage: 'test',
    plants: JSON.stringify([{ plantId: 'uz-tas-01', timeZone: 'Asia/Tashkent', ...extra }]),
  }).plants[0];

describe('plant targets in the CDK context', () => {
  it("keeps a plant's jurisdiction and its own targets, which then answer on the API", () => {
    const own = {
      kpi: 'recycling_rate',
      rate: 0.35,
      year: 2029,
      source: 'Tashkent city waste programme 2025-2029',
    };
    const plant = plantWith({ jurisdiction: 'KZ', targets: [own] });
    expect(plant).toMatchObject({ jurisdiction: 'KZ', targets: [own] });
    // Its own recycling target over Kazakhstan's; Kazakhstan's diversion target beside it.
    expect(targetsFor(plant ?? ({} as never)).map((t) => [t.kpi, t.rate])).toEqual([
      ['diversion_rate', 0.4],
      ['recycling_rate', 0.35],
    ]);
    expect(plantWith({})).not.toHaveProperty('targets');
  });

  it.each([
    ['a lower-case country', { jurisdiction: 'kz' }, 'plants[0].jurisdiction'],
    [
      'a target without source',
      { targets: [{ kpi: 'diversion_rate', rate: 0.4, year: 2030 }] },
      'plants[0].targets[0].source',
    ],
    [
      'a rate over 1',
      { targets: [{ kpi: 'diversion_rate', rate: 40, year: 2030, source: 's' }] },
      'plants[0].targets[0].rate',
    ],
    [
      'an unknown KPI',
      { targets: [{ kpi: 'reuse_rate', rate: 0.4, year: 2030, source: 's' }] },
      'plants[0].targets[0].kpi',
    ],
    [
      'two targets for one KPI',
      {
        targets: [
          { kpi: 'diversion_rate', rate: 0.4, year: 2030, source: 's' },
          { kpi: 'diversion_rate', rate: 0.5, year: 2035, source: 's' },
        ],
      },
      'plants[0].targets[1].kpi',
    ],
  ])('refuses %s, naming where', (_, extra, where) => {
    expect(() => plantWith(extra)).toThrow(where);
  });
});
