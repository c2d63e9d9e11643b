/**
 * Which path a KPI answer takes when the store keeps a rollup: a store that
 * reads short spans of hours and days raw (local mode, `rawRangeMaxMs`) does
 * so, while months, years and longer spans always come from the rollup.
 */
import { describe, expect, it } from 'vitest';
import { type KpiSource, loadKpis } from '../../lambdas/app/kpi-query.ts';
import type { KpiInterval } from '../../lambdas/domain/time.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 1, 19); // midnight in Asia/Almaty (UTC+5)
const ZONE = 'Asia/Almaty';

/** An empty store that records which path was asked. */
function source(rawRangeMaxMs?: number): { store: KpiSource; calls: string[] } {
  const calls: string[] = [];
  const store: KpiSource = {
    readReadings: async () => {
      calls.push('raw');
      return [];
    },
    readLastBefore: async () => [],
    readMovements: async () => [],
    readKpiCounterSlots: async () => {
      calls.push('rollup');
      return { before: [], slots: [], movements: [] };
    },
    ...(rawRangeMaxMs === undefined ? {} : { rawRangeMaxMs }),
  };
  return { store, calls };
}

describe('the KPI read path with a rollup', () => {
  it.each<[string, number | undefined, KpiInterval, number, 'raw' | 'rollup']>([
    ['two days of days, local mode', 31 * DAY, '1d', 2 * DAY, 'raw'],
    ['two days of hours, local mode', 31 * DAY, '1h', 2 * DAY, 'raw'],
    ['forty days of days, local mode', 31 * DAY, '1d', 40 * DAY, 'rollup'],
    ['a month of a short span, local mode', 31 * DAY, '1mo', 2 * DAY, 'rollup'],
    ['a year, local mode', 31 * DAY, '1y', 2 * DAY, 'rollup'],
    ['two days of days, AWS', undefined, '1d', 2 * DAY, 'rollup'],
  ])('%s reads %s', async (_name, rawRangeMaxMs, interval, span, path) => {
    const { store, calls } = source(rawRangeMaxMs);
    await loadKpis(store, 'kz-ast-01', interval, ZONE, START, START + span, START + span);
    expect(new Set(calls)).toEqual(new Set([path]));
  });
});
