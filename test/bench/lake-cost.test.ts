/**
 * The lake cost formulas on a tiny hand-computed fleet, and the metering
 * client against the real FirehoseMetricsWriter. Every expected figure below
 * is worked out by hand from the prices in bench/lake-cost.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  athenaBilledBytes,
  firehoseBilledBytes,
  LAKE_ASSUMPTIONS,
  LAKE_PRICES,
  lakeCost,
  storeCostComparison,
} from '../../bench/lake-cost.ts';
import { lakeMeter } from '../../bench/lake-metering.ts';
import { encodeRow, readingRow } from '../../lambdas/adapters/lake/lake-rows.ts';
import { canonicalUnitOf, METRICS } from '../../lambdas/domain/catalog.ts';
import type { StoredReading } from '../../lambdas/domain/ports.ts';

const MB = 1024 ** 2;
const GB = 1024 ** 3;

describe('firehoseBilledBytes', () => {
  it('rounds each record, not the call, up to the 5 KB increment', () => {
    // 100 B -> 5 KB, 5,120 B -> 5 KB, 5,121 B -> 10 KB: 20 KB in all.
    expect(firehoseBilledBytes([100, 5120, 5121])).toBe(20 * 1024);
    // One 300 B record alone is billed as much as one of 5,120 B.
    expect(firehoseBilledBytes([300])).toBe(firehoseBilledBytes([5120]));
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => firehoseBilledBytes([0])).toThrow(/positive integer, got 0/);
    expect(() => firehoseBilledBytes([1.5])).toThrow(RangeError);
  });
});

describe('athenaBilledBytes', () => {
  it('bills at least 10 MB and otherwise whole MB', () => {
    expect(athenaBilledBytes(0)).toBe(10 * MB);
    expect(athenaBilledBytes(3 * MB)).toBe(10 * MB);
    expect(athenaBilledBytes(10 * MB + 1)).toBe(11 * MB);
    expect(athenaBilledBytes(233 * MB)).toBe(233 * MB);
  });
});

describe('lakeCost', () => {
  // Three records of 100, 5,120 and 5,121 B over one plant-day: 10,341 B sent, 20 KB billed.
  const writes = { calls: 1, records: 3, bytes: 10_341, billedBytes: 20_480, largestRecordBytes: 5121 };
  const cost = lakeCost(writes, { plants: 1, hours: 24 });

  it('bills Firehose the rounded bytes, 30 days a month, at $0.029 per GB', () => {
    expect(cost.firehose.recordsPerMonth).toBe(90);
    // 20,480 B x 30 = 614,400 B = 0.000572 GB.
    expect(cost.firehose.billedGBPerMonth).toBe(0.001);
    expect(cost.firehose.roundingFactor).toBe(1.98);
    expect(cost.firehose.usdPerMonth).toBeCloseTo((614_400 / GB) * 0.029, 4);
  });

  it('puts every Athena query of this tiny fleet at the 10 MB minimum', () => {
    // Per day: 48 + 288 + 96 queries, each billed 10 MB; 30 days at $5 per TB.
    for (const q of cost.athena.queries) expect(q.billedBytes).toBe(10 * MB);
    const perQuery = ((10 * MB) / 1024 ** 4) * 5;
    expect(cost.athena.usdPerMonth).toBeCloseTo((48 + 288 + 96) * 30 * perQuery, 3);
    // 12,960 queries x 10 MB = 129,600 MB = 0.1236 TB -> $0.618.
    expect(cost.athena.usdPerMonth).toBeCloseTo(0.618, 3);
  });

  it('counts one file per plant per flush and three metadata objects per commit', () => {
    // 1,440 flushes a day at 60 s: 1,440 files and 1,440 x 3 metadata PUTs, 30 days.
    expect(cost.s3Tables.filesPerDay).toBe(1440);
    expect(cost.s3Tables.putsPerMonth).toBe(1440 * 4 * 30);
    // $0.005 per 1,000 PUTs: 172,800 PUTs -> $0.864. GETs: 3 metadata objects and one file per
    // partition read, 30 x (48 x 34 + 288 x 4 + 96 x 4) = 95,040 at $0.0004 per 1,000 -> $0.038.
    expect(cost.s3Tables.getsPerMonth).toBe(95_040);
    expect(cost.s3Tables.requestsUsdPerMonth).toBeCloseTo(0.864 + 0.038, 3);
    // Storage: 1,034.1 B of Parquet a day, kept 360 days.
    expect(cost.s3Tables.storedGB).toBe(0);
    expect(cost.usdPerMonth).toBeCloseTo(
      cost.firehose.usdPerMonth + cost.s3Tables.usdPerMonth + cost.athena.usdPerMonth,
      3,
    );
  });

  it('scales a run of a few hours to a day', () => {
    const half = lakeCost({ ...writes, billedBytes: 10_240 }, { plants: 1, hours: 12 });
    expect(half.firehose.billedGBPerMonth).toBe(cost.firehose.billedGBPerMonth);
  });

  it('refuses an empty run', () => {
    expect(() => lakeCost(writes, { plants: 0, hours: 24 })).toThrow(/plants and hours must be > 0/);
  });

  it('compares with Timestream writes at $0.50 per million KiB and InfluxDB at $95', () => {
    // 34,560 KiB a day -> 1,036,800 KiB a month -> $0.5184.
    const stores = storeCostComparison(cost, 34_560, 24);
    expect(stores.timestreamLiveAnalyticsWrites).toBe(0.5184);
    expect(stores.influxDbSmallest).toBe(LAKE_PRICES.influxDbSmallestUsdPerMonth);
    expect(stores.lake).toBe(cost.usdPerMonth);
  });

  it('writes down its assumptions with the result', () => {
    expect(cost.assumptions).toEqual(LAKE_ASSUMPTIONS);
    expect(cost.prices.firehoseIncrementBytes).toBe(5120);
  });
});

describe('lakeMeter', () => {
  const reading = (ts: number, metric: StoredReading['metric'], value: number): StoredReading => ({
    plantId: 'plant-01',
    line: 'boiler-1',
    metric,
    ts,
    value,
    unit: canonicalUnitOf(metric),
    kind: METRICS[metric].kind,
    quality: 'GOOD',
    version: 1,
    correction: false,
  });

  it('meters the rows the real writer sends, one record per row, each billed 5 KB', async () => {
    const t0 = Date.UTC(2026, 10, 23);
    const readings = [
      reading(t0, 'furnace_temperature', 850),
      reading(t0 + 10_000, 'furnace_temperature', 851.5),
      reading(t0 + 20_000, 'furnace_temperature', 852.25),
    ];
    const meter = lakeMeter(t0 + 60_000);
    await meter.write(readings);
    // An exact copy is sent once, as the writer collapses it.
    await meter.write([readings[0] as StoredReading, readings[0] as StoredReading]);
    const sizes = [...readings, readings[0] as StoredReading].map((r) => encodeRow(readingRow(r)).byteLength);
    expect(meter.figures()).toEqual({
      calls: 2,
      records: 4,
      bytes: sizes.reduce((a, b) => a + b, 0),
      billedBytes: 4 * 5120,
      largestRecordBytes: Math.max(...sizes),
    });
  });
});
