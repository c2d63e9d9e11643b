import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { type StoredReading, UnavailableError } from '../../../lambdas/domain/ports.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { ALL_TIME, MINUTE, movement, NOW, PLANT, reading } from './fixtures.ts';

let store: DuckDbMetricsStore;
let clock: FixedClock;

beforeEach(async () => {
  clock = new FixedClock(NOW);
  store = await DuckDbMetricsStore.open({ path: ':memory:', clock });
});
afterEach(async () => {
  await store.close();
});

const series = (metric: StoredReading['metric'] = 'furnace_temperature', line?: string) =>
  store.readReadings({ plantId: PLANT, metric, ...ALL_TIME, ...(line === undefined ? {} : { line }) });

describe('writing and reading readings', () => {
  it('reads back what it stored, every quality, in time order, with kind and correction', async () => {
    const batch = [
      reading({ ts: NOW - 1 * MINUTE, value: 905, quality: 'BAD' }),
      reading({ ts: NOW - 3 * MINUTE, value: 901.25 }),
      reading({ ts: NOW - 2 * MINUTE, value: 903, quality: 'UNCERTAIN', line: 'L2' }),
      reading({ ts: NOW - 2 * MINUTE, value: 1e-7, correction: true, version: NOW - 5_000 }),
    ];

    expect(await store.writeReadings(batch)).toEqual({ stored: 4, rejected: [] });

    const expected = [batch[1], batch[3], batch[2], batch[0]];
    expect(await series()).toStrictEqual(expected);
  });

  it('reads [from, to) of one plant and metric, optionally one line', async () => {
    await store.writeReadings([
      reading({ ts: NOW - 3 * MINUTE }),
      reading({ ts: NOW - 2 * MINUTE }),
      reading({ ts: NOW - 2 * MINUTE, line: 'L2' }),
      reading({ ts: NOW - 1 * MINUTE }),
      reading({ ts: NOW - 2 * MINUTE, plantId: 'kz-ala-02' }),
      reading({ ts: NOW - 2 * MINUTE, metric: 'steam_temperature' }),
    ]);

    const window = {
      plantId: PLANT,
      metric: 'furnace_temperature',
      from: NOW - 3 * MINUTE,
      to: NOW - MINUTE,
    } as const;
    const all = await store.readReadings(window);
    expect(all.map((r) => [r.ts - NOW, r.line])).toEqual([
      [-3 * MINUTE, 'L1'],
      [-2 * MINUTE, 'L1'],
      [-2 * MINUTE, 'L2'],
    ]);
    const line2 = await store.readReadings({ ...window, line: 'L2' });
    expect(line2.map((r) => [r.ts - NOW, r.line])).toEqual([[-2 * MINUTE, 'L2']]);
    expect(await store.readReadings({ ...window, from: NOW - 2 * MINUTE + 0.5 })).toHaveLength(0);
  });

  it('stores the counter kind from the catalog and returns numbers, not bigints', async () => {
    await store.writeReadings([
      reading({ metric: 'waste_fed', kind: 'counter', unit: 't', value: 123456.789, version: NOW }),
    ]);
    const [stored] = await series('waste_fed');
    expect(stored).toMatchObject({ kind: 'counter', correction: true, value: 123456.789 });
    expect(typeof stored?.ts).toBe('number');
    expect(typeof stored?.version).toBe('number');
  });
});

