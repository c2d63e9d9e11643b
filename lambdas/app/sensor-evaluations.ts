/**
 * SENSOR_STALE and SENSOR_STUCK for one plant, over the last day of its
 * readings (the scheduled run's sensor checks), and the furnace lines seen,
 * which the scheduled combustion check needs.
 */
import type { AlertRuleSettings, Evaluation } from '../domain/alerts/model.ts';
import { evaluateStale, evaluateStuck } from '../domain/alerts/rules.ts';
import { METRIC_NAMES, type MetricName } from '../domain/catalog.ts';
import type { MetricsReader } from '../domain/metrics-ports.ts';
import type { PlantConfig } from '../domain/plant.ts';
import type { StoredReading } from '../domain/ports.ts';
import { DAY_MS, MINUTE_MS } from '../domain/time.ts';

export async function sensorEvaluations(
  metrics: Pick<MetricsReader, 'readReadings'>,
  plant: PlantConfig,
  settings: AlertRuleSettings,
  liveFrontier: number | undefined,
  now: number,
): Promise<{ evaluations: Evaluation[]; furnaceLines: string[] }> {
  const evaluations: Evaluation[] = [];
  const seriesSince = now - DAY_MS;
  const series: Array<{ line: string; metric: MetricName; lastGoodTs: number; firstSeenTs: number }> = [];
  const furnaceLines: string[] = [];
  for (const metric of METRIC_NAMES) {
    const recent = await metrics.readReadings({
      plantId: plant.plantId,
      metric,
      from: seriesSince,
      to: now + 1,
    });
    const byLine = new Map<string, StoredReading[]>();
    for (const r of recent) {
      const list = byLine.get(r.line);
      if (list) list.push(r);
      else byLine.set(r.line, [r]);
    }
    for (const [line, readings] of byLine) {
      if (metric === 'furnace_temperature') furnaceLines.push(line);
      const good = readings.filter((r) => r.quality === 'GOOD');
      const last = good.at(-1);
      const first = readings[0];
      if (last && first) series.push({ line, metric, lastGoodTs: last.ts, firstSeenTs: first.ts });
      const windowStart = now - settings.stuck.windowMinutes * MINUTE_MS;
      evaluations.push(
        ...evaluateStuck(
          plant.plantId,
          line,
          metric,
          readings.filter((r) => r.ts >= windowStart),
          readings.filter((r) => r.ts < windowStart),
          settings,
        ),
      );
    }
  }
  // A series "was reporting" only if the plant streamed live in that day: a backfill alone is not a stream that stopped.
  if (liveFrontier !== undefined && liveFrontier >= seriesSince) {
    evaluations.push(...evaluateStale(plant.plantId, series, now, settings));
  }
  return { evaluations, furnaceLines };
}
