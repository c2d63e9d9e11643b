/**
 * What the processor does with one message for the alert engine, without the
 * queue: store its items (version 1) and run the after-batch rules for the
 * span it touched, at arrival time `now`.
 */
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { MemoryAlertStore } from '../../lambdas/adapters/memory-alert-store.ts';
import { MemoryDayProgressStore } from '../../lambdas/adapters/memory-day-progress-store.ts';
import { AlertEngine, type AlertEngineDeps } from '../../lambdas/app/alert-engine.ts';
import type { MetricsStore } from '../../lambdas/domain/metrics-ports.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import type { TelemetryMessage } from '../../lambdas/domain/telemetry.ts';
import { FixedClock } from './memory-ports.ts';

/**
 * The alert engine of one plant (default settings unless `settingsFor`) over
 * in-memory DuckDB, alert and day-progress stores, on a clock the test moves.
 * Close `metrics` when done.
 */
export async function memoryEngine(
  plantId: string,
  now: number,
  settingsFor?: AlertEngineDeps['settingsFor'],
) {
  const clock = new FixedClock(now);
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const alerts = new MemoryAlertStore();
  const plant = defaultPlantConfig(plantId);
  const engine = new AlertEngine({
    metrics,
    alerts,
    plants: { getPlant: async () => plant, listPlants: async () => [plant] },
    days: new MemoryDayProgressStore(),
    clock,
    ...(settingsFor ? { settingsFor } : {}),
  });
  return { clock, metrics, alerts, engine };
}

export async function deliverToEngine(
  engine: AlertEngine,
  metrics: Pick<MetricsStore, 'writeReadings' | 'writeMovements'>,
  message: TelemetryMessage,
  now: number,
): Promise<void> {
  await metrics.writeReadings(message.readings.map((r) => ({ ...r, version: 1 })));
  await metrics.writeMovements(message.movements.map((m) => ({ ...m, version: 1 })));
  const times = [...message.readings.map((r) => r.ts), ...message.movements.map((m) => m.ts)];
  if (times.length === 0) return;
  const furnaceLines = [
    ...new Set(message.readings.filter((r) => r.metric === 'furnace_temperature').map((r) => r.line)),
  ];
  await engine.afterBatch(
    [{ plantId: message.plantId, from: Math.min(...times), to: Math.max(...times) + 1, furnaceLines }],
    now,
  );
}

/**
 * Collects messages of one plant as a gateway sends them: `add(readings, movements)`
 * validates each against `now` (a 30-day late horizon) and keeps the parsed message.
 */
export function messageCollector(plantId: string, now: number) {
  const messages: TelemetryMessage[] = [];
  let seq = 0;
  const add = (readings: object[], movements: object[]): void => {
    const parsed = parseTelemetry(
      { schema: 'wte.telemetry.v1', messageId: `gw:${++seq}`, plantId, readings, movements },
      { now, lateHorizonMs: 30 * 86_400_000 },
    );
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    messages.push(parsed.message);
  };
  return { messages, add };
}