describe('redelivery and version rules', () => {
  it('leaves identical rows and rejects nothing when the same batch comes twice', async () => {
    const batch = Array.from({ length: 50 }, (_, i) =>
      reading({ ts: NOW - (i + 1) * MINUTE, value: 850 + i / 3, line: `L${i % 3}` }),
    );
    expect(await store.writeReadings(batch)).toEqual({ stored: 50, rejected: [] });
    const first = await series();

    expect(await store.writeReadings(batch)).toEqual({ stored: 50, rejected: [] });
    expect(await store.writeReadings([...batch].reverse())).toEqual({ stored: 50, rejected: [] });
    expect(await series()).toStrictEqual(first);
  });

  it('treats values equal to 12 significant digits as the same content', async () => {
    await store.writeReadings([reading({ value: 0.1 + 0.2 })]);
    const result = await store.writeReadings([reading({ value: 0.3 })]);
    expect(result).toEqual({ stored: 1, rejected: [] });
    expect((await series()).map((r) => r.value)).toEqual([0.3]);
  });

  it('stores values and tonnes at 12 significant digits, as Timestream stores them', async () => {
    await store.writeReadings([reading({ value: 1 / 3 })]);
    await store.writeMovements([movement({ netTonnes: 2 / 3 })]);
    expect((await series()).map((r) => r.value)).toEqual([0.333333333333]);
    expect((await store.readMovements(PLANT, 0, NOW)).map((m) => m.netTonnes)).toEqual([0.666666666667]);
  });

  it('rejects a different value without a higher version as a conflict and stores the rest of the batch', async () => {
    await store.writeReadings([reading({ value: 900 })]);
    const conflicting = reading({ value: 901 });
    const fresh = reading({ ts: NOW - 2 * MINUTE, value: 899 });

    const result = await store.writeReadings([conflicting, fresh]);

    expect(result.stored).toBe(1);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.item).toBe(conflicting);
    expect(result.rejected[0]?.kind).toBe('conflict');
    expect(result.rejected[0]?.reason).toMatch(
      /record version 1\. A higher record version must be specified/,
    );
    expect((await series()).map((r) => [r.ts - NOW, r.value])).toEqual([
      [-2 * MINUTE, 899],
      [-MINUTE, 900],
    ]);
  });

  it('rejects a different quality at the same version as a conflict', async () => {
    await store.writeReadings([reading({ quality: 'GOOD' })]);
    const result = await store.writeReadings([reading({ quality: 'BAD' })]);
    expect(result.rejected.map((r) => r.kind)).toEqual(['conflict']);
    expect((await series()).map((r) => r.quality)).toEqual(['GOOD']);
  });

  it.each([
    ['smaller first', [1, 2, 1]],
    ['larger first', [2, 1, 1]],
  ])(
    'stores the smallest content of disagreeing copies in one call when nothing is stored, whatever the order (%s)',
    async (_order, values) => {
      const batch = values.map((value) => reading({ value }));
      const result = await store.writeReadings(batch);
      expect(result.stored).toBe(2);
      expect(result.rejected).toEqual([
        {
          item: batch[values.indexOf(2)],
          kind: 'conflict',
          reason: expect.stringContaining(
            'A record already exists with the same time, dimensions, measure name, and record version 1.',
          ),
        },
      ]);
      expect((await series()).map((r) => r.value)).toEqual([1]);
    },
  );

  it.each([
    ['redelivery first', [2, 1]],
    ['redelivery last', [1, 2]],
  ])(
    'stores a redelivery of the stored content and refuses only the differing copy of the same call (%s)',
    async (_order, values) => {
      await store.writeReadings([reading({ value: 2 })]);
      const batch = values.map((value) => reading({ value }));
      const result = await store.writeReadings(batch);
      expect(result.stored).toBe(1);
      expect(result.rejected).toEqual([
        {
          item: batch[values.indexOf(1)],
          kind: 'conflict',
          reason: expect.stringContaining('and record version 1. A higher record version must be specified'),
        },
      ]);
      expect((await series()).map((r) => r.value)).toEqual([2]);
    },
  );

  it('applies disagreeing copies in fingerprint order, each against what is stored at that moment', async () => {
    await store.writeReadings([reading({ value: 2 })]);
    const batch = [3, 2, 1, 2, 3].map((value) => reading({ value }));
    const result = await store.writeReadings(batch);
    expect(result.stored).toBe(2);
    expect(result.rejected.map((r) => [r.item.value, r.kind])).toEqual([
      [3, 'conflict'],
      [1, 'conflict'],
      [3, 'conflict'],
    ]);
    expect((await series()).map((r) => r.value)).toEqual([2]);
  });

  it('keeps whichever content of one version reached it first across calls: calls are not reordered', async () => {
    const larger = reading({ value: 2 });
    const smaller = reading({ value: 1 });
    expect(await store.writeReadings([larger])).toEqual({ stored: 1, rejected: [] });
    const later = await store.writeReadings([smaller]);
    expect(later.rejected.map((r) => [r.item, r.kind])).toEqual([[smaller, 'conflict']]);
    expect((await series()).map((r) => r.value)).toEqual([2]);
  });

  it('replaces the stored reading with a correction of a higher version', async () => {
    await store.writeReadings([reading({ value: 900, quality: 'UNCERTAIN' })]);
    const corrected = reading({ value: 930.5, quality: 'GOOD', correction: true, version: NOW });

    expect(await store.writeReadings([corrected])).toEqual({ stored: 1, rejected: [] });
    expect(await series()).toStrictEqual([corrected]);
  });

  it('takes the higher version of an identical rewrite', async () => {
    await store.writeReadings([reading()]);
    await store.writeReadings([reading({ correction: true, version: NOW })]);
    expect((await series()).map((r) => [r.version, r.correction])).toEqual([[NOW, true]]);
  });

  it('counts an older correction arriving after a newer one as stored and keeps the newer', async () => {
    const newer = reading({ value: 940, correction: true, version: NOW });
    const older = reading({ value: 920, correction: true, version: NOW - 10 * MINUTE });
    const base = reading({ value: 900 });
    await store.writeReadings([newer]);

    expect(await store.writeReadings([older])).toEqual({ stored: 1, rejected: [] });
    expect(await store.writeReadings([base])).toEqual({ stored: 1, rejected: [] });
    expect(await series()).toStrictEqual([newer]);
  });

  it('applies the versions of one call lowest first, as the Timestream adapter sends them', async () => {
    const stored = reading({ value: 1, correction: true, version: NOW - 10 * MINUTE });
    await store.writeReadings([stored]);
    const newest = reading({ value: 3, correction: true, version: NOW });
    const sameVersionOtherValue = reading({ value: 2, correction: true, version: NOW - 10 * MINUTE });

    const result = await store.writeReadings([newest, sameVersionOtherValue]);

    expect(result.stored).toBe(1);
    expect(result.rejected.map((r) => [r.item, r.kind])).toEqual([[sameVersionOtherValue, 'conflict']]);
    expect(await series()).toStrictEqual([newest]);
  });

  it('sorts a correction and its original that arrive in one batch by version, not position', async () => {
    const corrected = reading({ value: 940, correction: true, version: NOW });
    const original = reading({ value: 900 });
    expect(await store.writeReadings([corrected, original])).toEqual({ stored: 2, rejected: [] });
    expect(await series()).toStrictEqual([corrected]);
  });
});

