import {
  type _Record,
  RejectedRecordsException,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../support/memory-ports.ts';
import { NOW } from './fixtures.ts';
import { HOUR_MS, TimestreamFake } from './timestream-fake.ts';

const COMMON: _Record = {
  Dimensions: [{ Name: 'plant', Value: 'kz-ast-01' }],
  MeasureValueType: 'MULTI',
  TimeUnit: 'MILLISECONDS',
};

function record(overrides: Partial<_Record> = {}): _Record {
  return {
    Dimensions: [{ Name: 'line', Value: 'boiler-1' }],
    MeasureName: 'm.2',
    MeasureValues: [{ Name: 'ft', Value: '912.5', Type: 'DOUBLE' }],
    Time: String(NOW - 60_000),
    Version: 1,
    ...overrides,
  };
}

function setup(options: Partial<ConstructorParameters<typeof TimestreamFake>[0]> = {}) {
  const fake = new TimestreamFake({ clock: new FixedClock(NOW), ...options });
  const write = (records: _Record[], table = 'readings') =>
    fake.client.send(
      new WriteRecordsCommand({
        DatabaseName: 'wte',
        TableName: table,
        CommonAttributes: COMMON,
        Records: records,
      }),
    );
  const rejection = (records: _Record[]) =>
    write(records).then(
      () => undefined,
      (error: unknown) => {
        expect(error).toBeInstanceOf(RejectedRecordsException);
        return (error as RejectedRecordsException).RejectedRecords;
      },
    );
  return { fake, write, rejection };
}

describe('TimestreamFake', () => {
  it('refuses calls of 0 or more than 100 records, and unknown tables', async () => {
    const { write } = setup();
    await expect(write([])).rejects.toMatchObject({ name: 'ValidationException' });
    const many = Array.from({ length: 101 }, (_, i) => record({ Time: String(NOW - i) }));
    await expect(write(many)).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(write(many.slice(0, 100))).resolves.toMatchObject({ RecordsIngested: { Total: 100 } });
    await expect(write([record()], 'nope')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('accepts an identical rewrite, rejects other values at the same version, upserts a higher one', async () => {
    const { fake, write, rejection } = setup();
    await write([record()]);
    expect(await rejection([record()])).toBeUndefined();
    const changed = record({ MeasureValues: [{ Name: 'ft', Value: '913', Type: 'DOUBLE' }] });
    expect(await rejection([record({ Time: String(NOW - 1) }), changed])).toEqual([
      { RecordIndex: 1, ExistingVersion: 1, Reason: expect.stringMatching(/already exists/) },
    ]);
    expect(fake.records()).toHaveLength(2);
    await write([{ ...changed, Version: 5 }]);
    expect(await rejection([{ ...record(), Version: 3 }])).toEqual([
      {
        RecordIndex: 0,
        ExistingVersion: 5,
        Reason: expect.stringMatching(/version 3 is lower than the existing version 5/),
      },
    ]);
    expect(fake.records().find((r) => r.version === 5)?.measures).toEqual({ ft: '913' });
  });

  it('rejects records over 2 KB, over 256 measures, or with a measure of another type', async () => {
    const { fake, rejection } = setup();
    const big = record({ MeasureValues: [{ Name: 'x', Value: 'a'.repeat(2048), Type: 'VARCHAR' }] });
    const wide = record({
      MeasureName: 'wide',
      MeasureValues: Array.from({ length: 257 }, (_, i) => ({
        Name: `b${i}`,
        Value: 'true',
        Type: 'BOOLEAN' as const,
      })),
    });
    const retyped = record({
      Time: String(NOW - 5),
      MeasureValues: [{ Name: 'ft', Value: 'hot', Type: 'VARCHAR' }],
    });
    const rejected = await rejection([record(), big, wide, retyped]);
    expect(rejected?.map((r) => r.RecordIndex)).toEqual([1, 2, 3]);
    expect(rejected?.[0]?.Reason).toMatch(/exceeds the maximum of 2048 bytes/);
    expect(rejected?.[1]?.Reason).toMatch(/257 measures/);
    expect(rejected?.[2]?.Reason).toMatch(/type VARCHAR/);
    expect(fake.records()).toHaveLength(1);
  });

  it('rejects timestamps older than the memory store or more than 15 minutes ahead', async () => {
    const { rejection } = setup({ memoryRetentionMs: HOUR_MS });
    const rejected = await rejection([
      record({ Time: String(NOW - HOUR_MS - 1) }),
      record({ Time: String(NOW + 15 * 60_000 + 1) }),
      record({ Time: String(NOW + 15 * 60_000) }),
    ]);
    expect(rejected?.map((r) => r.RecordIndex)).toEqual([0, 1]);
    for (const r of rejected ?? [])
      expect(r.Reason).toMatch(/outside the time range .* of the data ingestion window/);
  });

  it('injects throttles and 5xx at the configured rates, the same way for the same seed', async () => {
    const run = async (seed: number) => {
      const { fake, write } = setup({ throttleRate: 0.3, serverErrorRate: 0.05, seed });
      const outcomes: string[] = [];
      for (let i = 0; i < 1000; i++) {
        outcomes.push(
          await write([record()]).then(
            () => 'ok',
            (e: { name: string; $metadata?: { httpStatusCode?: number } }) =>
              `${e.name}:${e.$metadata?.httpStatusCode}`,
          ),
        );
      }
      return { fake, outcomes };
    };
    const a = await run(7);
    expect((await run(7)).outcomes).toEqual(a.outcomes);
    expect((await run(8)).outcomes).not.toEqual(a.outcomes);
    expect(a.fake.throttled).toBeGreaterThan(250);
    expect(a.fake.throttled).toBeLessThan(350);
    expect(a.fake.serverErrors).toBeGreaterThan(25);
    expect(a.fake.serverErrors).toBeLessThan(80);
    expect(new Set(a.outcomes)).toEqual(
      new Set(['ok', 'ThrottlingException:429', 'InternalServerException:500', 'ServiceUnavailable:503']),
    );
    expect(a.fake.calls).toBe(1000);
    expect(a.fake.ingestCalls).toBe(1000 - a.fake.throttled - a.fake.serverErrors);
  });

  it('counts billed KiB per call with common attributes once', async () => {
    const { fake, write } = setup();
    await write([record()]);
    // common 5+9; record 8 + 4+8 + 3 + 2+8
    expect(fake.billedKiB).toBe(1);
    await write(Array.from({ length: 40 }, (_, i) => record({ Time: String(NOW - 10 - i) })));
    // 14 + 40 x 33 = 1334 bytes
    expect(fake.billedKiB).toBe(3);
  });
});
