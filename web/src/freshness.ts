/**
 * Each plant's latest data time. `GET /v1/plants` answers it where the
 * deployment has `lastDataAt`; otherwise the page asks the series API for
 * the latest minute with a GOOD reading of the plant's key series (furnace
 * temperature for waste-to-energy, sorting-line input for sorting plants):
 * the last 8 hours by the minute, and only when that is empty the last 8
 * days by the hour. Bounded: at most two plant-wide reads per series and
 * plant, and MAX_PROBED plants.
 */
import { DEFAULT_PLANT_SETTINGS } from '../../lambdas/domain/plant.ts';
import type { Api, Plant } from './api.ts';
import { type Freshness, freshnessOf } from './attention.ts';

const KEY_METRICS = ['furnace_temperature', 'mrf_input'] as const;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const RECENT = { span: 8 * HOUR_MS, interval: '1m', bucket: MINUTE_MS } as const;
const OLDER = { span: 8 * 24 * HOUR_MS, interval: '1h', bucket: HOUR_MS } as const;
/** Plants probed per load; more would take more reads than a page load should make. */
export const MAX_PROBED = 50;

/** The end of the latest bucket with data (an upper bound of the latest reading), or null. */
async function latestIn(
  api: Api,
  plantId: string,
  window: typeof RECENT | typeof OLDER,
  now: number,
  signal?: AbortSignal,
): Promise<number | null> {
  const to = Math.ceil(now / window.bucket) * window.bucket;
  const from = to - window.span;
  const latest = await Promise.all(
    KEY_METRICS.map(async (metric) => {
      const points = await api.series(
        plantId,
        { metric, from, to, interval: window.interval, agg: 'last' },
        signal,
      );
      const last = points.at(-1);
      return last === undefined ? null : Date.parse(last.ts);
    }),
  );
  const found = latest.filter((t): t is number => t !== null);
  return found.length === 0 ? null : Math.min(now, Math.max(...found) + window.bucket);
}

export async function lastDataOf(
  api: Api,
  plant: Plant,
  now: number,
  signal?: AbortSignal,
): Promise<number | null> {
  if (plant.lastDataAt !== undefined) return plant.lastDataAt === null ? null : Date.parse(plant.lastDataAt);
  return (
    (await latestIn(api, plant.plantId, RECENT, now, signal)) ??
    (await latestIn(api, plant.plantId, OLDER, now, signal))
  );
}

/** Freshness of the first MAX_PROBED plants; a plant whose probe fails is left out (unknown, not stale). */
export async function freshnessOfPlants(
  api: Api,
  plants: readonly Plant[],
  now: number,
  signal?: AbortSignal,
): Promise<Map<string, Freshness>> {
  const result = new Map<string, Freshness>();
  await Promise.all(
    plants.slice(0, MAX_PROBED).map(async (plant) => {
      try {
        const last = await lastDataOf(api, plant, now, signal);
        const threshold = plant.staleAfterMinutes ?? DEFAULT_PLANT_SETTINGS.staleAfterMinutes;
        result.set(plant.plantId, freshnessOf(last, threshold, now));
      } catch (error) {
        if (signal?.aborted) throw error;
      }
    }),
  );
  return result;
}
