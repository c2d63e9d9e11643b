/**
 * The lake cost formulas on a tiny hand-computed fleet, and the metering
 * client against the real FirehoseMetricsWriter. Every expected figure below
 * is worked out by hand from the prices in bench/lake-cost.ts.
 */
import { BatchWriteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
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
import {
  dynamoItemBytes,
  numberBytes,
  queryReadUnits,
  type RecentTableCost,
  type RecentTableFigures,
  recentTableCost,
  writeUnits,
} from '../../bench/recent-telemetry-cost.ts';
import { MeteringDynamoClient, recentMeter } from '../../bench/recent-telemetry-metering.ts';
import {
  DEFAULT_MAX_PACK_BYTES,
  packReadings,
} from '../../lambdas/adapters/dynamo/recent-telemetry-packs.ts';
import { encodeRow, readingRow } from '../../lambdas/adapters/lake/lake-rows.ts';
import { canonicalUnitOf, METRIC_NAMES, METRICS } from '../../lambdas/domain/catalog.ts';
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
  // The lake alone (no recent table): every query goes to Athena, as the formulas below work it out.
  const alone = { ...LAKE_ASSUMPTIONS, recentHorizonDays: 0 };
  const cost = lakeCost(writes, { plants: 1, hours: 24 }, LAKE_PRICES, alone);

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
    const half = lakeCost({ ...writes, billedBytes: 10_240 }, { plants: 1, hours: 12 }, LAKE_PRICES, alone);
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
    expect(stores.lakeIceberg).toBe(cost.icebergUsdPerMonth);
    expect(stores.lakeRecentTable).toBe(0);
  });

  it('writes down its assumptions with the result', () => {
    expect(cost.assumptions).toEqual(alone);
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
    const meter = lakeMeter(t0 + 60_000, { start: t0, end: t0 + 86_400_000 });
    await meter.write(readings);
    // An exact copy is sent once, as the writer collapses it.
    await meter.write([readings[0] as StoredReading, readings[0] as StoredReading]);
    const sizes = [...readings, readings[0] as StoredReading].map((r) => encodeRow(readingRow(r)).byteLength);
    expect(meter.figures()).toMatchObject({
      calls: 2,
      records: 4,
      bytes: sizes.reduce((a, b) => a + b, 0),
      billedBytes: 4 * 5120,
      largestRecordBytes: Math.max(...sizes),
    });
  });
});

describe('lakeCost with the recent telemetry table', () => {
  const writes = { calls: 1, records: 3, bytes: 10_341, billedBytes: 20_480, largestRecordBytes: 5121 };
  const recent: RecentTableFigures = {
    calls: 10,
    readings: 250,
    items: 100,
    gzipItems: 60,
    itemBytes: 20_000,
    largestItemBytes: 300,
    writeUnits: 100,
    reads: [{ reader: 'scheduler', consistent: false, queries: 10, bytes: 8_000_000, readUnits: 1000 }],
    horizonDays: 40,
  };

  it('sends every query within the 40-day horizon to the recent table, none to Athena', () => {
    const cost = lakeCost(writes, { plants: 1, hours: 24 });
    expect(cost.athena.queries.map((q) => q.answeredBy)).toEqual([
      'recent table',
      'recent table',
      'recent table',
    ]);
    expect(cost.athena.usdPerMonth).toBe(0);
  });

  it('sends a query reaching past the horizon less its hour of margin to Athena', () => {
    // Horizon 1 day: the 24 h series (1 day > 23 h) and the 30-day KPI go to Athena, the slot does not.
    const cost = lakeCost(writes, { plants: 1, hours: 24 }, LAKE_PRICES, {
      ...LAKE_ASSUMPTIONS,
      recentHorizonDays: 1,
    });
    expect(cost.athena.queries.map((q) => q.answeredBy)).toEqual(['athena', 'athena', 'recent table']);
    expect(cost.athena.usdPerMonth).toBeCloseTo((((48 + 288) * 30 * 10) / 1024 ** 2) * 5, 3);
  });

  it('adds the table to the lake: total = Iceberg lake + recent table', () => {
    const cost = lakeCost({ ...writes, recent }, { plants: 1, hours: 24 });
    const table = cost.recentTable as RecentTableCost;
    expect(cost.usdPerMonth).toBeCloseTo(cost.icebergUsdPerMonth + table.usdPerMonth, 4);
    const stores = storeCostComparison(cost, 34_560, 24);
    expect(stores.lake).toBe(cost.usdPerMonth);
    expect(stores.lakeRecentTable).toBe(table.usdPerMonth);
    expect(stores.lakeIceberg).toBe(cost.icebergUsdPerMonth);
  });

  it('prices writes, reads and storage by hand', () => {
    const table = recentTableCost(recent, 24);
    // 100 WRU a day x 30 = 3,000 WRU at $0.625 per million.
    expect(table.writeUnitsPerMonth).toBe(3000);
    expect(table.writeUsdPerMonth).toBe(0.0019); // $0.001875, kept to 4 decimals
    // 1,000 RRU a day x 30 = 30,000 RRU at $0.125 per million.
    expect(table.reads[0]?.readUnitsPerMonth).toBe(30_000);
    expect(table.readUsdPerMonth).toBe(0.0038); // $0.00375
    // (20,000 B + 100 x 100 B) a day, kept 40.5 days: 1,215,000 B at $0.25 per GB-month.
    expect(table.storageUsdPerMonth).toBeCloseTo((1_215_000 / 1024 ** 3) * 0.25, 4);
    expect(table.readingsPerItem).toBe(2.5);
    expect(table.averageItemBytes).toBe(200);
    // Half a day measured: the same figures count twice.
    expect(recentTableCost(recent, 12).writeUnitsPerMonth).toBe(6000);
  });
});

