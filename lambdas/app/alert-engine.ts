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
import type { AlertRuleSettings, Evaluation } from '../domain/alerts/model.ts';
import type { CallOptions } from '../domain/deadline.ts';
import type { ApplyResult } from './alert-apply.ts';
import type { AlertEngineDeps, EngineResult } from './alert-engine-base.ts';
import { BatchAlertEngine, type TouchedPlant } from './batch-alert-engine.ts';
import { openAlertsByListing, ScheduledAlertEngine } from './scheduled-alert-engine.ts';

export {
  type AlertEngineDeps,
  type BatchAlertDeps,
  type EngineResult,
  type OpenAlerts,
  type ScheduledAlertDeps,
  settingsFromPlant,
} from './alert-engine-base.ts';
export type { TouchedPlant } from './batch-alert-engine.ts';

/**
 * Both steps over the same stores, for callers that run both (local mode,
 * tests). A Lambda builds only its own step: the alert step the batch engine,
 * the scheduler the scheduled one (lambdas/entry), so neither bundles the
 * other's rules.
 */
export class AlertEngine {
  private readonly batch: BatchAlertEngine;
  private readonly timer: ScheduledAlertEngine;

  constructor(deps: AlertEngineDeps) {
    this.batch = new BatchAlertEngine(deps);
    const { alerts } = deps;
    this.timer = new ScheduledAlertEngine({
      ...deps,
      alerts: {
        getCurrent: (plantId, type, subject) => alerts.getCurrent(plantId, type, subject),
        applyTransition: (next, expected, transition) => alerts.applyTransition(next, expected, transition),
        openAlerts: openAlertsByListing(alerts),
      },
    });
  }

  /** @see BatchAlertEngine.afterBatch */
  afterBatch(touched: readonly TouchedPlant[], now: number, options?: CallOptions): Promise<EngineResult> {
    return this.batch.afterBatch(touched, now, options);
  }

  /** @see ScheduledAlertEngine.scheduled */
  scheduled(now: number, options?: CallOptions): Promise<EngineResult> {
    return this.timer.scheduled(now, options);
  }

  /** @see AlertEngineBase.apply */
  apply(
    evaluations: readonly Evaluation[],
    now: number,
    known?: ReadonlyMap<string, AlertRuleSettings>,
  ): Promise<ApplyResult> {
    return this.batch.apply(evaluations, now, known);
  }
}
