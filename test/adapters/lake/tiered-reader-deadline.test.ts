/**
 * The tiered reader passes each read's options (the invocation's deadline,
 * issue #21) to both stores it reads: the lake reader (Athena) and the
 * recent telemetry table, on reads the recent table answers alone and on
 * reads that span the cut between them, the report's good hours included.
 */
import { describe, expect, it } from 'vitest';
import {
  type LakeReads,
  type RecentReads,
  TieredMetricsReader,
} from '../../../lambdas/adapters/lake/tiered-metrics-reader.ts';
import type { CallOptions } from '../../../lambdas/domain/deadline.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { NOW, PLANT, reading } from '../../support/stored-items.ts';

const DAY = 86_400_000;
const HORIZON = 40 * DAY;
const OPTIONS: CallOptions = { deadline: NOW + 12_345 };

interface Call {
  readonly store: 'lake' | 'recent';
  readonly name: string;
  readonly options: CallOptions | undefined;
}

/** Both ports, every read recording the options it got (its last argument). */
function recordingStores() {
  const calls: Call[] = [];
  const record =
    <T>(store: Call['store'], name: string, answer: (args: unknown[]) => T) =>
    async (...args: unknown[]): Promise<T> => {
      calls.push({ store, name, options: args.at(-1) as CallOptions | undefined });
      return answer(args);
    };
  const none = () => [];
  // The recent table holds one furnace reading before the cut: reads over it union both stores.
  const oldRow = reading({ metric: 'furnace_temperature', ts: NOW - 50 * DAY });
  const lake: LakeReads = {
    readReadings: record('lake', 'readReadings', none),
    readLastBefore: record('lake', 'readLastBefore', none),
    readMovements: record('lake', 'readMovements', none),
    readCounterReadings: record('lake', 'readCounterReadings', none),
    readGoodHours: record('lake', 'readGoodHours', none),
  };
  const recent: RecentReads = {
    readReadings: record('recent', 'readReadings', none),
    readLastBefore: record('recent', 'readLastBefore', none),
    readMovements: record('recent', 'readMovements', none),
    readCounterReadings: record('recent', 'readCounterReadings', none),
    readingRows: record('recent', 'readingRows', (args) =>
      args[1] === 'furnace_temperature' ? [oldRow] : [],
    ),
    movementRows: record('recent', 'movementRows', none),
    horizonMs: HORIZON,
    lookbackMs: 7 * DAY,
    shiftMs: DAY,
  };
  const tiered = new TieredMetricsReader({ recent, lake, clock: new FixedClock(NOW) });
  return { tiered, calls };
}

/** Every read of the tiered reader from `from` to NOW (recent alone when `from` is after the cut). */
async function readAll(tiered: TieredMetricsReader, from: number, options?: CallOptions) {
  for (const metric of ['furnace_temperature', 'waste_fed'] as const) {
    await tiered.readReadings({ plantId: PLANT, metric, from, to: NOW }, options);
    await tiered.readLastBefore(PLANT, metric, from + 7 * DAY, options);
  }
  await tiered.readMovements(PLANT, from + DAY, NOW, options);
  await tiered.readCounterReadings(PLANT, from, NOW, options);
  await tiered.readGoodHours?.(PLANT, ['furnace_temperature', 'waste_fed'], from, NOW, options);
}

describe('the tiered reader and deadlines', () => {
  it.each([
    ['answered by the recent table alone', NOW - 10 * DAY, ['recent']],
    ['spanning the cut', NOW - 60 * DAY, ['lake', 'recent']],
  ])('passes the options to every store read of reads %s', async (_what, from, stores) => {
    const { tiered, calls } = recordingStores();
    await readAll(tiered, from, OPTIONS);
    expect([...new Set(calls.map((c) => c.store))].sort()).toEqual(stores);
    expect(calls.filter((c) => c.options?.deadline !== OPTIONS.deadline)).toEqual([]);
  });

  it('reaches every read of both stores over the reads spanning the cut', async () => {
    const { tiered, calls } = recordingStores();
    await readAll(tiered, NOW - 60 * DAY, OPTIONS);
    const names = (store: Call['store']) =>
      [...new Set(calls.filter((c) => c.store === store).map((c) => c.name))].sort();
    expect(names('lake')).toEqual([
      'readCounterReadings',
      'readGoodHours',
      'readLastBefore',
      'readMovements',
      'readReadings',
    ]);
    expect(names('recent')).toEqual(['movementRows', 'readCounterReadings', 'readReadings', 'readingRows']);
  });

  it('passes no deadline when the read carries none', async () => {
    const { tiered, calls } = recordingStores();
    await readAll(tiered, NOW - 60 * DAY);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.options?.deadline !== undefined)).toEqual([]);
  });
});