describe('DynamoDB metering rules', () => {
  it('sizes an item as names plus values, a number at a byte per two significant digits plus one', () => {
    // 1767225600: zeros trimmed, 8 significant digits -> 4 + 1; 123 -> 2 + 1; -5 -> 1 + 1 + 1.
    expect(numberBytes('1767225600')).toBe(5);
    expect(numberBytes('123')).toBe(3);
    expect(numberBytes('-5')).toBe(3);
    // pk: 2 + 3, sk: 2 + 4, expiresAt: 9 + 3, z: 1 + 10 raw bytes (not their base64).
    expect(
      dynamoItemBytes({
        pk: { S: 'R#p' },
        sk: { S: '2026' },
        expiresAt: { N: '123' },
        z: { B: new Uint8Array(10) },
      }),
    ).toBe(5 + 6 + 12 + 11);
    expect(() => dynamoItemBytes({ l: {} })).toThrow(/not S, N or B/);
  });

  it('bills a write per started KB and a Query page per started 4 KB, half when eventually consistent', () => {
    expect([1, 1024, 1025, 400_000].map(writeUnits)).toEqual([1, 1, 2, 391]);
    expect(queryReadUnits(4096, true)).toBe(1);
    expect(queryReadUnits(4097, true)).toBe(2);
    expect(queryReadUnits(4097, false)).toBe(1);
    // A Query that reads nothing still costs its minimum.
    expect(queryReadUnits(0, false)).toBe(0.5);
  });
});

describe('MeteringDynamoClient', () => {
  const put = (pk: string, sk: string, bytes: number) => ({
    PutRequest: {
      Item: {
        pk: { S: pk },
        sk: { S: sk },
        z: { B: new Uint8Array(bytes - (2 + pk.length) - (2 + sk.length) - 1) },
      },
    },
  });
  const query = (pk: string, lo: string, hi: string, consistent: boolean) =>
    new QueryCommand({
      TableName: 't',
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': { S: pk }, ':lo': { S: lo }, ':hi': { S: hi } },
      ConsistentRead: consistent,
    });

  it('bills each Query on the items in its key range written by its time, in 1 MB pages', async () => {
    const client = new MeteringDynamoClient();
    client.at = 10;
    // Three items of 400,000 B of one key, one of another key.
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { t: [put('a', 'd1#x', 400_000), put('a', 'd1#y', 400_000), put('b', 'd1#x', 5000)] },
      }),
    );
    client.at = 20;
    await client.send(new BatchWriteItemCommand({ RequestItems: { t: [put('a', 'd2#x', 400_000)] } }));
    expect([client.items, client.writeUnits, client.itemBytes]).toEqual([4, 3 * 391 + 5, 1_205_000]);

    client.reader = 'processor after batch';
    client.at = 15;
    // At 15 the d2 item is not written yet: 800,000 B in one page, ceil(800,000 / 4,096) = 196 RRU.
    await client.send(query('a', 'd1#', 'd2#~', true));
    client.reader = 'scheduler';
    client.at = 20;
    // At 20: 1,200,000 B, pages of 800,000 and 400,000 B: (196 + 98) / 2 RRU eventually consistent.
    await client.send(query('a', 'd1#', 'd2#~', false));
    // Nothing in range: the minimum.
    await client.send(query('a', 'd3#', 'd3#~', false));
    const reads = Object.fromEntries(client.reads().map((r) => [r.reader, r]));
    expect(reads['processor after batch']).toMatchObject({ queries: 1, bytes: 800_000, readUnits: 196 });
    expect(reads.scheduler).toMatchObject({ queries: 2, bytes: 1_200_000, readUnits: 147 + 0.5 });
    expect(reads['query API']).toMatchObject({ queries: 0, readUnits: 0 });
  });

  it('refuses a reader that does not read as wired', async () => {
    const client = new MeteringDynamoClient();
    client.reader = 'scheduler';
    await client.send(query('a', 'd1#', 'd1#~', true));
    expect(() => client.reads()).toThrow(/scheduler read with ConsistentRead true/);
  });
});

