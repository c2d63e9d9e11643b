/**
 * The scheduled run (EventBridge every few minutes; a timer in local mode):
 * stale and stuck sensors, reminders, the day rules that need trailing
 * history, yesterday's and today's diversion again (so late or reordered data
 * converges), then the outbox relay publishes what the lifecycle queued
 * (under the relay lease: docs/alert-delivery.md).
 */
import type { LeasedRelayReport } from '../adapters/alerts/leased-relay.ts';
import type { CallOptions } from '../domain/deadline.ts';
import { errorName } from '../domain/error-name.ts';
import type { Clock } from '../domain/ports.ts';
import { type InvocationContext, invocationCalls } from './invocation-deadline.ts';

export interface SchedulerDeps {
  readonly engine: {
    scheduled(now: number, options?: CallOptions): Promise<{ evaluations: number; transitions: number }>;
  };
  /** Runs the relay within the invocation's deadline (`options`; none in local mode). */
  readonly relay: (
    options?: CallOptions,
  ) => Promise<Pick<LeasedRelayReport, 'published' | 'left' | 'stoppedBy'>>;
  readonly clock: Clock;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

export function makeSchedulerHandler(deps: SchedulerDeps) {
  const log = deps.log ?? (() => {});
  return async (
    context?: InvocationContext,
  ): Promise<{ evaluations: number; transitions: number; published: number }> => {
    // One deadline for the invocation, carried by every read and the relay.
    const calls = invocationCalls(deps.clock, context);
    let result = { evaluations: 0, transitions: 0 };
    let failure: unknown;
    try {
      result = await deps.engine.scheduled(deps.clock.now(), calls);
    } catch (error) {
      failure = error;
    }
    // Publish whatever is queued even when the evaluation failed part-way.
    const report = await deps.relay(calls);
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