describe('the ingestion window', () => {
  it('rejects timestamps more than 15 minutes ahead of the clock as out-of-window', async () => {
    const atLimit = reading({ ts: NOW + 15 * MINUTE });
    const beyond = reading({ ts: NOW + 15 * MINUTE + 1 });

    const result = await store.writeReadings([beyond, atLimit]);

    expect(result.stored).toBe(1);
    expect(result.rejected).toEqual([
      {
        item: beyond,
        kind: 'out-of-window',
        reason: expect.stringContaining(
          'is outside the time range [-Infinity, 2026-11-24T12:15:00.000Z] of the data ingestion window',
        ),
      },
    ]);
    expect((await series()).map((r) => r.ts)).toEqual([NOW + 15 * MINUTE]);
  });

  it('judges the window by the injected clock', async () => {
    const later = reading({ ts: NOW + 60 * MINUTE });
    expect((await store.writeReadings([later])).rejected).toHaveLength(1);
    clock.current = NOW + 50 * MINUTE;
    expect(await store.writeReadings([later])).toEqual({ stored: 1, rejected: [] });
  });

  it('keeps old data by default, as local mode keeps everything', async () => {
    const old = reading({ ts: Date.parse('2001-01-01T00:00:00Z') });
    expect(await store.writeReadings([old])).toEqual({ stored: 1, rejected: [] });
  });

  it('rejects readings and movements older than the retention when one is set', async () => {
    const retained = await DuckDbMetricsStore.open({
      path: ':memory:',
      clock,
      retentionMs: 24 * 60 * MINUTE,
      futureToleranceMs: 0,
    });
    try {
      const tooOld = reading({ ts: NOW - 24 * 60 * MINUTE - 1 });
      const oldest = reading({ ts: NOW - 24 * 60 * MINUTE });
      const ahead = reading({ ts: NOW + 1 });
      const result = await retained.writeReadings([tooOld, oldest, ahead]);
      expect(result.stored).toBe(1);
      expect(result.rejected.map((r) => [r.item, r.kind])).toEqual([
        [tooOld, 'out-of-window'],
        [ahead, 'out-of-window'],
      ]);
      expect(result.rejected[0]?.reason).toContain('[2026-11-23T12:00:00.000Z, 2026-11-24T12:00:00.000Z]');

      const oldTicket = movement({ ts: NOW - 25 * 60 * MINUTE });
      expect((await retained.writeMovements([oldTicket])).rejected.map((r) => r.kind)).toEqual([
        'out-of-window',
      ]);
    } finally {
      await retained.close();
    }
  });
});

