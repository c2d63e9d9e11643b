/**
 * The batch step judges COMBUSTION_TEMPERATURE_LOW on every furnace line the
 * batch touched from one read of the plant's furnace temperatures: each line
 * is judged on its own readings only, and a line the batch did not touch is
 * left to its own batches.
 */
import { describe, expect, it } from 'vitest';
import { memoryEngine } from '../support/alert-delivery.ts';
import { MINUTE, NOW, PLANT, reading } from '../support/stored-items.ts';

const START = NOW - 60 * MINUTE;
/** Degrees C at minute m of a line: boiler-1 drops below 850 for 30 minutes, boiler-2 never, boiler-3 always. */
const temperature: Record<string, (m: number) => number> = {
  'boiler-1': (m) => (m >= 10 && m < 40 ? 820 : 910),
  'boiler-2': () => 905,
  'boiler-3': () => 700,
};

describe('combustion on several furnace lines in one batch', () => {
  it('judges each touched line on its own readings', async () => {
    const { metrics, alerts, engine } = await memoryEngine(PLANT, NOW);
    try {
      const readings = Object.entries(temperature).flatMap(([line, degrees]) =>
        Array.from({ length: 50 }, (_, m) => reading({ line, ts: START + m * MINUTE, value: degrees(m) })),
      );
      expect((await metrics.writeReadings(readings)).rejected).toEqual([]);
      await engine.afterBatch(
        [{ plantId: PLANT, from: START, to: START + 50 * MINUTE, furnaceLines: ['boiler-1', 'boiler-2'] }],
        NOW,
      );
      const state = async (line: string) =>
        (await alerts.getCurrent(PLANT, 'COMBUSTION_TEMPERATURE_LOW', `${line}/furnace_temperature`))?.state;
      // boiler-1 fell and recovered within the batch: opened, then resolved.
      expect(await state('boiler-1')).toBe('resolved');
      expect(await state('boiler-2')).toBeUndefined();
      expect(await state('boiler-3')).toBeUndefined();
    } finally {
      await metrics.close();
    }
  });
});
