/**
 * Redelivered and reordered input gives the same transitions. Messages reach
 * the processor late by any delay shorter than the settle delay (so their
 * arrival order is any interleaving that delay allows), some more than once;
 * scheduled runs happen every 10 minutes of wall time. The transitions queued
 * (alert id, kind, window) equal those of in-order, once-only delivery.
 *
 * The day's tickets alternate in and out every few minutes around the
 * diversion target, so judging a day on whatever had arrived (settle delay 0)
 * does change transitions: the last test shows this input would catch it.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settingsFromPlant } from '../../lambdas/app/alert-engine.ts';
import type { TelemetryMessage } from '../../lambdas/domain/telemetry.ts';
import { deliverToEngine, memoryEngine, messageCollector } from '../support/alert-delivery.ts';

const PLANT = 'kz-ast-01';
const DAY = Date.parse('2026-11-20T00:00:00+05:00');
const MIN = 60_000;
const SETTLE_MIN = 5;

/** Tickets every 3 minutes from 08:00: in 10 t, and an out ticket to landfill whose size makes the rate swing around 40 %. */
function messages(): TelemetryMessage[] {
  const { messages: out, add } = messageCollector(PLANT, DAY + 2 * 86_400_000);
  const landfill = [9, 3, 8, 4, 7, 5, 9, 2, 6, 8, 3, 7];
  for (let i = 0; i < 40; i++) {
    const ts = DAY + (8 * 60 + i * 3) * MIN;
    add([], [{ ticketId: `I-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' }]);
    const t = landfill[i % landfill.length] as number;
    add(
      [],
      [
        {
          ticketId: `O-${i}`,
          ts: ts + MIN,
          direction: 'out',
          netTonnes: t,
          material: 'rejects',
          destination: 'landfill',
        },
      ],
    );
  }
  // The next day recovers: 100 t in, 20 t landfilled.
  for (let i = 0; i < 10; i++) {
    const ts = DAY + 86_400_000 + (8 * 60 + i * 3) * MIN;
    add([], [{ ticketId: `J-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' }]);
    add(
      [],
      [
        {
          ticketId: `P-${i}`,
          ts: ts + MIN,
          direction: 'out',
          netTonnes: 2,
          material: 'rejects',
          destination: 'landfill',
        },
      ],
    );
  }
  // A furnace dip of 10 minutes at 09:00 on one line.
  for (let m = 0; m < 30; m++) {
    add(
      [
        {
          ts: DAY + (9 * 60 + m) * MIN,
          line: 'boiler-1',
          metric: 'furnace_temperature',
          value: m >= 5 && m < 15 ? 820 : 930,
        },
      ],
      [],
    );
  }
  return out;
}

/** Scheduled runs every 10 minutes while data flows (08:00-11:00 of each day), and after the second day. */
const SCHEDULE = [
  ...Array.from({ length: 19 }, (_, i) => DAY + (8 * 60 + 10 * i) * MIN),
  ...Array.from({ length: 7 }, (_, i) => DAY + 86_400_000 + (8 * 60 + 10 * i) * MIN),
  DAY + 2 * 86_400_000 + 10 * MIN,
];

function dataTime(message: TelemetryMessage): number {
  return Math.max(...message.readings.map((r) => r.ts), ...message.movements.map((m) => m.ts));
}

interface Delivery {
  readonly message: TelemetryMessage;
  readonly at: number;
}

async function transitionsOf(deliveries: readonly Delivery[], settleMinutes: number): Promise<string[]> {
  const { clock, metrics, alerts, engine } = await memoryEngine(PLANT, DAY + 3 * 86_400_000, (p) => ({
    ...settingsFromPlant(p),
    settleMinutes,
  }));
  const ordered = [...deliveries].sort((a, b) => a.at - b.at);
  const schedule = [...SCHEDULE];
  try {
    for (const { message, at } of ordered) {
      while ((schedule[0] ?? Number.POSITIVE_INFINITY) <= at)
        await engine.scheduled(schedule.shift() as number);
      clock.current = at;
      await deliverToEngine(engine, metrics, message, at);
    }
    for (const at of schedule) await engine.scheduled(at);
    return alerts.history
      .filter((t) => t.alert.type !== 'SENSOR_STALE' && t.alert.type !== 'SENSOR_STUCK')
      .map(
        (t) => `${t.transitionId} ${t.kind} ${t.alert.window.start}-${t.alert.window.end} ${t.alert.state}`,
      )
      .sort();
  } finally {
    await metrics.close();
  }
}

const sent = messages();
const inOrder = sent.map((message) => ({ message, at: dataTime(message) }));

/** Each message late by less than the settle delay, some delivered again later (still within it). */
const lateDeliveries = (settleMinutes: number) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: settleMinutes * MIN - 1 }), {
        minLength: sent.length,
        maxLength: sent.length,
      }),
      fc.array(
        fc.tuple(fc.nat({ max: sent.length - 1 }), fc.integer({ min: 0, max: settleMinutes * MIN - 1 })),
        { maxLength: 15 },
      ),
    )
    .map(([delays, repeats]) => [
      ...sent.map((message, i) => ({ message, at: dataTime(message) + (delays[i] ?? 0) })),
      ...repeats.map(([i, delay]) => {
        const message = sent[i] as TelemetryMessage;
        return { message, at: dataTime(message) + delay };
      }),
    ]);

describe('alert engine under late, reordered and repeated delivery', () => {
  it('queues exactly the transitions of in-order delivery, each once', async () => {
    const expected = await transitionsOf(inOrder, SETTLE_MIN);
    expect(
      expected.map((t) =>
        t
          .replace(/-[0-9a-f]{16}#/, '#')
          .split(' ')
          .slice(0, 2)
          .join(' '),
      ),
    ).toEqual([
      'combustion-temperature-low#1 opened',
      'combustion-temperature-low#2 resolved',
      'diversion-below-target#1 opened',
    ]);
    expect(new Set(expected).size).toBe(expected.length);
    await fc.assert(
      fc.asyncProperty(lateDeliveries(SETTLE_MIN), async (deliveries) => {
        expect(await transitionsOf(deliveries, SETTLE_MIN)).toEqual(expected);
      }),
      { numRuns: 6, seed: 20261124 },
    );
  }, 120_000);

  it('would not, if the day were judged on whatever had arrived (settle delay 0)', async () => {
    const expected = await transitionsOf(inOrder, 0);
    const differs = await fc.check(
      fc.asyncProperty(lateDeliveries(SETTLE_MIN), async (deliveries) => {
        expect(await transitionsOf(deliveries, 0)).toEqual(expected);
      }),
      { numRuns: 15, seed: 20261124, endOnFailure: true },
    );
    expect(differs.failed).toBe(true);
  }, 120_000);
});