describe('recentMeter', () => {
  const t0 = Date.UTC(2026, 10, 23);
  const furnace = (ts: number, value: number, line = 'line-1'): StoredReading => ({
    plantId: 'plant-01',
    line,
    metric: 'furnace_temperature',
    ts,
    value,
    unit: canonicalUnitOf('furnace_temperature'),
    kind: METRICS.furnace_temperature.kind,
    quality: 'GOOD',
    version: 1,
    correction: false,
  });
  const MINUTE = 60_000;

  it('writes the packs the real store makes, one WRU per item under 1 KB', async () => {
    const meter = recentMeter({ start: t0, end: t0 + 86_400_000 });
    const call = [furnace(t0 + 1000, 850), furnace(t0 + 2000, 851), furnace(t0 + 1000, 850, 'line-2')];
    await meter.write(call);
    const figures = meter.figures();
    const packs = packReadings(call, DEFAULT_MAX_PACK_BYTES);
    expect(figures.items).toBe(packs.length);
    expect(figures.writeUnits).toBe(packs.length);
    expect(figures.readings).toBe(3);
    expect(figures.largestItemBytes).toBeLessThan(1024);
    // Before writing, the processor reads the versions stored for the call's identities, strongly consistent.
    const check = figures.reads.find((r) => r.reader === 'processor write check');
    expect(check).toMatchObject({ consistent: true });
    expect(check?.queries).toBeGreaterThan(0);
  });

  it('costs the processor no read for live data and a strongly consistent read for a late batch', async () => {
    const meter = recentMeter({ start: t0, end: t0 + 86_400_000 });
    await meter.write([furnace(t0 + 10 * MINUTE, 850)]);
    const live = meter.figures().reads.find((r) => r.reader === 'processor after batch');
    expect(live?.queries).toBe(0);
    // Readings 30 minutes old, received at 10:00 + 30 min: settled, so the alert step reads them.
    await meter.write([furnace(t0 + 10 * MINUTE, 851), furnace(t0 + 40 * MINUTE, 852)]);
    const late = meter.figures().reads.find((r) => r.reader === 'processor after batch');
    expect(late).toMatchObject({ consistent: true });
    expect(late?.queries).toBeGreaterThan(0);
    expect(late?.readUnits).toBe(late?.queries);
  });

  it('runs the scheduled reads every 5 minutes, eventually consistent, for each plant seen', async () => {
    const meter = recentMeter({ start: t0, end: t0 + 86_400_000 });
    await meter.write([furnace(t0, 850)]);
    const before = meter.figures().reads.find((r) => r.reader === 'scheduler')?.queries ?? 0;
    await meter.write([furnace(t0 + 5 * MINUTE, 850)]);
    const after = meter.figures().reads.find((r) => r.reader === 'scheduler');
    // One run at 00:05: every metric's last 24 h (two parts: the previous period and today) and the
    // furnace line's catch-up window (which also starts before the span).
    expect((after?.queries ?? 0) - before).toBe(2 * METRIC_NAMES.length + 2);
    expect(after?.consistent).toBe(false);
  });

  it('refuses an empty span', () => {
    expect(() => recentMeter({ start: t0, end: t0 })).toThrow(/must end after it starts/);
  });
});
