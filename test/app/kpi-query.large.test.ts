/**
 * A year of one counter read raw (local mode: DuckDB has no slot
 * summaries) is more readings than a function call takes arguments: the
 * KPIs of a year, its months and its days still come out, and agree.
 */
import { describe, expect, it } from 'vitest';
import { loadKpis } from '../../lambdas/app/kpi-query.ts';
import type { StoredReading } from '../../lambdas/domain/ports.ts';

const ZONE = 'Asia/Almaty';
const YEAR_START = Date.parse('2026-01-01T00:00:00+05:00');
const NOW = Date.parse('2026-07-01T00:00:00+05:00');
const MINUTE = 60_000;

/** waste_fed every minute from Jan 1 to Jul 1: about 260,000 readings, 0.01 t a minute. */
const fed: StoredReading[] = Array.from({ length: (NOW - YEAR_START) / MINUTE }, (_, i) => ({
  plantId: 'kz-ast-01',
  line: 'boiler-1',
  metric: 'waste_fed',
  ts: YEAR_START + i * MINUTE,
  value: i * 0.01,
  unit: 't',
  quality: 'GOOD',
  correction: false,
  kind: 'counter',
  version: 1,
}));

const source = {
  readReadings: async (q: { metric: string; from: number; to: number }) =>
    q.metric === 'waste_fed' ? fed.filter((r) => r.ts >= q.from && r.ts < q.to) : [],
  readLastBefore: async () => [],
  readMovements: async () => [],
};

describe('KPIs over more raw readings than a call takes arguments', () => {
  it('answers the year, its months and its days, which agree', async () => {
    expect(fed.length).toBeGreaterThan(200_000);
    const [year] = await loadKpis(source, 'kz-ast-01', '1y', ZONE, YEAR_START, NOW, NOW);
    const months = await loadKpis(source, 'kz-ast-01', '1mo', ZONE, YEAR_START, NOW, NOW);
    expect(months).toHaveLength(6);
    // Every step but the first reading's counts: (n - 1) steps of 0.01 t.
    expect(year?.fed_t).toBeCloseTo((fed.length - 1) * 0.01, 6);
    expect(months.reduce((sum, m) => sum + m.fed_t, 0)).toBeCloseTo(year?.fed_t ?? 0, 6);
    expect(year?.complete).toBe(false);
  }, 60_000);
});
