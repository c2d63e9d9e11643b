/**
 * The alert engine: loads what each rule needs from the stores, evaluates the
 * rules, and moves each alert through its lifecycle with conditional writes.
 * Every verdict is a function of stored data (never of the message that
 * triggered the evaluation), so redelivered, duplicated or reordered input
 * converges on the same alerts; transitions go to the outbox in the same
 * item write as the alert change and are published by the outbox relay.
 *
 * When it runs:
 * - after each processed batch, for the plants and data times the batch
 *   touched: DIVERSION_BELOW_TARGET (the touched plant-local days and the
 *   rolling 24 h) and COMBUSTION_TEMPERATURE_LOW (the touched lines);
 * - on the schedule: SENSOR_STALE, SENSOR_STUCK, reminders, and the day rules
 *   that need trailing history (LANDFILL_SPIKE, MASS_BALANCE_GAP,
 *   ENERGY_RECOVERY_DROP) for the last complete plant-local day.
 */
import { advance, remind } from '../domain/alerts/lifecycle.ts';
import { type AlertRuleSettings, DEFAULT_ALERT_RULES, type Evaluation } from '../domain/alerts/model.ts';
import {
  evaluateCombustion,
  evaluateDiversion,
  evaluateEnergyDrop,
  evaluateLandfillSpike,
  evaluateMassBalance,
  evaluateStale,
  evaluateStuck,
} from '../domain/alerts/rules.ts';
import { METRIC_NAMES, type MetricName } from '../domain/catalog.ts';
import type { KpiPoint } from '../domain/kpis.ts';
import { defaultPlantConfig, type PlantConfig } from '../domain/plant.ts';
import type { AlertStore, MetricsStore, StateStore, StoredReading } from '../domain/ports.ts';
import { bucketEnd, bucketStart, DAY_MS, MINUTE_MS } from '../domain/time.ts';
import { loadKpis, loadKpisForBuckets } from './kpi-query.ts';

export interface AlertEngineDeps {
  readonly metrics: Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'>;
  readonly alerts: AlertStore;
  readonly plants: Pick<StateStore, 'getPlant' | 'listPlants'>;
  /** Per-plant rule settings; defaults from CONTRACT.md section 6, diversion and combustion from the plant config. */
  readonly settingsFor?: (plant: PlantConfig) => AlertRuleSettings;
}

/** What a processed batch touched: a plant, the data-time span, and the lines with furnace readings. */
export interface TouchedPlant {
  readonly plantId: string;
  readonly from: number;
  readonly to: number;
  readonly furnaceLines: readonly string[];
}

export interface EngineResult {
  readonly evaluations: number;
  readonly transitions: number;
}

export function settingsFromPlant(plant: PlantConfig): AlertRuleSettings {
  return {
    ...DEFAULT_ALERT_RULES,
    diversion: {
      target: plant.diversionTarget,
      minReceivedT: plant.diversionMinReceivedT,
      deadband: plant.diversionDeadband,
    },
    combustion: {
      ...DEFAULT_ALERT_RULES.combustion,
      minTempC: plant.combustionMinTempC,
      onDelayMinutes: plant.combustionOnDelayMinutes,
    },
    stale: { afterMinutes: plant.staleAfterMinutes },
  };
}

export class AlertEngine {
  private readonly settingsFor: (plant: PlantConfig) => AlertRuleSettings;

  constructor(private readonly deps: AlertEngineDeps) {
    this.settingsFor = deps.settingsFor ?? settingsFromPlant;
  }

  private async plant(plantId: string): Promise<PlantConfig> {
    return (await this.deps.plants.getPlant(plantId)) ?? defaultPlantConfig(plantId);
  }

  /** KPIs of the plant-local days covering [from, to). */
  private dailyKpis(plant: PlantConfig, from: number, to: number, now: number): Promise<KpiPoint[]> {
    return loadKpis(this.deps.metrics, plant.plantId, '1d', plant.timeZone, from, to, now);
  }

  /** Rules that follow each processed batch. */
  async afterBatch(touched: readonly TouchedPlant[], now: number): Promise<EngineResult> {
    const evaluations: Evaluation[] = [];
    for (const t of touched) {
      const plant = await this.plant(t.plantId);
      const settings = this.settingsFor(plant);
      evaluations.push(...(await this.diversion(plant, settings, t.from, t.to, now)));
      const lookback =
        (settings.combustion.onDelayMinutes + settings.combustion.offDelayMinutes + 5) * MINUTE_MS;
      for (const line of t.furnaceLines) {
        const readings = await this.deps.metrics.readReadings({
          plantId: plant.plantId,
          metric: 'furnace_temperature',
          line,
          from: t.from - lookback,
          to: t.to + lookback,
        });
        // Judge the run at every reading the batch brought and at every later reading whose verdict it can
        // change (within the lookback): whichever batch arrives last, each instant is judged on complete data,
        // so the order of arrival does not change the outcome.
        const instants = [
          ...new Set(readings.filter((r) => r.ts >= t.from && r.ts < t.to + lookback).map((r) => r.ts)),
        ];
        for (const instant of instants.sort((a, b) => a - b)) {
          evaluations.push(...evaluateCombustion(plant.plantId, line, readings, instant, settings));
        }
      }
    }
    return this.apply(evaluations, now);
  }

