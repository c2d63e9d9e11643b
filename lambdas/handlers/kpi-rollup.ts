/**
 * The scheduled KPI rollup (EventBridge every few minutes): re-rolls the
 * pending 15-minute slots that have settled (lambdas/app/kpi-query.ts,
 * docs/kpi-rollup.md). An event `{ "backfill": { "plantId", "from", "to" } }`
 * (RFC 3339 or epoch ms) first marks every slot of that range, for data
 * written before the rollup existed; scheduled events carry no `backfill`.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  backfillKpiSlots,
  type KpiRollupJobDeps,
  type KpiRollupRun,
  rollUpPendingSlots,
} from '../app/kpi-query.ts';
import type { KpiSlotMarker } from '../domain/kpi-rollup.ts';
import { PLANT_ID_PATTERN } from '../domain/telemetry.ts';
import { DAY_MS, parseTimestamp } from '../domain/time.ts';
import { invocationCalls } from './invocation-deadline.ts';

/** Longest range one backfill event may mark (about 36,000 slots). */
export const MAX_BACKFILL_DAYS = 370;

export interface KpiRollupHandlerDeps extends Omit<KpiRollupJobDeps, 'deadline'> {
  readonly marker: KpiSlotMarker;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
}

const instant = z.pipe(
  z.union([z.string(), z.number()]),
  z.transform((value: string | number, ctx) => {
    const parsed = parseTimestamp(value);
    if (!parsed.ok) {
      ctx.issues.push({ code: 'custom', message: parsed.reason, input: value });
      return z.NEVER;
    }
    return parsed.epochMs;
  }),
);

const BACKFILL = z.object({
  backfill: z
    .object({ plantId: z.string().check(z.regex(PLANT_ID_PATTERN)), from: instant, to: instant })
    .check(
      z.refine((b) => b.to > b.from && b.to - b.from <= MAX_BACKFILL_DAYS * DAY_MS, {
        error: `to must follow from by at most ${MAX_BACKFILL_DAYS} days`,
      }),
    ),
});

/** The backfill an event asks for, if it asks for one; a malformed backfill request throws. */
export function backfillOf(event: unknown): z.infer<typeof BACKFILL>['backfill'] | undefined {
  if (typeof event !== 'object' || event === null || !('backfill' in event)) return undefined;
  const parsed = BACKFILL.safeParse(event);
  if (!parsed.success)
    throw new RangeError(`invalid backfill request: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data.backfill;
}

export function makeKpiRollupHandler(deps: KpiRollupHandlerDeps) {
  const log = deps.log ?? (() => {});
  return async (
    event: unknown,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<KpiRollupRun & { marked: number }> => {
    // This invocation's deadline goes with each read: the readers serve every invocation of the process.
    const calls = invocationCalls(deps.clock, context);
    const backfill = backfillOf(event);
    const marked = backfill
      ? await backfillKpiSlots(deps.marker, backfill.plantId, backfill.from, backfill.to)
      : 0;
    const run = await rollUpPendingSlots({
      ...deps,
      ...calls,
    });
    log(run.superseded > 0 || run.deferred > 0 ? 'warn' : 'info', 'kpi rollup run', { ...run, marked });
    return { ...run, marked };
  };
}
