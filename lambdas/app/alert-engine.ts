/**
 * The alert engine: loads what each rule needs from the stores, evaluates the
 * rules, and moves each alert through its lifecycle (alert-apply.ts). Every
 * verdict is a function of stored data (never of the message that triggered
 * the evaluation), so redelivered, duplicated or reordered input converges on
 * the same alerts; transitions go to the outbox in the same item write as the
 * alert change and are published by the outbox relay.
 *
 * Days are judged on complete data (docs/alert-completeness.md): each batch
 * records which plant-local days its data belongs to, when it arrived and the
 * plant's data frontier (DayProgressStore).
 * - after each processed batch: DIVERSION_BELOW_TARGET at the ticket instants
 *   of days still live (the day so far, older than the settle delay) and
 *   COMBUSTION_TEMPERATURE_LOW on the touched lines. Days whose data came
 *   after they ended (a backfill) get no day-so-far verdicts at all.
 * - on the schedule: the day-so-far verdicts of live days again (so late or
 *   reordered data converges), every day that has become complete judged as
 *   a whole (diversion, and for the last plant-local day the trailing-history
 *   rules LANDFILL_SPIKE, MASS_BALANCE_GAP, ENERGY_RECOVERY_DROP), the days a
 *   failed batch evaluation left owed, SENSOR_STALE, SENSOR_STUCK, reminders.
 */
import { type CompletenessSettings, isComplete, isLive } from '../domain/alerts/completeness.ts';
import { remind } from '../domain/alerts/lifecycle.ts';
import {
  type Alert,
  type AlertRuleSettings,
  DEFAULT_ALERT_RULES,
  type Evaluation,
} from '../domain/alerts/model.ts';
import {
  evaluateCombustionAt,
  evaluateDiversion,
  evaluateDiversionCheckpoints,
  evaluateEnergyDrop,
  evaluateLandfillSpike,
  evaluateMassBalance,
} from '../domain/alerts/rules.ts';
import { computeKpisForBuckets, type KpiPoint, kpiBuckets } from '../domain/kpis.ts';
import { defaultPlantConfig, type PlantConfig } from '../domain/plant.ts';
import {
  type AlertStore,
  type Clock,
  type DayArrival,
  type DayProgressStore,
  type MetricsStore,
  QueryRefusedError,
  type StateStore,
  UnavailableError,
} from '../domain/ports.ts';
import { bucketStart, DAY_MS, MINUTE_MS } from '../domain/time.ts';
import { type ApplyResult, applyEvaluations } from './alert-apply.ts';
import { loadKpis } from './kpi-query.ts';
import { sensorEvaluations } from './sensor-evaluations.ts';

/** The scheduled run re-judges this much settled data time: more than any schedule interval. */
const CATCH_UP_MS = 60 * MINUTE_MS;

export interface AlertEngineDeps {
  readonly metrics: Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements'>;
  readonly alerts: AlertStore;
  readonly plants: Pick<StateStore, 'getPlant' | 'listPlants'>;
  /** What has arrived of each plant-local day, and the plant's data frontier. */
  readonly days: DayProgressStore;
  /** When data is recorded as arrived: processing time, so a queue backlog does not make a day look quiet. */
  readonly clock: Clock;
  /** Per-plant rule settings; defaults from CONTRACT.md section 6, diversion and combustion from the plant config. */
  readonly settingsFor?: (plant: PlantConfig) => AlertRuleSettings;
}

/** What a processed batch touched: a plant, the data-time span, and the lines with furnace readings. */
export interface TouchedPlant {
  readonly plantId: string;
  readonly from: number;
  readonly to: number;
  readonly furnaceLines: readonly string[];
  /**
   * The data-time spans of the batch's messages, each [from, to): only the
   * days these touch are recorded as arrived (one old reading in a live batch
   * must not mark the week in between). Default: [from, to).
   */
  readonly spans?: ReadonlyArray<{ readonly from: number; readonly to: number }>;
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

const completeness = (settings: AlertRuleSettings): CompletenessSettings => ({
  settleMinutes: settings.settleMinutes,
  quietMinutes: settings.dayCompleteAfterMinutes,
});

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