describe('items the store cannot hold', () => {
  it('rejects what Timestream could not hold as invalid, and stores the rest', async () => {
    const refused = [
      reading({ value: Number.NaN }),
      reading({ ts: NOW - 1.5 }),
      reading({ ts: -1 }),
      reading({ version: 0 }),
      reading({ unit: 'K' }),
      reading({ kind: 'counter' }),
      reading({ line: '' }),
    ];
    const fine = reading({ ts: NOW - 2 * MINUTE });

    const result = await store.writeReadings([...refused, fine]);

    expect(result.stored).toBe(1);
    expect(result.rejected.map((r) => [r.item, r.kind])).toEqual(refused.map((r) => [r, 'invalid']));
    expect(await series()).toStrictEqual([fine]);
  });

  it('judges the window before validity, as the Timestream adapter does', async () => {
    const farFuture = reading({ ts: 1e20 });
    const result = await store.writeReadings([farFuture]);
    expect(result.rejected).toEqual([
      {
        item: farFuture,
        kind: 'out-of-window',
        reason: expect.stringContaining('timestamp 100000000000000000000 is outside'),
      },
    ]);
  });

  it('rejects identities that are not well-formed Unicode instead of storing them under another name', async () => {
    const loneSurrogate = reading({ line: 'L\uD800' });
    const ticket = movement({ ticketId: 'WB-\uDFFF' });
    expect((await store.writeReadings([loneSurrogate])).rejected.map((r) => r.kind)).toEqual(['invalid']);
    expect((await store.writeMovements([ticket])).rejected.map((r) => r.kind)).toEqual(['invalid']);
  });
});

