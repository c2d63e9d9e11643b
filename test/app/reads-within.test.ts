/**
 * readsWithin binds one invocation's deadline to the readers it uses: every
 * read a reader offers passes it on, reads it does not offer stay absent
 * (the KPI and report paths choose by them), and without a deadline the
 * readers are used as they are.
 */
import { describe, expect, it } from 'vitest';
import { type DeadlineReads, readsWithin } from '../../lambdas/app/reads-within.ts';
import type { CallOptions } from '../../lambdas/domain/deadline.ts';

const DEADLINE = Date.parse('2026-12-01T00:00:30Z');

/** A reader offering `names`, each recording the arguments it was called with. */
function recordingReader(names: ReadonlyArray<keyof DeadlineReads>) {
  const calls: Array<{ name: string; args: unknown[] }> = [];
  const reader: Record<string, unknown> = { rawRangeMaxMs: 86_400_000 };
  for (const name of names)
    reader[name] = async (...args: unknown[]) => {
      calls.push({ name, args });
      return [];
    };
  return { reader: reader as DeadlineReads, calls };
}

const ALL: ReadonlyArray<keyof DeadlineReads> = [
  'readReadings',
  'readLastBefore',
  'readMovements',
  'readKpiCounterSlots',
  'readGoodHours',
  'readCounterReadings',
  'readKpiCounterReadings',
];

describe('readsWithin', () => {
  it('passes the deadline as the last argument of every read the reader offers', async () => {
    const { reader, calls } = recordingReader(ALL);
    const within = readsWithin(reader, { deadline: DEADLINE });
    const options: CallOptions = { deadline: DEADLINE };
    const query = { plantId: 'p', metric: 'waste_fed' as const, from: 0, to: 1 };
    await within.readReadings?.(query);
    await within.readLastBefore?.('p', 'waste_fed', 1);
    await within.readMovements?.('p', 0, 1);
    await within.readKpiCounterSlots?.('p', 0, 900_000);
    await within.readGoodHours?.('p', ['waste_fed'], 0, 1);
    await within.readCounterReadings?.('p', 0, 1);
    await within.readKpiCounterReadings?.('p', 0, 1);
    expect(calls).toEqual([
      { name: 'readReadings', args: [query, options] },
      { name: 'readLastBefore', args: ['p', 'waste_fed', 1, options] },
      { name: 'readMovements', args: ['p', 0, 1, options] },
      { name: 'readKpiCounterSlots', args: ['p', 0, 900_000, options] },
      { name: 'readGoodHours', args: ['p', ['waste_fed'], 0, 1, options] },
      { name: 'readCounterReadings', args: ['p', 0, 1, options] },
      { name: 'readKpiCounterReadings', args: ['p', 0, 1, options] },
    ]);
    expect(within.rawRangeMaxMs).toBe(86_400_000);
  });

  it.each(ALL)('leaves %s absent when the reader does not offer it', (missing) => {
    const { reader } = recordingReader(ALL.filter((name) => name !== missing));
    const within = readsWithin(reader, { deadline: DEADLINE });
    expect(missing in within).toBe(false);
    expect(Object.keys(within).length).toBe(ALL.length);
  });

  it('uses the readers as they are without a deadline (local mode)', () => {
    const { reader } = recordingReader(ALL);
    expect(readsWithin(reader, {})).toBe(reader);
    expect(readsWithin(reader, undefined)).toBe(reader);
  });
});