  /**
   * Rules that follow each processed batch; `now` is the batch's latest
   * receive time. The days the data belongs to are recorded first (a failure
   * there is thrown: the batch is redelivered). A failure while evaluating
   * leaves those days owed to the scheduled run and is not thrown, because
   * the data is stored: the plant is reported in `deferred`.
   */
  async afterBatch(touched: readonly TouchedPlant[], now: number): Promise<EngineResult> {
    let evaluations = 0;
    let transitions = 0;
    const deferred: string[] = [];
    for (const t of touched) {
      const plant = await this.plant(t.plantId);
      const settings = this.settingsFor(plant);
      const touchedDays = new Map<number, { start: number; end: number }>();
      for (const span of t.spans ?? [t]) {
        for (const day of kpiBuckets('1d', plant.timeZone, span.from, span.to))
          touchedDays.set(day.start, day);
      }
      const days = [...touchedDays.values()]
        .sort((a, b) => a.start - b.start)
        .map((day) => ({ start: day.start, end: day.end, late: !isLive(day, now, completeness(settings)) }));
      const frontier = t.to - 1;
      // The frontier arrived live when its own day is still live: the plant is streaming, not uploading a past day.
      const live = days.some((d) => !d.late && frontier >= d.start && frontier < d.end);
      // The arrival is recorded while the rules read (both only read or write their own items); verdicts
      // are applied once it is recorded, so a batch whose arrival fails is redelivered before any change.
      const recorded = this.deps.days.recordArrival(t.plantId, days, this.deps.clock.now(), frontier, live);
      const reading = Promise.all([
        ...days.filter((d) => !d.late).map((day) => this.diversion(plant, settings, day, t.from, now)),
        ...t.furnaceLines.map((line) => this.combustion(plant, settings, line, t.from, t.to, now)),
      ]);
      const [arrival, found] = await Promise.allSettled([recorded, reading]);
      if (arrival.status === 'rejected') throw arrival.reason;
      try {
        if (found.status === 'rejected') throw found.reason;
        const applied = await this.apply(found.value.flat(), now, new Map([[plant.plantId, settings]]));
        evaluations += applied.evaluations;
        transitions += applied.transitions;
      } catch (error) {
        // The data is stored: a store that is down, or refuses a query for good (a lake permission), only
        // defers the judgement to the scheduled run, never fails the batch into redelivery.
        if (!(error instanceof UnavailableError || error instanceof QueryRefusedError)) throw error;
        await this.deps.days.owe(t.plantId, days);
        deferred.push(t.plantId);
      }
    }
    return { evaluations, transitions, ...(deferred.length > 0 ? { deferred } : {}) };
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
    const times = readings.filter((r) => r.ts >= from && r.ts <= last).map((r) => r.ts);
    const instants = [...new Set(times)].sort((a, b) => a - b);
    return evaluateCombustionAt(plant.plantId, line, readings, instants, settings);
  }

  /** COMBUSTION_TEMPERATURE_LOW on every furnace line with readings in the day: what a failed batch left owed. */
  private async combustionOfDay(
    plant: PlantConfig,
    settings: AlertRuleSettings,
    day: DayArrival,
    now: number,
  ): Promise<Evaluation[]> {
    const readings = await this.deps.metrics.readReadings({
      plantId: plant.plantId,
      metric: 'furnace_temperature',
      from: day.start,
      to: day.end,
    });
    const evaluations: Evaluation[] = [];
    for (const line of new Set(readings.map((r) => r.line))) {
      evaluations.push(...(await this.combustion(plant, settings, line, day.start, day.end, now)));
    }
    return evaluations;
  }

  /**
   * DIVERSION_BELOW_TARGET on a live day: the day so far at each of its
   * ticket instants from `from`, up to `now - settleMinutes`.
   */
  private async diversion(
    plant: PlantConfig,
    settings: AlertRuleSettings,
    day: { readonly start: number; readonly end: number },
    from: number,
    now: number,
  ): Promise<Evaluation[]> {
    const upTo = now - settings.settleMinutes * MINUTE_MS;
    if (Math.max(from, day.start) > upTo) return [];
    const movements = await this.deps.metrics.readMovements(plant.plantId, day.start, day.end);
    return evaluateDiversionCheckpoints(
      plant.plantId,
      day,
      movements,
      { from, upTo },
      settings,
      plant.timeZone,
    );
  }

