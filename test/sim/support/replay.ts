/**
 * Replays simulated messages through the pipeline's own rules: each message
 * is validated with `parseTelemetry`, stored with the contract's identity
 * rules (same identity and content: no-op; different content: refused), and
 * the real `AlertEngine` runs after each message and on a schedule, with the
 * clock at the message's simulated send time (a live plant). The metrics
 * store is a small in-memory one with the port's read semantics, so a day of
 * a plant replays in well under a second.
 */

import { MemoryAlertStore } from '../../../lambdas/adapters/memory-alert-store.ts';
import { MemoryDayProgressStore } from '../../../lambdas/adapters/memory-day-progress-store.ts';
import { AlertEngine } from '../../../lambdas/app/alert-engine.ts';
import type { AlertTransition, AlertType } from '../../../lambdas/domain/alerts/model.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import {
  movementFingerprint,
  movementKey,
  readingFingerprint,
  readingKey,
} from '../../../lambdas/domain/identity.ts';
import { computeKpis, type KpiPoint } from '../../../lambdas/domain/kpis.ts';
import type { MetricsStore, SeriesQuery } from '../../../lambdas/domain/metrics-ports.ts';
import { parseTelemetry } from '../../../lambdas/domain/parse-telemetry.ts';
import { defaultPlantConfig, type PlantConfig } from '../../../lambdas/domain/plant.ts';
import { BASE_VERSION, type StoredMovement, type StoredReading } from '../../../lambdas/domain/ports.ts';
import type { Movement, Reading } from '../../../lambdas/domain/telemetry.ts';
import { MINUTE_MS } from '../../../lambdas/domain/time.ts';
import type { OutgoingMessage } from '../../../lambdas/sim/simulator.ts';

type ReadPorts = Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'>;

