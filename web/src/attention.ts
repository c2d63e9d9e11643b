/**
 * Which plant the page opens on, and how fresh each plant's data is. Pure,
 * so the browser and the tests agree on the order (docs/dashboards.md,
 * "Which plant the page opens on"): the user's choice, else the plant of
 * the most severe and oldest open alert, else the plant silent longest past
 * its stale threshold, else the first plant.
 */

export const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 0, warning: 1, info: 2 };

export interface OpenAlertRef {
  readonly plantId: string;
  readonly severity: string;
  /** ISO instant. */
  readonly openedAt: string;
}

export interface Freshness {
  /** Epoch ms of the latest data seen; null when none was found in the probe window. */
  readonly lastDataAt: number | null;
  readonly staleAfterMinutes: number;
  readonly stale: boolean;
}

/** Stale once no data arrived for longer than the plant's threshold; a plant with no data found is stale. */
export function freshnessOf(lastDataAt: number | null, staleAfterMinutes: number, now: number): Freshness {
  const stale = lastDataAt === null || now - lastDataAt > staleAfterMinutes * 60_000;
  return { lastDataAt, staleAfterMinutes, stale };
}

export type AttentionReason = 'chosen' | 'alert' | 'stale' | 'first';

export interface Attention {
  readonly plantId: string;
  readonly reason: AttentionReason;
}

/**
 * The plant to open on. `plantIds` in picker order; `chosen` (URL or
 * picker) wins when it is one of them. Alerts of plants not listed are
 * ignored, so the page never opens on a plant it cannot show.
 */
export function plantNeedingAttention(input: {
  readonly plantIds: readonly string[];
  readonly openAlerts: readonly OpenAlertRef[];
  readonly freshness: ReadonlyMap<string, Freshness>;
  readonly chosen?: string | undefined;
}): Attention | undefined {
  const listed = new Set(input.plantIds);
  if (input.chosen !== undefined && listed.has(input.chosen))
    return { plantId: input.chosen, reason: 'chosen' };
  const alert = input.openAlerts
    .filter((a) => listed.has(a.plantId))
    .sort(
      (a, b) =>
        (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
        Date.parse(a.openedAt) - Date.parse(b.openedAt) ||
        (a.plantId < b.plantId ? -1 : a.plantId > b.plantId ? 1 : 0),
    )[0];
  if (alert) return { plantId: alert.plantId, reason: 'alert' };
  // Silent longest first; a plant with no data found at all counts as silent longest.
  const stale = input.plantIds
    .filter((id) => input.freshness.get(id)?.stale === true)
    .sort((a, b) => {
      const [x, y] = [a, b].map((id) => input.freshness.get(id)?.lastDataAt ?? Number.NEGATIVE_INFINITY);
      return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
    })[0];
  if (stale !== undefined) return { plantId: stale, reason: 'stale' };
  const first = input.plantIds[0];
  return first === undefined ? undefined : { plantId: first, reason: 'first' };
}
