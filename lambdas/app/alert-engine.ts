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
 *   touched: DIVERSION_BELOW_TARGET (the ticket instants of the touched
 *   plant-local days that are older than the settle delay, so late tickets
 *   are judged at once) and COMBUSTION_TEMPERATURE_LOW (the touched lines);
 * - on the schedule: DIVERSION_BELOW_TARGET for yesterday and today up to
 *   the settle delay (how real-time tickets get judged), SENSOR_STALE,
 *   SENSOR_STUCK, reminders, and the day rules that need trailing history
 *   (LANDFILL_SPIKE, MASS_BALANCE_GAP, ENERGY_RECOVERY_DROP) for the last
 *   complete plant-local day.
 */
import { advance, remind } from '../domain/alerts/lifecycle.ts';
import { type AlertRuleSettings, DEFAULT_ALERT_RULES, type Evaluation } from '../domain/alerts/model.ts';
import {
  evaluateCombustion,
  evaluateDiversionCheckpoints,
  evaluateEnergyDrop,
  evaluateLandfillSpike,
  evaluateMassBalance,
  evaluateStale,
  evaluateStuck,
} from '../domain/alerts/rules.ts';
import { METRIC_NAMES, type MetricName } from '../domain/catalog.ts';
import { type KpiPoint, kpiBuckets } from '../domain/kpis.ts';
import { defaultPlantConfig, type PlantConfig } from '../domain/plant.ts';
import {
  type AlertStore,
  type MetricsStore,
  type StateStore,
  type StoredReading,
  UnavailableError,
} from '../domain/ports.ts';
import { bucketEnd, bucketStart, DAY_MS, MINUTE_MS } from '../domain/time.ts';
import { loadKpis } from './kpi-query.ts';

