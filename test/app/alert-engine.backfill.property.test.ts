/**
 * A past day uploaded as a backfill is judged once, on its complete data,
 * however the upload is cut, ordered, delayed and repeated (issue #17 item 1).
 *
 * Two past days, uploaded three days later: one whose day so far dips far
 * below the target in the morning (bottom ash leaves before the day's
 * receipts) but ends at 80 %, and one that ends at 33 %. A single upload of
 * each gives no transition for the first and exactly one `opened`, quoting
 * the complete day's rate, for the second. Cut into random chunks, shuffled,
 * sent with gaps shorter than the quiet period and partly sent again at any
 * later time, the same transitions come out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_RULES } from '../../lambdas/domain/alerts/model.ts';
import type { TelemetryMessage } from '../../lambdas/domain/telemetry.ts';
import { deliverToEngine, memoryEngine, messageCollector } from '../support/alert-delivery.ts';

const PLANT = 'kz-ast-01';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY_MS = 24 * HOUR;
/** Plant-local midnight (Asia/Almaty, UTC+5) of the first past day. */
const DAY = Date.parse('2026-11-20T00:00:00+05:00');
/** The upload starts three days later. */
const UPLOAD = DAY + 3 * DAY_MS + 10 * HOUR;
const QUIET = DEFAULT_ALERT_RULES.dayCompleteAfterMinutes * MIN;
const RUN_EVERY = 2 * MIN;

interface Item {
  readonly readings: object[];
  readonly movements: object[];
}

/** One hour of a day: its tickets and its waste_fed totalizer readings. */
function hourItems(day: number, hour: number, landfilledT: number, counterBase: number): Item {
  const at = day + hour * HOUR;
  const movements: object[] = [];
  if (hour >= 1 && hour <= 5) {
    // Early: bottom ash of the previous day's burn leaves before the receipts come in.
    movements.push(out(`A-${day}-${hour}`, at + 5 * MIN, 'bottom_ash', 'landfill', 6));
  }
  if (hour >= 3 && hour <= 20) {
    movements.push(inbound(`R-${day}-${hour}`, at + 20 * MIN, 10));
    if (landfilledT > 0)
      movements.push(out(`L-${day}-${hour}`, at + 40 * MIN, 'rejects', 'landfill', landfilledT));
  }
  const readings = [0, 20, 40].map((m) => ({
    ts: at + m * MIN,
    line: 'boiler-1',
    metric: 'waste_fed',
    value: counterBase + hour * 9 + m * 0.15,
    unit: 't',
  }));
  return { readings, movements };
}

function inbound(ticketId: string, ts: number, netTonnes: number): object {
  return { ticketId, ts, direction: 'in', netTonnes, material: 'mixed_waste' };
}

function out(ticketId: string, ts: number, material: string, destination: string, netTonnes: number): object {
  return { ticketId, ts, direction: 'out', netTonnes, material, destination };
}

/** The good day: 180 t received, 30 t of ash landfilled early, nothing else: 83.3 %. The bad day: 30 + 90 t landfilled: 33.3 %. */
const GOOD_DAY = Array.from({ length: 24 }, (_, h) => hourItems(DAY, h, 0, 1000));
const BAD_DAY = Array.from({ length: 24 }, (_, h) => hourItems(DAY + DAY_MS, h, 5, 2000));
const ITEMS: readonly Item[] = [...GOOD_DAY, ...BAD_DAY];

/** Messages of the items, `cuts` chunk sizes in item order. */
function chunked(items: readonly Item[], sizes: readonly number[]): TelemetryMessage[] {
  const { messages, add } = messageCollector(PLANT, UPLOAD);
  let at = 0;
  for (const size of sizes) {
    const part = items.slice(at, at + size);
    if (part.length === 0) break;
    add(
      part.flatMap((i) => i.readings),
      part.flatMap((i) => i.movements),
    );
    at += size;
  }
  return messages;
}

interface Delivery {
  readonly message: TelemetryMessage;
  readonly at: number;
}

