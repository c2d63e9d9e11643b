/**
 * The scheduled alert step (the scheduler's): the day-so-far verdicts of live
 * days again (so late or reordered data converges), every day that has become
 * complete judged as a whole (diversion, and for the last plant-local day the
 * trailing-history rules LANDFILL_SPIKE, MASS_BALANCE_GAP,
 * ENERGY_RECOVERY_DROP), the days a failed batch evaluation left owed,
 * SENSOR_STALE, SENSOR_STUCK, reminders.
 */
import { isComplete } from '../domain/alerts/completeness.ts';
import { evaluateDiversion } from '../domain/alerts/diversion-rule.ts';
import {
  evaluateEnergyDrop,
  evaluateLandfillSpike,
  evaluateMassBalance,
} from '../domain/alerts/history-rules.ts';
import { remind } from '../domain/alerts/lifecycle.ts';
import type { Alert, AlertRuleSettings, Evaluation } from '../domain/alerts/model.ts';
import type { CallOptions } from '../domain/deadline.ts';
import { computeKpisForBuckets, type KpiPoint } from '../domain/kpis.ts';
import type { PlantConfig } from '../domain/plant.ts';
import { type AlertStore, type DayArrival, QueryRefusedError, UnavailableError } from '../domain/ports.ts';
import { bucketStart, DAY_MS, MINUTE_MS } from '../domain/time.ts';
import type { ApplyResult } from './alert-apply.ts';
import {
  AlertEngineBase,
  type AlertReads,
  completeness,
  type EngineResult,
  type OpenAlerts,
  type ScheduledAlertDeps,
} from './alert-engine-base.ts';
import { loadKpis } from './kpi-query.ts';
import { readsWithin } from './reads-within.ts';
import { sensorEvaluations } from './sensor-evaluations.ts';

/** The scheduled run re-judges this much settled data time: more than any schedule interval. */
const CATCH_UP_MS = 60 * MINUTE_MS;

export class ScheduledAlertEngine extends AlertEngineBase<ScheduledAlertDeps> {
  /** KPIs of the plant-local days covering [from, to). */
  private dailyKpis(
    metrics: AlertReads,
    plant: PlantConfig,
    from: number,
    to: number,
    now: number,
  ): Promise<KpiPoint[]> {
    return loadKpis(metrics, plant.plantId, '1d', plant.timeZone, from, to, now);
  }

  /** COMBUSTION_TEMPERATURE_LOW on every furnace line with readings in the day: what a failed batch left owed. */
  private async combustionOfDay(
    metrics: AlertReads,
    plant: PlantConfig,
    settings: AlertRuleSettings,
    day: DayArrival,
    now: number,
  ): Promise<Evaluation[]> {
    const readings = await metrics.readReadings({
      plantId: plant.plantId,
      metric: 'furnace_temperature',
      from: day.start,
      to: day.end,
    });
    const lines = [...new Set(readings.map((r) => r.line))];
    return this.combustion(metrics, plant, settings, lines, day.start, day.end, now);
  }

  /**
   * A complete day judged as a whole: its diversion, and, when it is the
   * plant's last plant-local day, the rules that compare it with its
   * trailing history.
   */
  private async completeDay(
    metrics: AlertReads,
    plant: PlantConfig,
    settings: AlertRuleSettings,
    day: DayArrival,
    now: number,
  ): Promise<Evaluation[]> {
    const movements = await metrics.readMovements(plant.plantId, day.start, day.end);
    const [point] = computeKpisForBuckets([{ start: day.start, end: day.end }], now, [], movements);
    const evaluations: Evaluation[] = point
      ? [evaluateDiversion(plant.plantId, { ...point, complete: true }, settings, plant.timeZone)]
      : [];
    const today = bucketStart(now, '1d', plant.timeZone);
    if (day.end !== today) return evaluations;
    const history = await this.dailyKpis(
      metrics,
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

  /**
   * Scheduled rules for every plant; a plant whose store is unavailable or
   * refuses a query does not stop the others. Every read carries `options`
   * (the invocation's deadline).
   */
  async scheduled(now: number, options?: CallOptions): Promise<EngineResult> {
    const metrics = readsWithin(this.deps.metrics, options);
    let evaluations = 0;
    let transitions = 0;
    let failure: Error | undefined;
    for (const plant of await this.deps.plants.listPlants()) {
      try {
        const result = await this.scheduledFor(metrics, plant, now);
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

  private async scheduledFor(metrics: AlertReads, plant: PlantConfig, now: number): Promise<ApplyResult> {
    const settings = this.settingsFor(plant);
    const progress = await this.deps.days.progress(plant.plantId);
    const { evaluations, furnaceLines } = await sensorEvaluations(
      metrics,
      plant,
      settings,
      progress.liveFrontier,
      now,
    );
    // Furnace readings that have settled since the last runs (real-time data is judged here).
    const settled = now - settings.settleMinutes * MINUTE_MS;
    evaluations.push(
      ...(await this.combustion(metrics, plant, settings, furnaceLines, settled - CATCH_UP_MS, now + 1, now)),
    );
    const complete: DayArrival[] = [];
    for (const day of progress.days) {
      if (!day.late)
        evaluations.push(...(await this.diversion(metrics, plant, settings, day, day.start, now)));
      if (day.owed > 0) evaluations.push(...(await this.combustionOfDay(metrics, plant, settings, day, now)));
      if (isComplete(day, progress, now, completeness(settings))) {
        evaluations.push(...(await this.completeDay(metrics, plant, settings, day, now)));
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

  /** Reminders for every open alert of the plant (all read first, as a reminder moves an alert in the listing). */
  private async remind(plant: PlantConfig, settings: AlertRuleSettings, now: number): Promise<number> {
    const open = await this.deps.alerts.openAlerts(plant.plantId);
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
}

/** `openAlerts` over a whole alert store's listing, page after page (local mode and tests give whole stores). */
export function openAlertsByListing(store: Pick<AlertStore, 'listAlerts'>): OpenAlerts['openAlerts'] {
  return async (plantId) => {
    const open: Alert[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listAlerts({
        plantId,
        state: 'open',
        limit: 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      open.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return open;
  };
}