/** The scheduled run re-judges this much settled data time: more than any schedule interval. */
const CATCH_UP_MS = 60 * MINUTE_MS;

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
      ...DEFAULT_ALERT_RULES.diversion,
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
      for (const line of t.furnaceLines) {
        evaluations.push(...(await this.combustion(plant, settings, line, t.from, t.to, now)));
      }
    }
    return this.apply(evaluations, now);
  }

  /**
   * COMBUSTION_TEMPERATURE_LOW of one line at every reading in [from, to) and
   * every later reading whose verdict those can change (within the on- and
   * off-delays), up to `now - settleMinutes`. An instant is judged on the
   * readings around it, all of which have arrived once it is settled, so the
   * order of arrival does not change the outcome.
   */
  private async combustion(
    plant: PlantConfig,
    settings: AlertRuleSettings,
    line: string,
    from: number,
    to: number,
    now: number,
  ): Promise<Evaluation[]> {
    const upTo = now - settings.settleMinutes * MINUTE_MS;
    const lookback =
      (settings.combustion.onDelayMinutes + settings.combustion.offDelayMinutes + 5) * MINUTE_MS;
    const last = Math.min(to + lookback - 1, upTo);
    if (from > last) return [];
    const readings = await this.deps.metrics.readReadings({
      plantId: plant.plantId,
      metric: 'furnace_temperature',
      line,
      from: from - lookback,
      to: last + 1,
    });
    const instants = [...new Set(readings.filter((r) => r.ts >= from && r.ts <= last).map((r) => r.ts))];
    return instants
      .sort((a, b) => a - b)
      .flatMap((instant) => evaluateCombustion(plant.plantId, line, readings, instant, settings));
  }

  /**
   * DIVERSION_BELOW_TARGET at the ticket instants in [from, to) and every
   * later instant of the same plant-local days (the day so far includes the
   * earlier tickets), up to `now - settleMinutes`.
   */
  private async diversion(
    plant: PlantConfig,
    settings: AlertRuleSettings,
    from: number,
    to: number,
    now: number,
  ): Promise<Evaluation[]> {
    const upTo = now - settings.settleMinutes * MINUTE_MS;
    if (from > upTo) return [];
    const evaluations: Evaluation[] = [];
    for (const day of kpiBuckets('1d', plant.timeZone, from, Math.min(to, upTo + 1))) {
      const movements = await this.deps.metrics.readMovements(plant.plantId, day.start, day.end);
      evaluations.push(
        ...evaluateDiversionCheckpoints(
          plant.plantId,
          day,
          movements,
          { from, upTo },
          settings,
          plant.timeZone,
        ),
      );
    }
    return evaluations;
  }

  /** Scheduled rules for every plant: stale, stuck, reminders and the trailing-history day rules. */
  async scheduled(now: number): Promise<EngineResult> {
    const evaluations: Evaluation[] = [];
    let transitions = 0;
    for (const plant of await this.deps.plants.listPlants()) {
      const settings = this.settingsFor(plant);
      const seriesSince = now - DAY_MS;
      const series: Array<{ line: string; metric: MetricName; lastGoodTs: number; firstSeenTs: number }> = [];
      const furnaceLines: string[] = [];
      for (const metric of METRIC_NAMES) {
        const recent = await this.deps.metrics.readReadings({
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
      evaluations.push(...evaluateStale(plant.plantId, series, now, settings));
      // Furnace readings that have settled since the last runs (real-time data is judged here).
      const settled = now - settings.settleMinutes * MINUTE_MS;
      for (const line of furnaceLines) {
        evaluations.push(
          ...(await this.combustion(plant, settings, line, settled - CATCH_UP_MS, now + 1, now)),
        );
      }

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

  /**
   * Moves each alert through its lifecycle. The verdicts about one (plant,
   * type, subject) are folded in data-time order over its current alert, read
   * once: every transition is one conditional write (with its outbox entry),
   * in-place updates are written once at the end. A lost race (another writer
   * moved the alert) re-reads and folds the same verdicts again; verdicts
   * already applied change nothing the second time.
   */
  async apply(evaluations: readonly Evaluation[], _now: number): Promise<EngineResult> {
    const groups = new Map<string, Evaluation[]>();
    for (const evaluation of evaluations) {
      const key = JSON.stringify([evaluation.plantId, evaluation.type, evaluation.subject]);
      const group = groups.get(key);
      if (group) group.push(evaluation);
      else groups.set(key, [evaluation]);
    }
    // One configuration read per plant and run, not one per alert subject.
    const settings = new Map<string, Promise<AlertRuleSettings>>();
    const settingsOf = (plantId: string): Promise<AlertRuleSettings> => {
      let pending = settings.get(plantId);
      if (!pending) {
        pending = this.plant(plantId).then((plant) => this.settingsFor(plant));
        settings.set(plantId, pending);
        // A failed read is not kept: the next group asks again.
        pending.catch(() => settings.delete(plantId));
      }
      return pending;
    };
    let transitions = 0;
    let unavailable: UnavailableError | undefined;
    for (const group of groups.values()) {
      // A store outage for one subject does not stop the others: under throttling every run then
      // makes progress (each subject is independent and idempotent), and the caller still hears
      // of the failure, so a batch is redelivered and a scheduled run counts as failed.
      try {
        transitions += await this.applyGroup(
          group.sort((a, b) => a.window.end - b.window.end),
          settingsOf,
        );
      } catch (error) {
        if (!(error instanceof UnavailableError)) throw error;
        unavailable ??= error;
      }
    }
    if (unavailable) throw unavailable;
    return { evaluations: evaluations.length, transitions };
  }

  private async applyGroup(
    group: readonly Evaluation[],
    settingsOf: (plantId: string) => Promise<AlertRuleSettings>,
  ): Promise<number> {
    const [first] = group;
    if (!first) return 0;
    const settings = await settingsOf(first.plantId);
    let transitions = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.deps.alerts.getCurrent(first.plantId, first.type, first.subject);
      let sequence = stored?.sequence ?? 0;
      let current = stored;
      let unwritten = false;
      let lost = false;
      for (const evaluation of group) {
        const change = advance(current, evaluation, settings);
        if (!change) continue;
        if (!change.transition) {
          current = change.next;
          unwritten = true;
          continue;
        }
        if (!(await this.deps.alerts.applyTransition(change.next, sequence, change.transition))) {
          lost = true;
          break;
        }
        transitions++;
        current = change.next;
        sequence = change.next.sequence;
        unwritten = false;
      }
      if (!lost && unwritten && current) lost = !(await this.deps.alerts.applyTransition(current, sequence));
      if (!lost) break;
    }
    return transitions;
  }
}
