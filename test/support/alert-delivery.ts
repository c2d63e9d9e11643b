/**
 * What the processor does with one message for the alert engine, without the
 * queue: store its items (version 1) and run the after-batch rules for the
 * span it touched, at arrival time `now`.
 */
import type { AlertEngine } from '../../lambdas/app/alert-engine.ts';
import type { MetricsStore } from '../../lambdas/domain/ports.ts';
import type { TelemetryMessage } from '../../lambdas/domain/telemetry.ts';

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
