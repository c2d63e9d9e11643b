/**
 * What the alert engine's two steps share (batch-alert-engine.ts after each
 * processed batch, scheduled-alert-engine.ts on the timer): the stores, the
 * plant's rule settings, the live-day judgements both run (diversion so far,
 * combustion) and applying verdicts (alert-apply.ts). Split so the alert step
 * bundles none of the scheduled rules (docs/bundles.md).
 */

import { evaluateCombustionAt } from '../domain/alerts/combustion-rule.ts';
import type { CompletenessSettings } from '../domain/alerts/completeness.ts';
import { evaluateDiversionCheckpoints } from '../domain/alerts/diversion-rule.ts';
import {
  type Alert,
  type AlertRuleSettings,
  DEFAULT_ALERT_RULES,
  type Evaluation,
} from '../domain/alerts/model.ts';
import type { MetricsReader } from '../domain/metrics-ports.ts';
import { defaultPlantConfig, type PlantConfig } from '../domain/plant.ts';
import type { AlertStore, Clock, DayProgressStore, StateStore, StoredReading } from '../domain/ports.ts';
import { MINUTE_MS } from '../domain/time.ts';
import { type ApplyResult, applyEvaluations } from './alert-apply.ts';

/**
 * What both steps read and write. Each step names the store methods it calls
 * (BatchAlertDeps, ScheduledAlertDeps), so a Lambda can be given stores that
 * hold only those (a class keeps every method it has: docs/bundles.md).
 */
/** The metrics reads the rules make; each call binds its deadline to them (reads-within.ts). */
export type AlertReads = Pick<MetricsReader, 'readReadings' | 'readLastBefore' | 'readMovements'>;

export interface AlertEngineBaseDeps {
  readonly metrics: AlertReads;
  readonly alerts: Pick<AlertStore, 'getCurrent' | 'applyTransition'>;
  readonly plants: Pick<StateStore, 'getPlant' | 'listPlants'>;
  /** Per-plant rule settings; defaults from docs/contract.md section 6, diversion and combustion from the plant config. */
  readonly settingsFor?: (plant: PlantConfig) => AlertRuleSettings;
}

/** The batch step's stores: it records what arrived and, when judging fails, what is owed. */
export interface BatchAlertDeps extends AlertEngineBaseDeps {
  /** What has arrived of each plant-local day, and the plant's data frontier. */
  readonly days: Pick<DayProgressStore, 'recordArrival' | 'owe'>;
  /** When data is recorded as arrived: processing time, so a queue backlog does not make a day look quiet. */
  readonly clock: Clock;
}

/** Every open alert of a plant, all of them: the reminders read them all before moving any. */
export interface OpenAlerts {
  openAlerts(plantId: string): Promise<Alert[]>;
}

/** The scheduled step's stores: it reads the days' progress, settles them, and reminds of open alerts. */
export interface ScheduledAlertDeps extends AlertEngineBaseDeps {
  readonly alerts: Pick<AlertStore, 'getCurrent' | 'applyTransition'> & OpenAlerts;
  readonly days: Pick<DayProgressStore, 'progress' | 'settle' | 'paid'>;
}

/** Both steps' stores (AlertEngine: local mode and tests), the whole ports: the open alerts come from the listing. */
export interface AlertEngineDeps extends BatchAlertDeps {
  readonly alerts: Pick<AlertStore, 'getCurrent' | 'applyTransition' | 'listAlerts'>;
  readonly days: Pick<DayProgressStore, 'recordArrival' | 'owe' | 'progress' | 'settle' | 'paid'>;
}

export interface EngineResult extends ApplyResult {
  /** Plants whose evaluation failed after their data's arrival was recorded: owed to the scheduled run. */
  readonly deferred?: readonly string[];
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
    dayCompleteAfterMinutes: plant.dayCompleteAfterMinutes ?? DEFAULT_ALERT_RULES.dayCompleteAfterMinutes,
  };
}

export const completeness = (settings: AlertRuleSettings): CompletenessSettings => ({
  settleMinutes: settings.settleMinutes,
  quietMinutes: settings.dayCompleteAfterMinutes,
});

