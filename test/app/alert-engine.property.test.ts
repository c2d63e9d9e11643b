/**
 * The alert engine over DuckDB and the in-process alert store: whatever order
 * and duplication the messages arrive in, once the scheduled run has passed,
 * the active (open or acknowledged) alerts are the same as when the same
 * messages arrive sorted and de-duplicated. (Whether a subject that is not
 * active has a resolved alert may differ: data of a live day that arrives
 * later than the settle delay is judged on arrival, and the day so far may
 * fire before the complete day clears it.)
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TelemetryMessage } from '../../lambdas/domain/telemetry.ts';
import { deliverToEngine, memoryEngine, messageCollector } from '../support/alert-delivery.ts';

const PLANT = 'kz-ast-01';
const DAY1 = Date.parse('2026-11-20T00:00:00+05:00');
const DAY2 = Date.parse('2026-11-21T00:00:00+05:00');
const END = Date.parse('2026-11-22T00:00:00+05:00');
const MIN = 60_000;

function messages(): TelemetryMessage[] {
  const { messages: out, add } = messageCollector(PLANT, END);
  for (const [day, landfilled] of [
    [DAY1, 7],
    [DAY2, 2],
  ] as const) {
    for (let i = 0; i < 10; i++) {
      const ts = day + (8 * 60 + i * 30) * MIN;
      add([], [{ ticketId: `I-${day}-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' }]);
      if (i < landfilled) {
        add(
          [],
          [
            {
              ticketId: `O-${day}-${i}`,
              ts: day + (20 * 60 + i * 10) * MIN,
              direction: 'out',
              netTonnes: 10,
              material: 'rejects',
              destination: 'landfill',
            },
          ],
        );
      }
    }
  }
  const start = DAY2 + 14 * 60 * MIN;
  for (let m = 0; m < 40; m += 4) {
    const readings = [0, 1, 2, 3].map((k) => ({
      ts: start + (m + k) * MIN,
      line: 'boiler-1',
      metric: 'furnace_temperature',
      value: m + k >= 10 && m + k < 20 ? 810 + k : 930 + k,
    }));
    add(readings, []);
  }
  return out;
}

async function finalStates(order: readonly TelemetryMessage[]): Promise<string[]> {
  const { clock, metrics, alerts, engine } = await memoryEngine(PLANT, END);
  try {
    for (const message of order) {
      // Delivered as a backfill, later than the settle delay: every instant is judged on arrival.
      await deliverToEngine(engine, metrics, message, END);
    }
    // Past the quiet period after the upload, so the backfilled days are complete.
    clock.current = END + 10 * MIN;
    await engine.scheduled(clock.now());
    const { items } = await alerts.listAlerts({ limit: 1000 });
    const latest = new Map<string, { state: string; openedAt: number }>();
    for (const a of items) {
      if (a.type === 'SENSOR_STALE' || a.type === 'SENSOR_STUCK') continue;
      if (a.state === 'resolved') continue;
      const key = `${a.type}/${a.subject}`;
      const seen = latest.get(key);
      if (!seen || a.openedAt > seen.openedAt) latest.set(key, a);
    }
    return [...latest.entries()].map(([k, a]) => `${k}:${a.state}`).sort();
  } finally {
    await metrics.close();
  }
}

describe('alert engine', () => {
  const sent = messages();

  it('reaches the same current alert states for any order and duplication of the messages', async () => {
    const sorted = await finalStates(sent);
    expect(sorted).toEqual(['DIVERSION_BELOW_TARGET/day/2026-11-20:open']);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(sent, { minLength: sent.length }),
        fc.array(fc.nat({ max: sent.length - 1 }), { maxLength: 10 }),
        async (shuffled, duplicates) => {
          const delivered = [...shuffled];
          for (const i of duplicates) delivered.splice(i, 0, shuffled[i] as TelemetryMessage);
          expect(await finalStates(delivered)).toEqual(sorted);
        },
      ),
      { numRuns: 12, seed: 20261124 },
    );
  });
});
