/**
 * The alert step after each processed batch (the alert-step function's):
 * records which plant-local days the batch's data belongs to, then judges
 * DIVERSION_BELOW_TARGET at the ticket instants of days still live and
 * COMBUSTION_TEMPERATURE_LOW on the touched lines. Days whose data came
 * after they ended (a backfill) get no day-so-far verdicts: the scheduled
 * run (scheduled-alert-engine.ts) judges them once complete.
 */
import { isLive } from '../domain/alerts/completeness.ts';
import type { CallOptions } from '../domain/deadline.ts';
import { kpiBuckets } from '../domain/kpis.ts';
import { QueryRefusedError, UnavailableError } from '../domain/ports.ts';
import type { TouchedPlant } from '../domain/touched-plants.ts';
import {
  AlertEngineBase,
  type BatchAlertDeps,
  completeness,
  type EngineResult,
} from './alert-engine-base.ts';
import { readsWithin } from './reads-within.ts';

export type { TouchedPlant } from '../domain/touched-plants.ts';

export class BatchAlertEngine extends AlertEngineBase<BatchAlertDeps> {
  /**
   * Rules that follow each processed batch; `now` is the batch's latest
   * receive time. The days the data belongs to are recorded first (a failure
   * there is thrown: the batch is redelivered). A failure while evaluating
   * leaves those days owed to the scheduled run and is not thrown, because
   * the data is stored: the plant is reported in `deferred`. Every read
   * carries `options` (the invocation's deadline).
   */
  async afterBatch(
    touched: readonly TouchedPlant[],
    now: number,
    options?: CallOptions,
  ): Promise<EngineResult> {
    const metrics = readsWithin(this.deps.metrics, options);
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
        ...days
          .filter((d) => !d.late)
          .map((day) => this.diversion(metrics, plant, settings, day, t.from, now)),
        this.combustion(metrics, plant, settings, t.furnaceLines, t.from, t.to, now),
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
}
