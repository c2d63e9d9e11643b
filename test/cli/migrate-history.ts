/**
 * A seeded Timestream history for the migration tests, written through the
 * real TimestreamMetricsWriter onto the write fake, day by day with the clock
 * moving: two plants, gauges and KPI counters on several lines, non-GOOD
 * qualities, a counter reset, a late batch, corrections (one of a whole
 * value, one of quality only), tickets with a correction and one whose
 * correction moves it across a window boundary, and readings just outside
 * the range to migrate.
 */
import { TimestreamMetricsWriter } from '../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import type { MetricName } from '../../lambdas/domain/catalog.ts';
import type { StoredMovement, StoredReading } from '../../lambdas/domain/ports.ts';
import { TimestreamFake } from '../adapters/timestream/timestream-fake.ts';
import { FixedClock } from '../support/memory-ports.ts';
import { movement, reading } from '../support/stored-items.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** The range to migrate: 17 days, so 7-day windows are 7, 7 and 3 days. */
export const START = Date.parse('2026-09-01T00:00:00Z');
export const END = START + 17 * DAY;
/** After everything was written (the switch). */
export const NOW = END + 2 * DAY;
export const PLANTS = ['kz-ast-01', 'kz-ala-01'] as const;
const [AST, ALA] = PLANTS;
export const CORRECTED_AT = END + DAY;

const SERIES: ReadonlyArray<readonly [MetricName, string]> = [
  ['furnace_temperature', 'boiler-1'],
  ['furnace_temperature', 'boiler-2'],
  ['co', 'stack'],
  ['waste_fed', 'boiler-1'],
  ['electricity_exported', 'turbine'],
  ['heat_exported', 'heat'],
];

function seededValue(plantId: string, metric: MetricName, line: string, ts: number): number {
  const hours = (ts - START) / HOUR;
  const seed = plantId === AST ? 1 : 2;
  switch (metric) {
    case 'waste_fed': {
      // a totalizer; plant AST's resets to 2.5 t on day 9
      const reset = START + 9 * DAY;
      if (plantId === AST && ts >= reset) return 2.5 + ((ts - reset) / HOUR) * 11.125;
      return 50_000 * seed + hours * 11.125;
    }
    case 'electricity_exported':
    case 'heat_exported':
      return 1_000_000 * seed + hours * (metric === 'heat_exported' ? 7.25 : 23.5);
    case 'co':
      return 5 + ((hours * 7 + seed) % 13);
    default:
      return 850 + ((hours * 3 + seed + line.length) % 90) + 1 / 3;
  }
}

export interface SeededHistory {
  readonly writeFake: TimestreamFake;
  /** Identities of the corrected readings and the moved ticket, to check they came through. */
  readonly corrected: readonly StoredReading[];
  readonly movedTicket: StoredMovement;
  readonly outside: readonly StoredReading[];
}

export async function seedHistory(): Promise<SeededHistory> {
  const clock = new FixedClock(START);
  const writeFake = new TimestreamFake({ clock, memoryRetentionMs: 40 * DAY, seed: 5 });
  const writer = new TimestreamMetricsWriter({
    client: writeFake.client,
    databaseName: writeFake.databaseName,
    readingsTableName: 'readings',
    movementsTableName: 'movements',
    clock,
    sleep: async () => {},
    random: () => 0.5,
  });
  const write = async (readings: StoredReading[]) => {
    const result = await writer.writeReadings(readings);
    if (result.rejected.length > 0) throw new Error(`seed refused: ${result.rejected[0]?.reason}`);
  };
  const late: StoredReading[] = [];
  for (let day = 0; day < 17; day++) {
    const batch: StoredReading[] = [];
    for (const plantId of PLANTS)
      for (let ts = START + day * DAY; ts < START + (day + 1) * DAY; ts += 2 * HOUR)
        for (const [i, [metric, line]] of SERIES.entries()) {
          const k = (ts - START) / (2 * HOUR) + i;
          const quality = metric === 'co' && k % 17 === 0 ? 'BAD' : k % 29 === 0 ? 'UNCERTAIN' : 'GOOD';
          const item = reading({
            plantId,
            metric,
            line,
            ts,
            value: seededValue(plantId, metric, line, ts),
            quality,
          });
          // Day 3 of plant ALA arrives late: written after day 12.
          (plantId === ALA && day === 3 ? late : batch).push(item);
        }
    clock.current = START + (day + 1) * DAY + HOUR;
    await write(batch);
    if (day === 12) await write(late);
  }
  const outside = [
    reading({ plantId: AST, ts: START - HOUR, value: 870 }),
    reading({ plantId: AST, ts: END, value: 871 }),
  ];
  clock.current = NOW;
  await write(outside);

  const corrected = [
    reading({
      plantId: AST,
      metric: 'waste_fed',
      line: 'boiler-1',
      ts: START + 2 * DAY + 4 * HOUR,
      value: 99_999.5,
      correction: true,
      version: CORRECTED_AT,
    }),
    reading({
      plantId: ALA,
      metric: 'furnace_temperature',
      line: 'boiler-2',
      ts: START + 10 * DAY,
      value: seededValue(ALA, 'furnace_temperature', 'boiler-2', START + 10 * DAY),
      quality: 'BAD',
      correction: true,
      version: CORRECTED_AT + 1,
    }),
  ];
  await write(corrected);

  const tickets: StoredMovement[] = [];
  for (const plantId of PLANTS)
    for (let n = 0; n < 40; n++)
      tickets.push(
        movement({
          plantId,
          ticketId: `WB-${plantId}-${n}`,
          ts: START + n * 10 * HOUR + 17 * 60_000,
          direction: n % 4 === 3 ? 'out' : 'in',
          netTonnes: 10 + (n % 7) * 1.5,
          material: n % 4 === 3 ? 'metals' : 'mixed_waste',
          ...(n % 4 === 3 ? { destination: 'recycling' as const } : {}),
        }),
      );
  // ticket 16 of AST sits at day 6 16:17; its correction moves it past the first window's end (day 7)
  const moved = tickets.find((t) => t.ticketId === `WB-${AST}-16`) as StoredMovement;
  const movedTicket: StoredMovement = {
    ...moved,
    ts: START + 7 * DAY + 3 * HOUR,
    netTonnes: 14.25,
    correction: true,
    version: CORRECTED_AT + 2,
  };
  const fixed: StoredMovement = {
    ...(tickets[5] as StoredMovement),
    netTonnes: 8.5,
    correction: true,
    version: CORRECTED_AT + 3,
  };
  for (const batch of [tickets, [movedTicket, fixed]]) {
    const result = await writer.writeMovements(batch);
    if (result.rejected.length > 0) throw new Error(`seed refused: ${result.rejected[0]?.reason}`);
  }
  return { writeFake, corrected, movedTicket, outside };
}