  /**
   * A complete day judged as a whole: its diversion, and, when it is the
   * plant's last plant-local day, the rules that compare it with its
   * trailing history.
   */
  private async completeDay(
    plant: PlantConfig,
    settings: AlertRuleSettings,
    day: DayArrival,
    now: number,
  ): Promise<Evaluation[]> {
    const movements = await this.deps.metrics.readMovements(plant.plantId, day.start, day.end);
    const [point] = computeKpisForBuckets([{ start: day.start, end: day.end }], now, [], movements);
    const evaluations: Evaluation[] = point
      ? [evaluateDiversion(plant.plantId, { ...point, complete: true }, settings, plant.timeZone)]
      : [];
    const today = bucketStart(now, '1d', plant.timeZone);
    if (day.end !== today) return evaluations;
    const history = await this.dailyKpis(
      plant,
      today - (settings.landfillSpike.trailingDays + 1) * DAY_MS,
      today,
      now,
    );
    // Days before the plant's first activity are not history: they would make any first tonnage a spike.
    const firstActive = history.findIndex((d) => d.received_t > 0 || d.fed_t > 0 || d.landfilled_t > 0);
    const active = firstActive < 0 ? [] : history.slice(firstActive);
    const last = active.at(-1);
    if (!last || last.start !== day.start) return evaluations;
    const judged = { ...last, complete: true };
    const trailing = active.slice(0, -1).filter((d) => d.complete);
    evaluations.push(...evaluateLandfillSpike(plant.plantId, judged, trailing, settings, plant.timeZone));
    // Without a feed totalizer (a sorting plant, or a gateway not sending waste_fed) the gap cannot be judged.
    if (judged.fed_t > 0) {
      evaluations.push(...evaluateMassBalance(plant.plantId, judged, settings, plant.timeZone));
    }
    evaluations.push(...evaluateEnergyDrop(plant.plantId, judged, trailing, settings, plant.timeZone));
    return evaluations;
  }

  /** Scheduled rules for every plant; a plant whose store is unavailable or refuses a query does not stop the others. */
  async scheduled(now: number): Promise<EngineResult> {
    let evaluations = 0;
    let transitions = 0;
    let failure: Error | undefined;
    for (const plant of await this.deps.plants.listPlants()) {
      try {
        const result = await this.scheduledFor(plant, now);
        evaluations += result.evaluations;
        transitions += result.transitions;
      } catch (error) {
        if (!(error instanceof UnavailableError || error instanceof QueryRefusedError)) throw error;
        failure ??= error;
      }
    }
    if (failure) throw failure;
    return { evaluations, transitions };
  }

  private async scheduledFor(plant: PlantConfig, now: number): Promise<ApplyResult> {
    const settings = this.settingsFor(plant);
    const progress = await this.deps.days.progress(plant.plantId);
    const { evaluations, furnaceLines } = await sensorEvaluations(
      this.deps.metrics,
      plant,
      settings,
      progress.liveFrontier,
      now,
    );
    // Furnace readings that have settled since the last runs (real-time data is judged here).
    const settled = now - settings.settleMinutes * MINUTE_MS;
    for (const line of furnaceLines) {
      evaluations.push(
        ...(await this.combustion(plant, settings, line, settled - CATCH_UP_MS, now + 1, now)),
      );
    }
    const complete: DayArrival[] = [];
    for (const day of progress.days) {
      if (!day.late) evaluations.push(...(await this.diversion(plant, settings, day, day.start, now)));
      if (day.owed > 0) evaluations.push(...(await this.combustionOfDay(plant, settings, day, now)));
      if (isComplete(day, progress, now, completeness(settings))) {
        evaluations.push(...(await this.completeDay(plant, settings, day, now)));
        complete.push(day);
      }
    }
    const applied = await this.apply(evaluations, now);
    // Only once every verdict about them is stored are the days forgotten (or their debt cleared).
    for (const day of progress.days) {
      if (complete.includes(day)) await this.deps.days.settle(day);
      else if (day.owed > 0) await this.deps.days.paid(day);
    }
    return {
      evaluations: applied.evaluations,
      transitions: applied.transitions + (await this.remind(plant, settings, now)),
    };
  }

  /** Reminders for every open alert of the plant: all pages are read first, as a reminder moves an alert in the listing. */
  private async remind(plant: PlantConfig, settings: AlertRuleSettings, now: number): Promise<number> {
    const open: Alert[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.alerts.listAlerts({
        plantId: plant.plantId,
        state: 'open',
        limit: 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      open.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    let transitions = 0;
    for (const alert of open) {
      const reminder = remind(alert, now, settings);
      if (
        reminder &&
        (await this.deps.alerts.applyTransition(reminder.next, alert.sequence, reminder.transition))
      ) {
        transitions++;
      }
    }
    return transitions;
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