export abstract class AlertEngineBase<D extends AlertEngineBaseDeps = AlertEngineBaseDeps> {
  protected readonly settingsFor: (plant: PlantConfig) => AlertRuleSettings;

  constructor(protected readonly deps: D) {
    this.settingsFor = deps.settingsFor ?? settingsFromPlant;
  }

  protected async plant(plantId: string): Promise<PlantConfig> {
    return (await this.deps.plants.getPlant(plantId)) ?? defaultPlantConfig(plantId);
  }

  /**
   * COMBUSTION_TEMPERATURE_LOW of each of `lines` at every reading in
   * [from, to) and every later reading whose verdict those can change (within
   * the on- and off-delays), up to `now - settleMinutes`. An instant is judged
   * on the readings around it, all of which have arrived once it is settled,
   * so the order of arrival does not change the outcome. One read for all
   * the lines (the alert step of a batch runs for every plant at once).
   */
  protected async combustion(
    metrics: AlertReads,
    plant: PlantConfig,
    settings: AlertRuleSettings,
    lines: readonly string[],
    from: number,
    to: number,
    now: number,
  ): Promise<Evaluation[]> {
    const upTo = now - settings.settleMinutes * MINUTE_MS;
    const lookback =
      (settings.combustion.onDelayMinutes + settings.combustion.offDelayMinutes + 5) * MINUTE_MS;
    const last = Math.min(to + lookback - 1, upTo);
    if (from > last || lines.length === 0) return [];
    const readings = await metrics.readReadings({
      plantId: plant.plantId,
      metric: 'furnace_temperature',
      ...(lines.length === 1 ? { line: lines[0] } : {}),
      from: from - lookback,
      to: last + 1,
    });
    const byLine = new Map<string, StoredReading[]>(lines.map((line) => [line, []]));
    for (const r of readings) byLine.get(r.line)?.push(r);
    return [...byLine].flatMap(([line, ofLine]) => {
      const times = ofLine.filter((r) => r.ts >= from && r.ts <= last).map((r) => r.ts);
      const instants = [...new Set(times)].sort((a, b) => a - b);
      return evaluateCombustionAt(plant.plantId, line, ofLine, instants, settings);
    });
  }

  /**
   * DIVERSION_BELOW_TARGET on a live day: the day so far at each of its
   * ticket instants from `from`, up to `now - settleMinutes`.
   */
  protected async diversion(
    metrics: AlertReads,
    plant: PlantConfig,
    settings: AlertRuleSettings,
    day: { readonly start: number; readonly end: number },
    from: number,
    now: number,
  ): Promise<Evaluation[]> {
    const upTo = now - settings.settleMinutes * MINUTE_MS;
    if (Math.max(from, day.start) > upTo) return [];
    const movements = await metrics.readMovements(plant.plantId, day.start, day.end);
    return evaluateDiversionCheckpoints(
      plant.plantId,
      day,
      movements,
      { from, upTo },
      settings,
      plant.timeZone,
    );
  }

  /** Applies verdicts (alert-apply.ts), reading each plant's configuration once per call. */
  async apply(
    evaluations: readonly Evaluation[],
    _now: number,
    /** Settings the caller has just read, so they are not read again. */
    known: ReadonlyMap<string, AlertRuleSettings> = new Map(),
  ): Promise<ApplyResult> {
    const settings = new Map<string, Promise<AlertRuleSettings>>();
    const settingsOf = (plantId: string): Promise<AlertRuleSettings> => {
      const given = known.get(plantId);
      if (given) return Promise.resolve(given);
      let pending = settings.get(plantId);
      if (!pending) {
        pending = this.plant(plantId).then((plant) => this.settingsFor(plant));
        settings.set(plantId, pending);
        // A failed read is not kept: the next group asks again.
        pending.catch(() => settings.delete(plantId));
      }
      return pending;
    };
    return applyEvaluations(this.deps.alerts, evaluations, settingsOf);
  }
}
