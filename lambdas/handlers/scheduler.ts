/**
 * The scheduled run (EventBridge every few minutes; a timer in local mode):
 * stale and stuck sensors, reminders, the day rules that need trailing
 * history, yesterday's and today's diversion again (so late or reordered data
 * converges), then the outbox relay publishes what the lifecycle queued
 * (under the relay lease: docs/alert-delivery.md).
 */
import type { LeasedRelayReport } from '../adapters/alerts/leased-relay.ts';
import { errorName } from '../domain/error-name.ts';
import type { Clock } from '../domain/ports.ts';

export interface SchedulerDeps {
  readonly engine: { scheduled(now: number): Promise<{ evaluations: number; transitions: number }> };
  readonly relay: () => Promise<Pick<LeasedRelayReport, 'published' | 'left' | 'stoppedBy'>>;
  readonly clock: Clock;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

export function makeSchedulerHandler(deps: SchedulerDeps) {
  const log = deps.log ?? (() => {});
  return async (): Promise<{ evaluations: number; transitions: number; published: number }> => {
    let result = { evaluations: 0, transitions: 0 };
    let failure: unknown;
    try {
      result = await deps.engine.scheduled(deps.clock.now());
    } catch (error) {
      failure = error;
    }
    // Publish whatever is queued even when the evaluation failed part-way.
    const report = await deps.relay();
    log(failure ? 'error' : 'info', 'scheduled run', {
      ...result,
      published: report.published,
      left: report.left,
      stoppedBy: report.stoppedBy,
      ...(failure ? { error: errorName(failure) } : {}),
    });
    if (failure) throw failure;
    return { ...result, published: report.published };
  };
}