describe('engine failures', () => {
  it('rolls back the whole call when a write fails midway, and stays usable', async () => {
    const good = reading({ ts: NOW - 2 * MINUTE });
    let unitReads = 0;
    // Passes validation, then fails while the batch is staged inside the transaction.
    const failing = Object.defineProperty(reading(), 'unit', {
      get: () => {
        unitReads++;
        if (unitReads > 1) throw new Error('staging failed (test)');
        return 'degC';
      },
    });

    const error = await store.writeReadings([good, failing]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toEqual(new Error('staging failed (test)'));
    expect(await series()).toEqual([]);
    expect(await store.writeReadings([good])).toEqual({ stored: 1, rejected: [] });
    expect(await series()).toStrictEqual([good]);
  });
});

describe('readLastBefore', () => {
  it('returns the last GOOD reading of each line strictly before the instant', async () => {
    const before = NOW - 10 * MINUTE;
    await store.writeReadings([
      reading({ line: 'L1', ts: before - 3 * MINUTE, value: 1 }),
      reading({ line: 'L1', ts: before - 2 * MINUTE, value: 2 }),
      reading({ line: 'L1', ts: before - 1 * MINUTE, value: 3, quality: 'BAD' }),
      reading({ line: 'L1', ts: before - 30_000, value: 4, quality: 'UNCERTAIN' }),
      reading({ line: 'L2', ts: before - 5 * MINUTE, value: 5 }),
      reading({ line: 'L2', ts: before, value: 6 }),
      reading({ line: 'L3', ts: before - 1 * MINUTE, value: 7, quality: 'BAD' }),
      reading({ line: 'L4', ts: before - 1 * MINUTE, value: 8, metric: 'steam_temperature' }),
      reading({ line: 'L5', ts: before - 1 * MINUTE, value: 9, plantId: 'kz-ala-02' }),
    ]);

    const last = await store.readLastBefore(PLANT, 'furnace_temperature', before);

    expect(last.map((r) => [r.line, r.value, r.ts - before])).toEqual([
      ['L1', 2, -2 * MINUTE],
      ['L2', 5, -5 * MINUTE],
    ]);
  });

  it('sees a correction that turned a BAD reading GOOD', async () => {
    await store.writeReadings([
      reading({ ts: NOW - 2 * MINUTE, value: 1 }),
      reading({ ts: NOW - 1 * MINUTE, value: 2, quality: 'BAD' }),
    ]);
    await store.writeReadings([
      reading({ ts: NOW - 1 * MINUTE, value: 2.5, correction: true, version: NOW }),
    ]);
    const last = await store.readLastBefore(PLANT, 'furnace_temperature', NOW);
    expect(last.map((r) => r.value)).toEqual([2.5]);
  });
});

describe('movements', () => {
  it('reads back the latest version of each ticket with ts in [from, to), in time order', async () => {
    const inbound = movement({ ticketId: 'WB-9', ts: NOW - 50 * MINUTE });
    const outbound = movement({
      ticketId: 'WB-2',
      ts: NOW - 40 * MINUTE,
      direction: 'out',
      material: 'bottom_ash',
      destination: 'landfill',
      operationCode: 'D1',
      netTonnes: 20.5,
    });
    const moved = movement({ ticketId: 'WB-5', ts: NOW - 30 * MINUTE });
    const otherPlant = movement({ ticketId: 'WB-1', plantId: 'kz-ala-02' });
    expect(await store.writeMovements([inbound, outbound, moved, otherPlant])).toEqual({
      stored: 4,
      rejected: [],
    });

    const corrected = {
      ...outbound,
      netTonnes: 19.75,
      destination: 'recycling',
      correction: true,
      version: NOW,
    } as const;
    const movedOut = { ...moved, ts: NOW - 5 * MINUTE, correction: true, version: NOW - MINUTE };
    const stale = { ...outbound, netTonnes: 1, correction: true, version: NOW - 2 * MINUTE };
    expect(await store.writeMovements([corrected, movedOut, stale, inbound])).toEqual({
      stored: 4,
      rejected: [],
    });

    const read = await store.readMovements(PLANT, NOW - 50 * MINUTE, NOW - 10 * MINUTE);
    expect(read).toStrictEqual([inbound, corrected]);
    expect(await store.readMovements(PLANT, NOW - 50 * MINUTE + 1, NOW)).toStrictEqual([corrected, movedOut]);
  });

  it('rejects a ticket resent with different content and no higher version as a conflict', async () => {
    const original = movement();
    await store.writeMovements([original]);
    const resent = movement({ netTonnes: 13 });
    const other = movement({ ticketId: 'WB-2026-0002' });

    const result = await store.writeMovements([resent, other, original]);

    expect(result.stored).toBe(2);
    expect(result.rejected.map((r) => [r.item, r.kind])).toEqual([[resent, 'conflict']]);
    expect(await store.readMovements(PLANT, 0, NOW)).toStrictEqual([original, other]);
  });
  it('stores a redelivered ticket and refuses only the differing copy of the same call, whatever the order', async () => {
    const original = movement();
    await store.writeMovements([original]);
    // 'bottom_ash' sorts before 'mixed_waste': the differing copy comes first in fingerprint order.
    const differing = movement({ material: 'bottom_ash' });
    for (const batch of [
      [original, differing],
      [differing, original],
    ]) {
      const result = await store.writeMovements(batch);
      expect(result.stored).toBe(1);
      expect(result.rejected.map((r) => [r.item, r.kind])).toEqual([[differing, 'conflict']]);
      expect(result.rejected[0]?.reason).toContain('A record already exists with the same plant and ticket');
    }
    expect(await store.readMovements(PLANT, 0, NOW)).toStrictEqual([original]);
  });

  it('refuses a same-version copy of a ticket at another time in one call, as the Timestream adapter does', async () => {
    const earlier = movement();
    const later = movement({ ts: earlier.ts + MINUTE });
    const result = await store.writeMovements([later, earlier]);
    expect(result.stored).toBe(1);
    expect(result.rejected).toEqual([
      {
        item: later,
        kind: 'conflict',
        reason: expect.stringContaining(
          'A record already exists with the same plant and ticket, and record version 1.',
        ),
      },
    ]);
    expect(await store.readMovements(PLANT, 0, NOW)).toStrictEqual([earlier]);
  });
});

describe('concurrency and volume', () => {
  it('serializes concurrent writes so none interleaves with another transaction', async () => {
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 30 }, (_, i) =>
        b % 2 === 0
          ? reading({ ts: NOW - (i + 1) * MINUTE, value: i })
          : reading({ ts: NOW - (i + 1) * MINUTE, value: 1000 + b, correction: true, version: NOW + b }),
      ),
    );
    const ticketWrites = batches.map((_, b) => store.writeMovements([movement({ ticketId: `WB-${b}` })]));

    const results = await Promise.all([
      ...batches.map((batch) => store.writeReadings(batch)),
      ...ticketWrites,
    ]);

    expect(results.every((r) => r.rejected.length === 0)).toBe(true);
    const values = (await series()).map((r) => [r.value, r.version]);
    expect(values).toEqual(Array.from({ length: 30 }, () => [1019, NOW + 19]));
    expect(await store.readMovements(PLANT, 0, NOW)).toHaveLength(20);
  });

  it('writes 10,000 readings in one call and reads them all back', async () => {
    const batch = Array.from({ length: 10_000 }, (_, i) =>
      reading({ line: `L${i % 4}`, ts: NOW - Math.floor(i / 4) * 1_000, value: i / 8 }),
    );
    expect(await store.writeReadings(batch)).toEqual({ stored: 10_000, rejected: [] });
    expect(await store.writeReadings(batch)).toEqual({ stored: 10_000, rejected: [] });
    const read = await series();
    expect(read).toHaveLength(10_000);
    expect(read.map((r) => r.value).sort((a, b) => a - b)).toEqual(batch.map((r) => r.value));
  });
});

