/**
 * The seeded data of the cross-store tests (cross-store.test.ts for DuckDB
 * and Timestream, test/adapters/lake/cross-store-lake.test.ts for the lake):
 * two plants in two time zones over 30 hours, a counter reset, BAD spikes,
 * late messages and corrections, queued as the processor receives them, and
 * the timeline of processor runs, rollup jobs and queries.
 */
import type { SQSRecord } from 'aws-lambda';
import { expect } from 'vitest';
import { parseTelemetry } from '../../../lambdas/domain/parse-telemetry.ts';
import { encodeQueued } from '../../../lambdas/domain/queue-codec.ts';
import type { makeProcessorHandler } from '../../../lambdas/handlers/processor.ts';
import { prng, simulateFleet } from '../../../lambdas/sim/fleet.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** 12:00 UTC; the Almaty midnight (19:00 UTC) and the Kolkata one (18:30 UTC) fall 7 hours in. */
export const START = Date.parse('2026-11-23T12:00:00Z');
export const END = START + 30 * HOUR;
export const RESET = START + 20 * HOUR;
export const AST = 'kz-ast-01';
export const ALA = 'kz-ala-01';
export const ZONES: Readonly<Record<string, string>> = { [AST]: 'Asia/Almaty', [ALA]: 'Asia/Kolkata' };
export const zoneOf = (plantId: string): string => ZONES[plantId] ?? 'Asia/Almaty';
/** After the on-time data: the processor runs, then the job (memory-store settle: 20 minutes). */
export const ON_TIME_AT = END + MINUTE;
export const FIRST_ROLLUP_AT = END + 30 * MINUTE;
export const LATE_AT = END + 40 * MINUTE;
export const QUERY_AT = END + 45 * MINUTE;
export const FINAL_ROLLUP_AT = END + 2 * HOUR;

export interface Delivery {
  readonly body: string;
  readonly late: boolean;
}

/**
 * The simulated fleet, every 5 minutes, as queued for the processor: waste_fed
 * of AST resets to 2.5 t at RESET, some waste_fed readings are BAD spikes,
 * 15 % of the messages arrive late, and corrections of counter readings come
 * with the late ones.
 */
export function deliveries(): {
  sent: Delivery[];
  corrected: Array<{ plantId: string; ts: number; metric: string }>;
} {
  const random = prng(42);
  const sent: Delivery[] = [];
  let resetBase: number | undefined;
  const corrected: Array<{ plantId: string; ts: number; metric: string }> = [];
  for (const { body } of simulateFleet({
    plants: 2,
    start: START,
    durationMs: END - START,
    intervalMs: 5 * MINUTE,
    seed: 11,
  })) {
    const readings = body.readings.map((r) => {
      const ts = r.ts as number;
      if (r.metric !== 'waste_fed') return r;
      if (body.plantId === AST && ts >= RESET) {
        resetBase ??= (r.value as number) - 2.5;
        return { ...r, value: Math.round(((r.value as number) - resetBase) * 1000) / 1000 };
      }
      return (ts / (5 * MINUTE)) % 23 === 0 ? { ...r, value: 1, quality: 'BAD' } : r;
    });
    const late = random() < 0.15;
    const receivedAt = late ? LATE_AT : body.sentAt + 5_000;
    const parsed = parseTelemetry({ ...body, readings }, { now: receivedAt, plantId: body.plantId });
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    for (const encoded of encodeQueued({ message: parsed.message, source: 'http', receivedAt }))
      sent.push({ body: encoded, late });
  }
  // Corrections of on-time counter readings, delivered with the late data.
  for (const [plantId, hours, metric, line, unit] of [
    [AST, 3, 'waste_fed', 'boiler-1', 't'],
    [ALA, 9, 'heat_exported', 'heat', 'Gcal'],
    [AST, 26, 'electricity_exported', 'turbine', 'kWh'],
  ] as const) {
    const ts = START + hours * HOUR;
    const value = 123_456.789 + hours;
    const parsed = parseTelemetry(
      {
        schema: 'wte.telemetry.v1',
        messageId: `fix-${plantId}-${hours}`,
        plantId,
        readings: [{ ts, line, metric, value, unit, correction: true }],
      },
      { now: LATE_AT, plantId },
    );
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    for (const encoded of encodeQueued({ message: parsed.message, source: 'http', receivedAt: LATE_AT }))
      sent.push({ body: encoded, late: true });
    corrected.push({ plantId, ts, metric });
  }
  return { sent, corrected };
}

let sqsIds = 0;
export async function deliver(process: ReturnType<typeof makeProcessorHandler>, bodies: readonly string[]) {
  for (let i = 0; i < bodies.length; i += 10) {
    const records = bodies.slice(i, i + 10).map((body) => ({ messageId: `m${++sqsIds}`, body }) as SQSRecord);
    expect((await process({ Records: records })).batchItemFailures).toEqual([]);
  }
}
