/**
 * Which plant the operator page opens on (web/src/attention.ts): the user's
 * choice, else the most severe and oldest open alert, else the plant silent
 * longest past its threshold, else the first plant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Freshness, freshnessOf, plantNeedingAttention } from '../../web/src/attention.ts';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const MIN = 60_000;
const fresh = (minutesAgo: number | null, threshold = 15): Freshness =>
  freshnessOf(minutesAgo === null ? null : NOW - minutesAgo * MIN, threshold, NOW);
const alert = (plantId: string, severity: string, openedAt: string) => ({ plantId, severity, openedAt });
const PLANTS = ['kz-a', 'kz-b', 'kz-c'];

describe('freshnessOf', () => {
  it('is stale only past the threshold, and without any data found', () => {
    expect(fresh(15).stale).toBe(false);
    expect(fresh(15.01).stale).toBe(true);
    expect(fresh(59, 60).stale).toBe(false);
    expect(fresh(null)).toEqual({ lastDataAt: null, staleAfterMinutes: 15, stale: true });
  });
});

describe('plantNeedingAttention', () => {
  const none = new Map<string, Freshness>();

  it.each([
    {
      why: 'a critical alert beats an older warning',
      alerts: [
        alert('kz-a', 'warning', '2026-12-01T00:00:00Z'),
        alert('kz-c', 'critical', '2026-12-06T00:00:00Z'),
      ],
      expected: { plantId: 'kz-c', reason: 'alert' },
    },
    {
      why: 'among equally severe alerts the oldest wins',
      alerts: [
        alert('kz-a', 'warning', '2026-12-05T00:00:00Z'),
        alert('kz-b', 'warning', '2026-12-04T00:00:00Z'),
      ],
      expected: { plantId: 'kz-b', reason: 'alert' },
    },
    {
      why: 'an alert of a plant the page cannot show is ignored',
      alerts: [
        alert('kz-zzz', 'critical', '2026-12-01T00:00:00Z'),
        alert('kz-b', 'info', '2026-12-05T00:00:00Z'),
      ],
      expected: { plantId: 'kz-b', reason: 'alert' },
    },
  ])('$why', ({ alerts, expected }) => {
    expect(plantNeedingAttention({ plantIds: PLANTS, openAlerts: alerts, freshness: none })).toEqual(
      expected,
    );
  });

  it('opens on open alerts before stale data', () => {
    const freshness = new Map([['kz-a', fresh(600)]]);
    const openAlerts = [alert('kz-c', 'info', '2026-12-06T00:00:00Z')];
    expect(plantNeedingAttention({ plantIds: PLANTS, openAlerts, freshness })).toEqual({
      plantId: 'kz-c',
      reason: 'alert',
    });
  });

  it('without open alerts, opens on the plant silent longest past its threshold', () => {
    const freshness = new Map([
      ['kz-a', fresh(5)],
      ['kz-b', fresh(30)],
      ['kz-c', fresh(90, 60)],
    ]);
    expect(plantNeedingAttention({ plantIds: PLANTS, openAlerts: [], freshness })).toEqual({
      plantId: 'kz-c',
      reason: 'stale',
    });
    // A plant with no data found at all has been silent longest.
    freshness.set('kz-a', fresh(null));
    expect(plantNeedingAttention({ plantIds: PLANTS, openAlerts: [], freshness })?.plantId).toBe('kz-a');
  });

  it('with nothing to attend to, opens on the first plant; with no plant, on none', () => {
    const freshness = new Map(PLANTS.map((id) => [id, fresh(1)]));
    expect(plantNeedingAttention({ plantIds: PLANTS, openAlerts: [], freshness })).toEqual({
      plantId: 'kz-a',
      reason: 'first',
    });
    expect(plantNeedingAttention({ plantIds: [], openAlerts: [], freshness })).toBeUndefined();
  });

  it("the user's plant wins over alerts and stale data, unless the page cannot show it", () => {
    const openAlerts = [alert('kz-a', 'critical', '2026-12-01T00:00:00Z')];
    const freshness = new Map([['kz-b', fresh(600)]]);
    expect(plantNeedingAttention({ plantIds: PLANTS, openAlerts, freshness, chosen: 'kz-c' })).toEqual({
      plantId: 'kz-c',
      reason: 'chosen',
    });
    expect(plantNeedingAttention({ plantIds: PLANTS, openAlerts, freshness, chosen: 'kz-x' })?.reason).toBe(
      'alert',
    );
  });

  it('answers the same plant whatever the order of alerts and freshness entries', () => {
    const alertArb = fc.record({
      plantId: fc.constantFrom(...PLANTS),
      severity: fc.constantFrom('critical', 'warning', 'info'),
      openedAt: fc.integer({ min: 0, max: 1e12 }).map((t) => new Date(t).toISOString()),
    });
    const freshArb = fc.array(
      fc.tuple(fc.constantFrom(...PLANTS), fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null })),
    );
    fc.assert(
      fc.property(fc.array(alertArb, { maxLength: 8 }), freshArb, (alerts, entries) => {
        const freshness = new Map(entries.map(([id, ago]) => [id, fresh(ago)]));
        const shuffled = [...alerts].reverse();
        const reordered = new Map([...freshness].reverse());
        expect(
          plantNeedingAttention({ plantIds: PLANTS, openAlerts: shuffled, freshness: reordered }),
        ).toEqual(plantNeedingAttention({ plantIds: PLANTS, openAlerts: alerts, freshness }));
      }),
    );
  });
});
