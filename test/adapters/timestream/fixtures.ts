import {
  TimestreamMetricsWriter,
  type TimestreamMetricsWriterProps,
} from '../../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import type { StoredReading } from '../../../lambdas/domain/ports.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { NOW, reading } from '../../support/stored-items.ts';
import { seededRandom, TimestreamFake, type TimestreamFakeOptions } from './timestream-fake.ts';

export { MINUTE, movement, NOW, PLANT, reading } from '../../support/stored-items.ts';

/** A correction of `r`, received at `receivedAt` (its version). */
export function correction(r: StoredReading, value: number, receivedAt: number): StoredReading {
  return { ...r, value, correction: true, version: receivedAt };
}

export const LINES: Readonly<Record<string, readonly MetricName[]>> = {
  'boiler-1': ['waste_feed_rate', 'furnace_temperature', 'flue_gas_o2', 'boiler_dp', 'steam_flow'],
  turbine: ['steam_pressure', 'steam_temperature', 'power_gross', 'power_export'],
  stack: ['dust', 'nox', 'co'],
};

/** One message's readings: every metric of LINES at `ts`, deterministic values. */
export function messageReadings(plantId: string, ts: number, seed = 0): StoredReading[] {
  const out: StoredReading[] = [];
  let i = 0;
  for (const [line, metrics] of Object.entries(LINES)) {
    for (const metric of metrics) {
      i++;
      out.push(
        reading({ plantId, line, metric, ts, value: Math.round(((ts / 1000 + seed) % 997) * i) / 10 }),
      );
    }
  }
  return out;
}

export interface Harness {
  readonly clock: FixedClock;
  readonly fake: TimestreamFake;
  readonly writer: TimestreamMetricsWriter;
  readonly sleeps: number[];
}

/** The writer over the fake, with a clock that sleeping advances. */
export function harness(
  fakeOptions: Omit<TimestreamFakeOptions, 'clock'> = {},
  writerProps: Partial<TimestreamMetricsWriterProps> = {},
): Harness {
  const clock = new FixedClock(NOW);
  const fake = new TimestreamFake({ clock, ...fakeOptions });
  const sleeps: number[] = [];
  const writer = new TimestreamMetricsWriter({
    client: fake.client,
    databaseName: fake.databaseName,
    readingsTableName: 'readings',
    movementsTableName: 'movements',
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.current += ms;
    },
    random: seededRandom(42),
    ...writerProps,
  });
  return { clock, fake, writer, sleeps };
}

/** Deterministic Fisher-Yates shuffle. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