  /** DIVERSION_BELOW_TARGET for the plant-local days covering [from, to) and the rolling 24 h ending with each. */
  private async diversion(
    plant: PlantConfig,
    settings: AlertRuleSettings,
    from: number,
    to: number,
    now: number,
  ): Promise<Evaluation[]> {
    const evaluations: Evaluation[] = [];
    for (const day of await this.dailyKpis(plant, from, to, now)) {
      const [rolling] = await this.rolling24h(plant, Math.min(day.end, now), now);
      evaluations.push(...evaluateDiversion(plant.plantId, day, rolling, settings, plant.timeZone));
    }
    return evaluations;
  }

  /** The rolling 24 h ending at `end`, as one KPI point. */
  private rolling24h(plant: PlantConfig, end: number, now: number): Promise<KpiPoint[]> {
    return loadKpisForBuckets(this.deps.metrics, plant.plantId, [{ start: end - DAY_MS, end }], now);
  }

  /** Scheduled rules for every plant: stale, stuck, reminders and the trailing-history day rules. */
  async scheduled(now: number): Promise<EngineResult> {
    const evaluations: Evaluation[] = [];
    let transitions = 0;
    for (const plant of await this.deps.plants.listPlants()) {
      const settings = this.settingsFor(plant);
      const seriesSince = now - DAY_MS;
      const series: Array<{ line: string; metric: MetricName; lastGoodTs: number; firstSeenTs: number }> = [];
      for (const metric of METRIC_NAMES) {
        const recent = await this.deps.metrics.readReadings({
          plantId: plant.plantId,
          metric,
          from: seriesSince,
          to: now + 1,
        });
        const byLine = new Map<string, StoredReading[]>();
        for (const r of recent) byLine.set(r.line, [...(byLine.get(r.line) ?? []), r]);
        for (const [line, readings] of byLine) {
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
      evaluations.push(...evaluateStale(plant.plantId, series, now, settings));

      const today = bucketStart(now, '1d', plant.timeZone);
      // Yesterday and today again: late or reordered data converges on the same alerts by the next run.
      evaluations.push(...(await this.diversion(plant, settings, today - DAY_MS, now + 1, now)));
      const history = await this.dailyKpis(
        plant,
        today - (settings.landfillSpike.trailingDays + 1) * DAY_MS,
        today,
        now,
      );
      // Days before the plant's first activity are not history: they would make any first tonnage a spike.
      const firstActive = history.findIndex((d) => d.received_t > 0 || d.fed_t > 0 || d.landfilled_t > 0);
      const active = firstActive < 0 ? [] : history.slice(firstActive);
      const lastComplete = active.at(-1);
      const trailing = active.slice(0, -1).filter((d) => d.complete);
      if (lastComplete && bucketEnd(lastComplete.start, '1d', plant.timeZone) === today) {
        evaluations.push(
          ...evaluateLandfillSpike(plant.plantId, lastComplete, trailing, settings, plant.timeZone),
        );
        // Without a feed totalizer (a sorting plant, or a gateway not sending waste_fed) the gap cannot be judged.
        if (lastComplete.fed_t > 0) {
          evaluations.push(...evaluateMassBalance(plant.plantId, lastComplete, settings, plant.timeZone));
        }
        evaluations.push(
          ...evaluateEnergyDrop(plant.plantId, lastComplete, trailing, settings, plant.timeZone),
        );
      }

      const open = await this.deps.alerts.listAlerts({ plantId: plant.plantId, state: 'open', limit: 500 });
      for (const alert of open.items) {
        const reminder = remind(alert, now, settings);
        if (
          reminder &&
          (await this.deps.alerts.applyTransition(reminder.next, alert.sequence, reminder.transition))
        ) {
          transitions++;
        }
      }
    }
    const applied = await this.apply(evaluations, now);
    return { evaluations: applied.evaluations, transitions: applied.transitions + transitions };
  }

  /** Moves each alert through its lifecycle; a lost race re-reads and decides again. */
  async apply(evaluations: readonly Evaluation[], _now: number): Promise<EngineResult> {
    let transitions = 0;
    const ordered = [...evaluations].sort((a, b) => a.window.end - b.window.end);
    for (const evaluation of ordered) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = await this.deps.alerts.getCurrent(
          evaluation.plantId,
          evaluation.type,
          evaluation.subject,
        );
        const settings = this.settingsFor(await this.plant(evaluation.plantId));
        const change = advance(current, evaluation, settings);
        if (!change) break;
        if (await this.deps.alerts.applyTransition(change.next, current?.sequence ?? 0, change.transition)) {
          if (change.transition) transitions++;
          break;
        }
      }
    }
    return { evaluations: evaluations.length, transitions };
  }
}