/** Transitions of DIVERSION_BELOW_TARGET, with scheduled runs every 2 minutes from the upload to 30 minutes after it. */
async function transitionsOf(deliveries: readonly Delivery[]): Promise<string[]> {
  const { clock, metrics, alerts, engine } = await memoryEngine(PLANT, UPLOAD);
  const ordered = [...deliveries].sort((a, b) => a.at - b.at);
  const last = ordered.at(-1)?.at ?? UPLOAD;
  let next = UPLOAD;
  try {
    for (const { message, at } of ordered) {
      for (; next <= at; next += RUN_EVERY) {
        clock.current = next;
        await engine.scheduled(next);
      }
      clock.current = at;
      await deliverToEngine(engine, metrics, message, at);
    }
    for (; next <= last + 30 * MIN; next += RUN_EVERY) {
      clock.current = next;
      await engine.scheduled(next);
    }
    return alerts.history
      .filter((t) => t.alert.type === 'DIVERSION_BELOW_TARGET')
      .map(
        (t) => `${t.transitionId} ${t.kind} ${t.alert.window.start}-${t.alert.window.end} ${t.alert.value}`,
      );
  } finally {
    await metrics.close();
  }
}

/** In order, one message an hour of data, 250 ms apart: the acceptance's upload. */
const hourly = chunked(
  ITEMS,
  ITEMS.map(() => 1),
).map((message, i) => ({ message, at: UPLOAD + i * 250 }));

const uploads = fc
  .record({
    sizes: fc.array(fc.integer({ min: 3, max: 12 }), { minLength: ITEMS.length, maxLength: ITEMS.length }),
    order: fc.array(fc.nat(), { minLength: ITEMS.length, maxLength: ITEMS.length }),
    gaps: fc.array(fc.integer({ min: 0, max: QUIET - MIN }), {
      minLength: ITEMS.length,
      maxLength: ITEMS.length,
    }),
    repeats: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: HOUR })), { maxLength: 6 }),
  })
  .map(({ sizes, order, gaps, repeats }) => {
    const messages = chunked(ITEMS, sizes);
    // A shuffle driven by `order`: stable sort of the chunks by a random key each.
    const shuffled = messages
      .map((message, i) => ({ message, key: order[i] ?? 0 }))
      .sort((a, b) => a.key - b.key)
      .map((m) => m.message);
    let at = UPLOAD;
    const deliveries = shuffled.map((message, i) => {
      at += gaps[i] ?? 0;
      return { message, at };
    });
    // Redeliveries at any time, during the upload or long after the day was judged.
    for (const [index, delay] of repeats) {
      deliveries.push({ message: shuffled[index % shuffled.length] as TelemetryMessage, at: UPLOAD + delay });
    }
    return deliveries;
  });

describe('a backfilled past day', () => {
  it('in one message per day: no transition for the day that ends above target, one opened at the complete value for the other', async () => {
    const whole = chunked(ITEMS, [24, 24]).map((message, i) => ({ message, at: UPLOAD + i * 1000 }));
    const transitions = await transitionsOf(whole);
    expect(transitions).toHaveLength(1);
    const [opened] = transitions;
    expect(opened).toMatch(/#1 opened /);
    // The complete bad day: 180 t received, 30 t ash + 18 x 5 t rejects landfilled.
    expect(Number(opened?.split(' ').at(-1))).toBeCloseTo(1 - 120 / 180, 12);
    expect(opened).toContain(`${DAY + DAY_MS}-${DAY + 2 * DAY_MS}`);
  }, 60_000);

  it('hour by hour in order gives the same single transition', async () => {
    const whole = chunked(ITEMS, [24, 24]).map((message, i) => ({ message, at: UPLOAD + i * 1000 }));
    expect(await transitionsOf(hourly)).toEqual(await transitionsOf(whole));
  }, 60_000);

  it('cut, shuffled, delayed and repeated in any way gives the same transitions as one upload', async () => {
    const expected = await transitionsOf(chunked(ITEMS, [48]).map((message) => ({ message, at: UPLOAD })));
    expect(expected).toHaveLength(1);
    await fc.assert(
      fc.asyncProperty(uploads, async (deliveries) => {
        expect(await transitionsOf(deliveries)).toEqual(expected);
      }),
      { numRuns: 20, seed: 20261206, endOnFailure: true },
    );
  }, 300_000);
});
