/**
 * Write cost of a deterministic synthetic day (docs/reference/aws-limits.md sections 1.2
 * and 9): 5 plants; every 10 s per plant one message with 12 gauges on 3
 * lines; every minute 4 counters in the same message. Our records against
 * the naive design (one single-measure record per reading per call).
 */
import { describe, expect, it } from 'vitest';
import { naiveBilledKiB } from '../../../bench/naive-records.ts';
import {
  billedKiB,
  callsOf,
  planBilledKiB,
  planReadingWrites,
  readingsOfRow,
} from '../../../lambdas/adapters/timestream/records.ts';
import { TimestreamMetricsWriter } from '../../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import type { MetricName } from '../../../lambdas/domain/catalog.ts';
import { readingKey } from '../../../lambdas/domain/identity.ts';
import type { StoredReading } from '../../../lambdas/domain/ports.ts';
import type { Quality } from '../../../lambdas/domain/telemetry.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { LINES, reading } from './fixtures.ts';
import { HOUR_MS, seededRandom, TimestreamFake } from './timestream-fake.ts';

const PLANTS = ['kz-ast-01', 'kz-shy-02', 'kz-ala-03', 'kz-kar-04', 'kz-akt-05'];
const DAY_START = Date.parse('2026-11-23T00:00:00.000Z');
const TICK_MS = 10_000;
const TICKS = (24 * HOUR_MS) / TICK_MS;
const COUNTERS: ReadonlyArray<readonly [string, MetricName]> = [
  ['boiler-1', 'waste_fed'],
  ['turbine', 'electricity_generated'],
  ['turbine', 'electricity_exported'],
  ['turbine', 'heat_exported'],
];
const SQS_BATCH = 10;

/** The day's messages in arrival order (tick, then plant), each a list of readings. */
function syntheticDay(ticks = TICKS): StoredReading[][] {
  const random = seededRandom(20261123);
  const totals = new Map<string, number>();
  const messages: StoredReading[][] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const ts = DAY_START + tick * TICK_MS;
    for (const plantId of PLANTS) {
      const message: StoredReading[] = [];
      for (const [line, metrics] of Object.entries(LINES)) {
        for (const metric of metrics) {
          const roll = random();
          const quality: Quality = roll < 0.002 ? 'BAD' : roll < 0.01 ? 'UNCERTAIN' : 'GOOD';
          const value = Math.round((100 + 900 * random()) * 100) / 100;
          message.push(reading({ plantId, line, metric, ts, value, quality }));
        }
      }
      if (ts % 60_000 === 0) {
        for (const [line, metric] of COUNTERS) {
          const key = `${plantId}|${metric}`;
          const total = Math.round(((totals.get(key) ?? 10_000) + random() * 2) * 1000) / 1000;
          totals.set(key, total);
          message.push(reading({ plantId, line, metric, ts, value: total }));
        }
      }
      messages.push(message);
    }
  }
  return messages;
}

interface Figures {
  readonly calls: number;
  readonly kib: number;
  readonly maxRecordsPerCall: number;
  readonly rejected: number;
}

function ourFigures(writes: readonly StoredReading[][]): Figures {
  let calls = 0;
  let kib = 0;
  let maxRecordsPerCall = 0;
  let rejected = 0;
  for (const readings of writes) {
    const plan = planReadingWrites(readings);
    rejected += plan.rejected.length;
    for (const call of callsOf(plan)) {
      calls++;
      kib += billedKiB(call.body);
      maxRecordsPerCall = Math.max(maxRecordsPerCall, call.body.Records.length);
    }
  }
  return { calls, kib, maxRecordsPerCall, rejected };
}

/** Consecutive messages merged into one write, as the processor writes an SQS batch. */
function batchesOf(messages: readonly StoredReading[][], size: number): StoredReading[][] {
  const out: StoredReading[][] = [];
  for (let i = 0; i < messages.length; i += size) out.push(messages.slice(i, i + size).flat());
  return out;
}

describe('metering of a synthetic day', () => {
  it('bills at least 10x fewer KiB than one single-measure record per reading per call', () => {
    const messages = syntheticDay();
    const readings = messages.reduce((n, m) => n + m.length, 0);
    const naiveKiB = messages.reduce((n, m) => n + naiveBilledKiB(m), 0);
    const perMessage = ourFigures(messages);
    const perBatch = ourFigures(batchesOf(messages, SQS_BATCH));
    const ratio = (kib: number) => (naiveKiB / kib).toFixed(1);

    console.log(
      [
        `Synthetic day: ${PLANTS.length} plants, ${messages.length} messages, ${readings} readings`,
        `  naive (1 single-measure record per call): ${readings} calls, ${naiveKiB} KiB billed`,
        `  ours, one write per message:              ${perMessage.calls} calls, ${perMessage.kib} KiB billed (${ratio(perMessage.kib)}x fewer)`,
        `  ours, one write per SQS batch of ${SQS_BATCH}:     ${perBatch.calls} calls, ${perBatch.kib} KiB billed (${ratio(perBatch.kib)}x fewer)`,
        `  at $0.50 per million KiB: naive $${((naiveKiB * 30) / 2e6).toFixed(2)}/month, ours $${((perMessage.kib * 30) / 2e6).toFixed(2)} to $${((perBatch.kib * 30) / 2e6).toFixed(2)}/month`,
      ].join('\n'),
    );

    expect(readings).toBe(PLANTS.length * (TICKS * 12 + (TICKS / 6) * COUNTERS.length));
    expect(naiveKiB).toBe(readings);
    expect(perMessage.calls).toBe(messages.length);
    expect(perMessage.kib).toBe(messages.length);
    expect(perMessage.kib * 10).toBeLessThanOrEqual(naiveKiB);
    expect(perBatch.kib * 10).toBeLessThanOrEqual(naiveKiB);
    expect(perBatch.kib).toBeLessThan(perMessage.kib / 2);
    expect(perBatch.maxRecordsPerCall).toBeLessThanOrEqual(100);
    expect(perMessage.rejected + perBatch.rejected).toBe(0);
  });

  it('agrees with the fake Timestream on calls and billed KiB, and stores every reading once', async () => {
    const hour = syntheticDay(HOUR_MS / TICK_MS);
    const clock = new FixedClock(DAY_START + HOUR_MS);
    const fake = new TimestreamFake({ clock, memoryRetentionMs: 2 * HOUR_MS });
    const writer = new TimestreamMetricsWriter({
      client: fake.client,
      databaseName: fake.databaseName,
      readingsTableName: 'readings',
      movementsTableName: 'movements',
      clock,
      sleep: async () => {},
      random: seededRandom(1),
    });
    const batches = batchesOf(hour, SQS_BATCH);
    let plannedCalls = 0;
    let plannedKiB = 0;
    for (const batch of batches) {
      const plan = planReadingWrites(batch);
      plannedCalls += callsOf(plan).length;
      plannedKiB += planBilledKiB(plan);
      expect(await writer.writeReadings(batch)).toEqual({ stored: batch.length, rejected: [] });
    }
    expect(fake.ingestCalls).toBe(plannedCalls);
    expect(fake.billedKiB).toBe(plannedKiB);
    const stored = fake.records('readings').flatMap(readingsOfRow);
    const expected = hour.flat();
    expect(stored).toHaveLength(expected.length);
    expect(new Map(stored.map((r) => [readingKey(r), r]))).toEqual(
      new Map(expected.map((r) => [readingKey(r), r])),
    );
  });
});