describe('lifecycle', () => {
  it('keeps what it stored in a file across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wte-duckdb-'));
    try {
      const path = join(dir, 'data', 'metrics.duckdb');
      const readings = [reading(), reading({ ts: NOW - 2 * MINUTE, quality: 'BAD', line: 'L2' })];
      const tickets = [
        movement(),
        movement({ ticketId: 'WB-2026-0002', direction: 'out', destination: 'recycling' }),
      ];
      const first = await DuckDbMetricsStore.open({ path, clock });
      await first.writeReadings(readings);
      await first.writeMovements(tickets);
      await first.close();

      const reopened = await DuckDbMetricsStore.open({ path, clock });
      try {
        expect(
          await reopened.readReadings({ plantId: PLANT, metric: 'furnace_temperature', ...ALL_TIME }),
        ).toStrictEqual([readings[1], readings[0]]);
        expect(await reopened.readMovements(PLANT, 0, NOW)).toStrictEqual(tickets);
        expect(await reopened.writeReadings(readings)).toEqual({ stored: 2, rejected: [] });
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finishes calls already made before closing, then refuses new ones as unavailable', async () => {
    const pending = store.writeReadings([reading()]);
    const closed = store.close();
    expect(await pending).toEqual({ stored: 1, rejected: [] });
    await closed;
    await expect(store.readLastBefore(PLANT, 'furnace_temperature', NOW)).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  it('refuses options that make no sense, showing the bad value', async () => {
    await expect(DuckDbMetricsStore.open({ path: ':memory:', futureToleranceMs: -1 })).rejects.toThrow(
      /futureToleranceMs .* got -1/,
    );
    await expect(DuckDbMetricsStore.open({ path: ':memory:', retentionMs: 0 })).rejects.toThrow(
      /retentionMs .* got 0/,
    );
  });
});