/** First index in a ts-sorted array whose ts is at least `ts`. */
function lowerBound(items: ReadonlyArray<{ ts: number }>, ts: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((items[mid] as { ts: number }).ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted<T extends { ts: number }>(items: T[], item: T): void {
  const last = items.at(-1);
  if (!last || last.ts <= item.ts) {
    items.push(item);
    return;
  }
  let i = lowerBound(items, item.ts);
  while (i < items.length && (items[i] as T).ts === item.ts) i++;
  items.splice(i, 0, item);
}

export class MemoryMetrics implements ReadPorts {
  private readonly series = new Map<string, StoredReading[]>();
  private readonly readingPrints = new Map<string, string>();
  private readonly moves = new Map<string, StoredMovement[]>();
  private readonly movePrints = new Map<string, string>();
  conflicts = 0;
  duplicates = 0;

  write(readings: readonly Reading[], movements: readonly Movement[]): void {
    for (const r of readings) {
      const key = readingKey(r);
      const print = readingFingerprint(r);
      const held = this.readingPrints.get(key);
      if (held !== undefined) {
        if (held === print) this.duplicates++;
        else this.conflicts++;
        continue;
      }
      this.readingPrints.set(key, print);
      const seriesKey = `${r.plantId}|${r.metric}`;
      const list = this.series.get(seriesKey) ?? [];
      this.series.set(seriesKey, list);
      insertSorted(list, { ...r, version: BASE_VERSION });
    }
    for (const m of movements) {
      const key = movementKey(m);
      const print = movementFingerprint(m);
      const held = this.movePrints.get(key);
      if (held !== undefined) {
        if (held === print) this.duplicates++;
        else this.conflicts++;
        continue;
      }
      this.movePrints.set(key, print);
      const list = this.moves.get(m.plantId) ?? [];
      this.moves.set(m.plantId, list);
      insertSorted(list, { ...m, version: BASE_VERSION });
    }
  }

  async readReadings(query: SeriesQuery): Promise<StoredReading[]> {
    const list = this.series.get(`${query.plantId}|${query.metric}`) ?? [];
    const out: StoredReading[] = [];
    for (let i = lowerBound(list, query.from); i < list.length; i++) {
      const r = list[i] as StoredReading;
      if (r.ts >= query.to) break;
      if (query.line === undefined || r.line === query.line) out.push(r);
    }
    return out;
  }

  async readLastBefore(plantId: string, metric: MetricName, before: number): Promise<StoredReading[]> {
    const list = this.series.get(`${plantId}|${metric}`) ?? [];
    const last = new Map<string, StoredReading>();
    const end = lowerBound(list, before);
    for (let i = end - 1; i >= 0 && i >= end - 200; i--) {
      const r = list[i] as StoredReading;
      if (r.quality === 'GOOD' && !last.has(r.line)) last.set(r.line, r);
    }
    return [...last.values()];
  }

  async readMovements(plantId: string, from: number, to: number): Promise<StoredMovement[]> {
    const list = this.moves.get(plantId) ?? [];
    const out: StoredMovement[] = [];
    for (let i = lowerBound(list, from); i < list.length && (list[i] as StoredMovement).ts < to; i++) {
      out.push(list[i] as StoredMovement);
    }
    return out;
  }

  /** Every stored reading and movement of a plant. */
  all(plantId: string): { readings: StoredReading[]; movements: StoredMovement[] } {
    const readings: StoredReading[] = [];
    for (const [key, list] of this.series) if (key.startsWith(`${plantId}|`)) readings.push(...list);
    return { readings, movements: [...(this.moves.get(plantId) ?? [])] };
  }

  /** Daily KPIs of a plant from everything stored. */
  dailyKpis(plantId: string, from: number, to: number, timeZone = 'Asia/Almaty'): KpiPoint[] {
    const { readings, movements } = this.all(plantId);
    return computeKpis({ interval: '1d', timeZone, from, to, now: to, readings, movements });
  }
}

export interface ReplayOptions {
  /** Data time between scheduled runs (stale, stuck, day rules); default 5 minutes. */
  readonly everyMs?: number;
  /** Clock of the pipeline for a message; default its simulated send time. */
  readonly clockOf?: (message: OutgoingMessage) => number;
}

export interface ReplayResult {
  readonly transitions: readonly AlertTransition[];
  /** The alert store the replay wrote to (current alerts by key). */
  readonly alerts: MemoryAlertStore;
  readonly metrics: MemoryMetrics;
  readonly messages: number;
  readonly refusedMessages: number;
  readonly rejectedItems: number;
  /** `TYPE/subject:kind` of every transition, in order, per plant. */
  kinds(plantId?: string): string[];
  opened(type?: AlertType, plantId?: string): AlertTransition[];
}

export async function replay(
  messages: Iterable<OutgoingMessage>,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const every = options.everyMs ?? 5 * MINUTE_MS;
  const clockOf = options.clockOf ?? ((m: OutgoingMessage) => m.sendAt);
  const metrics = new MemoryMetrics();
  const alerts = new MemoryAlertStore();
  const plants = new Map<string, PlantConfig>();
  let now = 0;
  const engine = new AlertEngine({
    metrics,
    alerts,
    plants: { getPlant: async (id) => plants.get(id), listPlants: async () => [...plants.values()] },
    days: new MemoryDayProgressStore(),
    // Processed as it is sent: a message's arrival is its send time.
    clock: { now: () => now },
  });
  let next = Number.POSITIVE_INFINITY;
  let count = 0;
  let refused = 0;
  let rejected = 0;
  for (const message of messages) {
    count++;
    now = clockOf(message);
    while (next <= now) {
      await engine.scheduled(next);
      next += every;
    }
    const parsed = parseTelemetry(JSON.parse(JSON.stringify(message.body)), {
      now,
      plantId: message.plantId,
    });
    if (!parsed.ok) {
      refused++;
      continue;
    }
    rejected += parsed.rejected.length;
    const { readings, movements } = parsed.message;
    if (!plants.has(message.plantId)) plants.set(message.plantId, defaultPlantConfig(message.plantId));
    if (next === Number.POSITIVE_INFINITY) next = Math.ceil(now / every) * every;
    metrics.write(readings, movements);
    const times = [...readings.map((r) => r.ts), ...movements.map((m) => m.ts)];
    await engine.afterBatch(
      [
        {
          plantId: message.plantId,
          from: Math.min(...times),
          to: Math.max(...times) + 1,
          furnaceLines: [
            ...new Set(readings.filter((r) => r.metric === 'furnace_temperature').map((r) => r.line)),
          ],
        },
      ],
      now,
    );
  }
  if (next !== Number.POSITIVE_INFINITY) await engine.scheduled(Math.max(next, now));
  const transitions = [...alerts.history];
  return {
    transitions,
    alerts,
    metrics,
    messages: count,
    refusedMessages: refused,
    rejectedItems: rejected,
    kinds: (plantId) =>
      transitions
        .filter((t) => plantId === undefined || t.alert.plantId === plantId)
        .map((t) => `${t.alert.type}/${t.alert.subject}:${t.kind}`),
    opened: (type, plantId) =>
      transitions.filter(
        (t) =>
          t.kind === 'opened' &&
          (type === undefined || t.alert.type === type) &&
          (plantId === undefined || t.alert.plantId === plantId),
      ),
  };
}
