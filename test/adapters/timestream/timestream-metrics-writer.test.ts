import {
  AccessDeniedException,
  RejectedRecordsException,
  ValidationException,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { describe, expect, it } from 'vitest';
import {
  callsOf,
  movementOfRow,
  planReadingWrites,
  readingsOfRow,
} from '../../../lambdas/adapters/timestream/records.ts';
import {
  classifyRejection,
  isTransient,
  TimestreamMetricsWriter,
  TimestreamWriteError,
} from '../../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import { readingKey } from '../../../lambdas/domain/identity.ts';
import type { WriteResult } from '../../../lambdas/domain/metrics-ports.ts';
import { type StoredMovement, type StoredReading, UnavailableError } from '../../../lambdas/domain/ports.ts';
import {
  correction,
  harness,
  MINUTE,
  messageReadings,
  movement,
  NOW,
  PLANT,
  reading,
  shuffled,
} from './fixtures.ts';
import { HOUR_MS, type TimestreamFake } from './timestream-fake.ts';

/** Every reading stored in the fake, decoded. */
function storedReadings(fake: TimestreamFake): StoredReading[] {
  return fake.records('readings').flatMap((record) => {
    const decoded = readingsOfRow(record);
    for (const r of decoded) expect(r.version).toBe(record.version);
    return decoded;
  });
}

/** The latest version of each reading identity, as a reader resolves it. */
function latestReadings(fake: TimestreamFake): Map<string, StoredReading> {
  const latest = new Map<string, StoredReading>();
  for (const r of storedReadings(fake)) {
    const current = latest.get(readingKey(r));
    if (current === undefined || r.version > current.version) latest.set(readingKey(r), r);
  }
  return latest;
}

function expectAccounted<T>(result: WriteResult<T>, input: readonly T[]): void {
  expect(result.stored + result.rejected.length).toBe(input.length);
}

const day = (n: number) => Array.from({ length: n }, (_, i) => NOW - (n - i) * 10_000);

describe('TimestreamMetricsWriter.writeReadings', () => {
  it('stores a batch and a redelivery (in another order) leaves the same state without rejections', async () => {
    const { fake, writer } = harness();
    const readings = day(30).flatMap((ts) => [
      ...messageReadings(PLANT, ts),
      ...messageReadings('kz-shy-02', ts),
    ]);
    const first = await writer.writeReadings(readings);
    expect(first).toEqual({ stored: readings.length, rejected: [] });
    const snapshot = structuredClone(fake.records('readings'));
    const again = await writer.writeReadings(shuffled(readings, 11));
    expect(again).toEqual({ stored: readings.length, rejected: [] });
    expect(fake.records('readings')).toEqual(snapshot);
    expect(storedReadings(fake)).toHaveLength(readings.length);
    expect(new Set(storedReadings(fake).map(readingKey))).toEqual(new Set(readings.map(readingKey)));
  });

  it('refuses a different value without correction as a conflict, with the reason; other records are stored', async () => {
    const { fake, writer } = harness();
    const original = messageReadings(PLANT, NOW - MINUTE);
    await writer.writeReadings(original);
    const changed = original.map((r) =>
      r.line === 'turbine' && r.metric === 'power_gross' ? { ...r, value: r.value + 1 } : r,
    );
    const fresh = messageReadings(PLANT, NOW);
    const input = [...changed, ...fresh];
    const result = await writer.writeReadings(input);
    expectAccounted(result, input);
    const turbine = changed.filter((r) => r.line === 'turbine');
    expect(result.rejected.map((r) => r.item)).toEqual(expect.arrayContaining(turbine));
    expect(result.rejected).toHaveLength(turbine.length);
    for (const rejection of result.rejected) {
      expect(rejection.kind).toBe('conflict');
      expect(rejection.reason).toMatch(/already exists/);
    }
    const latest = latestReadings(fake);
    for (const r of [...original, ...fresh]) expect(latest.get(readingKey(r))?.value).toBe(r.value);
  });

  it('upserts a correction with a higher version', async () => {
    const { fake, writer } = harness();
    const original = [reading(), reading({ metric: 'flue_gas_o2', value: 6.2 })];
    await writer.writeReadings(original);
    const fixed = original.map((r) => correction(r, r.value + 10, NOW));
    expect(await writer.writeReadings(fixed)).toEqual({ stored: 2, rejected: [] });
    const records = fake.records('readings');
    expect(records).toHaveLength(1);
    expect(records[0]?.version).toBe(NOW);
    expect(readingsOfRow(records[0] as (typeof records)[number])).toEqual(fixed);
  });

  it('stores a correction of part of a record beside it; the highest version wins for that reading', async () => {
    const { fake, writer } = harness();
    const original = [reading(), reading({ metric: 'flue_gas_o2', value: 6.2 })];
    await writer.writeReadings(original);
    const fixed = correction(original[0] as StoredReading, 930, NOW);
    expect(await writer.writeReadings([fixed])).toEqual({ stored: 1, rejected: [] });
    const latest = latestReadings(fake);
    expect(latest.get(readingKey(fixed))).toEqual(fixed);
    expect(latest.get(readingKey(original[1] as StoredReading))?.value).toBe(6.2);
  });

  it('counts an older correction arriving after a newer one as stored (superseded), not rejected', async () => {
    const { fake, writer } = harness();
    const original = reading();
    const newer = correction(original, 930, NOW);
    const older = correction(original, 925, NOW - 5_000);
    await writer.writeReadings([newer]);
    const result = await writer.writeReadings([older]);
    expect(result).toEqual({ stored: 1, rejected: [] });
    expect(fake.calls).toBe(2);
    expect(latestReadings(fake).get(readingKey(original))).toEqual(newer);
    // And the base version redelivered after the correction: superseded as well.
    expect(await writer.writeReadings([{ ...original, value: 900 }])).toEqual({ stored: 1, rejected: [] });
  });

  it('refuses readings outside the memory-store window as out-of-window and stores the rest', async () => {
    const { fake, writer } = harness({ memoryRetentionMs: 6 * HOUR_MS });
    const old = messageReadings(PLANT, NOW - 7 * HOUR_MS);
    const recent = messageReadings(PLANT, NOW - MINUTE);
    const result = await writer.writeReadings([...old, ...recent]);
    expectAccounted(result, [...old, ...recent]);
    expect(result.stored).toBe(recent.length);
    expect(new Set(result.rejected.map((r) => r.item))).toEqual(new Set(old));
    for (const rejection of result.rejected) {
      expect(rejection.kind).toBe('out-of-window');
      expect(rejection.reason).toMatch(/data ingestion window/);
    }
    expect(storedReadings(fake)).toHaveLength(recent.length);
  });

  it('refuses timestamps beyond the future tolerance, or older than a configured retention, without a call', async () => {
    const { fake, writer } = harness({}, { retentionMs: HOUR_MS });
    const future = reading({ ts: NOW + 16 * MINUTE });
    const tooOld = reading({ ts: NOW - 2 * HOUR_MS });
    const result = await writer.writeReadings([future, tooOld]);
    expect(result.stored).toBe(0);
    expect(result.rejected.map((r) => [r.item, r.kind])).toEqual([
      [future, 'out-of-window'],
      [tooOld, 'out-of-window'],
    ]);
    expect(fake.calls).toBe(0);
    expect(await writer.writeReadings([reading({ ts: NOW + 14 * MINUTE })])).toEqual({
      stored: 1,
      rejected: [],
    });
  });

  it('loses nothing and doubles nothing with 30 % of calls throttled and 5 % failing with 5xx', async () => {
    const { fake, writer, sleeps } = harness({ throttleRate: 0.3, serverErrorRate: 0.05, seed: 2026 }, {});
    const plants = ['kz-ast-01', 'kz-shy-02', 'kz-ala-03', 'kz-kar-04', 'kz-akt-05'];
    const readings = day(120).flatMap((ts) => plants.flatMap((p) => messageReadings(p, ts)));
    const plannedCalls = callsOf(planReadingWrites(readings)).length;
    expect(plannedCalls).toBeGreaterThan(10);
    // The pipeline redelivers a batch whose write failed (SQS, at most 5 receives).
    let result: WriteResult<StoredReading> | undefined;
    let deliveries = 0;
    while (result === undefined && deliveries < 5) {
      deliveries++;
      try {
        result = await writer.writeReadings(readings);
      } catch (error) {
        expect(error).toBeInstanceOf(UnavailableError);
      }
    }
    expect(result).toEqual({ stored: readings.length, rejected: [] });
    expect(fake.throttled).toBeGreaterThan(0);
    expect(fake.serverErrors).toBeGreaterThan(1);
    expect(fake.calls).toBeLessThanOrEqual(deliveries * plannedCalls * 6);
    expect(Math.max(...sleeps)).toBeLessThan(3200);
    const stored = storedReadings(fake);
    expect(stored).toHaveLength(readings.length);
    const byKey = new Map(stored.map((r) => [readingKey(r), r]));
    expect(byKey.size).toBe(readings.length);
    for (const r of readings) expect(byKey.get(readingKey(r))).toEqual(r);
  });

  it('gives up with UnavailableError after a bounded number of attempts when every call is throttled', async () => {
    const { fake, writer, sleeps } = harness({ throttleRate: 1 });
    const error = await writer.writeReadings([reading()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toMatchObject({ name: 'ThrottlingException' });
    expect(fake.calls).toBe(6);
    expect(sleeps).toHaveLength(5);
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(Math.min(3200, 100 * 2 ** i));
    });
  });

  it('stops retrying before the deadline minus the margin, with UnavailableError', async () => {
    const deadline = NOW + 1_500;
    const h = harness({ throttleRate: 1 }, { deadlineMarginMs: 1_000, baseDelayMs: 400, maxDelayMs: 400 });
    const error = await h.writer.writeReadings([reading()], { deadline }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(h.fake.calls).toBeGreaterThanOrEqual(1);
    expect(h.fake.calls).toBeLessThan(6);
    expect(h.clock.now()).toBeLessThanOrEqual(deadline - 1_000);
  });

  it('sends nothing when the deadline is already within the margin', async () => {
    const h = harness({}, { deadlineMarginMs: 1_000 });
    await expect(h.writer.writeReadings([reading()], { deadline: NOW + 500 })).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(h.fake.calls).toBe(0);
  });

  it('holds each call to its own deadline when two invocations write through one writer at once', async () => {
    const h = harness({ throttleRate: 1 }, { deadlineMarginMs: 1_000 });
    const [late, soon] = await Promise.all([
      h.writer.writeMovements([movement()], { deadline: NOW + 600_000 }).catch((e: unknown) => e),
      h.writer.writeReadings([reading()], { deadline: NOW + 500 }).catch((e: unknown) => e),
    ]);
    // The call already inside its margin sends nothing; the other retries to its attempt limit.
    expect((soon as Error).message).toMatch(/readings: no time left before the deadline/);
    expect((late as Error).message).toMatch(/movements still failing after 6 attempts/);
    expect(h.fake.calls).toBe(6);
  });

  it('throws TimestreamWriteError without retrying on a configuration error', async () => {
    const missingTable = harness({}, { readingsTableName: 'nope' });
    const error = await missingTable.writer.writeReadings([reading()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimestreamWriteError);
    expect(error).not.toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(missingTable.fake.calls).toBe(1);

    for (const refusal of [
      new AccessDeniedException({ message: 'denied', Message: 'denied', $metadata: { httpStatusCode: 403 } }),
      new ValidationException({ message: 'bad', Message: 'bad', $metadata: { httpStatusCode: 400 } }),
    ]) {
      const { fake, writer } = harness();
      fake.mock.on(WriteRecordsCommand).rejects(refusal);
      await expect(writer.writeReadings([reading()])).rejects.toBeInstanceOf(TimestreamWriteError);
      expect(fake.mock.commandCalls(WriteRecordsCommand)).toHaveLength(1);
    }
  });

  it('refuses every record of a call rejected without RejectedRecords details, and does not resend', async () => {
    const { fake, writer } = harness();
    fake.mock.on(WriteRecordsCommand).rejects(
      new RejectedRecordsException({
        message: 'One or more records have been rejected.',
        Message: 'One or more records have been rejected.',
        $metadata: { httpStatusCode: 419 },
      }),
    );
    const input = messageReadings(PLANT, NOW);
    const result = await writer.writeReadings(input);
    expect(result.stored).toBe(0);
    expect(result.rejected).toHaveLength(input.length);
    expect(result.rejected.every((r) => r.kind === 'invalid')).toBe(true);
    expect(fake.mock.commandCalls(WriteRecordsCommand)).toHaveLength(1);
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    const { fake, writer } = harness(
      { latency: () => new Promise((resolve) => setImmediate(resolve)) },
      { concurrency: 3, limits: { maxRecordsPerCall: 2 } },
    );
    const readings = day(40).map((ts) => reading({ ts }));
    expect(await writer.writeReadings(readings)).toEqual({ stored: 40, rejected: [] });
    expect(fake.calls).toBe(20);
    expect(fake.maxInFlight).toBe(3);
  });

  it('writes versions of one record identity in order, so the highest version is stored', async () => {
    const { fake, writer } = harness();
    const original = reading();
    const input = [correction(original, 950, NOW), original, correction(original, 940, NOW - 1)];
    expect(await writer.writeReadings(input)).toEqual({ stored: 3, rejected: [] });
    expect(latestReadings(fake).get(readingKey(original))?.value).toBe(950);
    expect(fake.calls).toBe(3);
  });

  it('stores the smallest content of disagreeing copies when nothing is stored, sending the others in later rounds', async () => {
    for (const values of [
      [2, 1, 1],
      [1, 2, 1],
    ]) {
      const { fake, writer } = harness();
      const batch = values.map((value) => reading({ value }));
      const result = await writer.writeReadings(batch);
      expect(result.stored).toBe(2);
      expect(result.rejected).toEqual([
        { item: batch[values.indexOf(2)], kind: 'conflict', reason: expect.stringMatching(/already exists/) },
      ]);
      expect(fake.calls).toBe(2);
      expect(storedReadings(fake).map((r) => r.value)).toEqual([1]);
    }
  });

  it('stores a redelivery of the stored content and refuses only the differing copy of the same call', async () => {
    for (const values of [
      [2, 1],
      [1, 2],
    ]) {
      const { fake, writer } = harness();
      await writer.writeReadings([reading({ value: 2 })]);
      const batch = values.map((value) => reading({ value }));
      const result = await writer.writeReadings(batch);
      expect(result.stored).toBe(1);
      expect(result.rejected).toEqual([
        { item: batch[values.indexOf(1)], kind: 'conflict', reason: expect.stringMatching(/already exists/) },
      ]);
      expect(storedReadings(fake).map((r) => r.value)).toEqual([2]);
    }
  });

  it('applies disagreeing copies in fingerprint order, each against what is stored at that moment', async () => {
    const { fake, writer } = harness();
    await writer.writeReadings([reading({ value: 2 })]);
    const batch = [3, 2, 1, 2, 3].map((value) => reading({ value }));
    const result = await writer.writeReadings(batch);
    expect(result.stored).toBe(2);
    expect(result.rejected.map((r) => [r.item.value, r.kind]).sort()).toEqual([
      [1, 'conflict'],
      [3, 'conflict'],
      [3, 'conflict'],
    ]);
    expect(storedReadings(fake).map((r) => r.value)).toEqual([2]);
  });

  it('repeats the other metrics of a record in later rounds, so an identical metric counts as stored', async () => {
    const { fake, writer } = harness();
    const o2 = reading({ metric: 'flue_gas_o2', value: 6.2 });
    const stored = [reading({ value: 2 }), o2];
    await writer.writeReadings(stored);
    const differing = reading({ value: 1 });
    const input = [differing, o2, ...stored];
    const result = await writer.writeReadings(input);
    expect(result.stored).toBe(3);
    expect(result.rejected.map((r) => [r.item, r.kind])).toEqual([[differing, 'conflict']]);
    expect(fake.records('readings')).toHaveLength(1);
    expect(storedReadings(fake)).toEqual(stored);
  });

  it('keeps whichever content of one version reached it first across calls: calls are not reordered', async () => {
    const { fake, writer } = harness();
    const larger = reading({ value: 2 });
    const smaller = reading({ value: 1 });
    expect(await writer.writeReadings([larger])).toEqual({ stored: 1, rejected: [] });
    const later = await writer.writeReadings([smaller]);
    expect(later.rejected.map((r) => [r.item, r.kind])).toEqual([[smaller, 'conflict']]);
    expect(storedReadings(fake).map((r) => r.value)).toEqual([2]);
  });

  it('refuses a finite timestamp beyond the Date range as out-of-window instead of throwing; the rest is stored', async () => {
    for (const props of [{}, { retentionMs: HOUR_MS }]) {
      const { fake, writer } = harness({}, props);
      const far = [reading({ ts: 1e20 }), reading({ ts: 8.64e15 + 1 })];
      const farPast = reading({ ts: -1e20 });
      const fine = reading({ metric: 'flue_gas_o2', value: 6.2 });
      const result = await writer.writeReadings([...far, farPast, fine]);
      expectAccounted(result, [...far, farPast, fine]);
      expect(result.stored).toBe(1);
      const byItem = new Map(result.rejected.map((r) => [r.item, r]));
      for (const item of far) {
        expect(byItem.get(item)?.kind).toBe('out-of-window');
        expect(byItem.get(item)?.reason).toContain(`timestamp ${String(item.ts)} is outside`);
      }
      // Without a retention, a timestamp before 1970 is not out of the window but cannot be stored.
      expect(byItem.get(farPast)?.kind).toBe(props.retentionMs === undefined ? 'invalid' : 'out-of-window');
      expect(storedReadings(fake)).toEqual([fine]);
    }
  });
});

describe('TimestreamMetricsWriter.writeMovements', () => {
  it('stores tickets once, a redelivery is a no-op, and two tickets at the same instant both stay', async () => {
    const { fake, writer } = harness();
    const tickets: StoredMovement[] = [
      movement(),
      movement({ ticketId: 'WB-2026-0002' }),
      movement({
        ticketId: 'WB-2026-0003',
        direction: 'out',
        destination: 'landfill',
        material: 'bottom_ash',
      }),
    ];
    expect(await writer.writeMovements(tickets)).toEqual({ stored: 3, rejected: [] });
    expect(await writer.writeMovements([...tickets].reverse())).toEqual({ stored: 3, rejected: [] });
    expect(fake.records('movements').map(movementOfRow)).toEqual(tickets);
  });

  it('upserts a corrected ticket, supersedes an older correction, and refuses a conflict', async () => {
    const { fake, writer } = harness();
    const ticket = movement();
    await writer.writeMovements([ticket]);
    const fixed = { ...ticket, netTonnes: 13, correction: true, version: NOW };
    expect(await writer.writeMovements([fixed])).toEqual({ stored: 1, rejected: [] });
    const stale = { ...ticket, netTonnes: 12.9, correction: true, version: NOW - 1 };
    expect(await writer.writeMovements([stale])).toEqual({ stored: 1, rejected: [] });
    expect(fake.records('movements').map(movementOfRow)).toEqual([fixed]);

    const other = movement({ ticketId: 'WB-2026-0009' });
    await writer.writeMovements([other]);
    const conflicting = { ...other, material: 'rejects' as const };
    const result = await writer.writeMovements([conflicting]);
    expect(result.stored).toBe(0);
    expect(result.rejected).toEqual([{ item: conflicting, kind: 'conflict', reason: expect.any(String) }]);
  });

  it('stores a redelivered ticket and refuses only the differing copy of the same call, whatever the order', async () => {
    const original = movement();
    // 'bottom_ash' sorts before 'mixed_waste': the differing copy comes first in fingerprint order.
    const differing = movement({ material: 'bottom_ash' });
    for (const batch of [
      [original, differing],
      [differing, original],
    ]) {
      const { fake, writer } = harness();
      await writer.writeMovements([original]);
      const result = await writer.writeMovements(batch);
      expect(result.stored).toBe(1);
      expect(result.rejected).toEqual([
        { item: differing, kind: 'conflict', reason: expect.stringMatching(/already exists/) },
      ]);
      expect(fake.records('movements').map(movementOfRow)).toEqual([original]);
    }
  });

  it('refuses a same-version copy of a ticket at another time before sending: Timestream could not compare them', async () => {
    const earlier = movement();
    const later = movement({ ts: earlier.ts + MINUTE });
    for (const batch of [
      [earlier, later],
      [later, earlier],
    ]) {
      const { fake, writer } = harness();
      const result = await writer.writeMovements(batch);
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
      expect(fake.records('movements').map(movementOfRow)).toEqual([earlier]);
      expect(fake.calls).toBe(1);
    }
  });

  it('refuses a ticket with a finite timestamp beyond the Date range as out-of-window; the rest is stored', async () => {
    const { fake, writer } = harness();
    const far = movement({ ts: 1e20 });
    const fine = movement({ ticketId: 'WB-2026-0002' });
    const result = await writer.writeMovements([far, fine]);
    expect(result.stored).toBe(1);
    expect(result.rejected).toEqual([
      {
        item: far,
        kind: 'out-of-window',
        reason: expect.stringContaining('timestamp 100000000000000000000 is outside'),
      },
    ]);
    expect(fake.records('movements').map(movementOfRow)).toEqual([fine]);
  });
});

describe('classifyRejection', () => {
  it.each([
    [
      'a newer version already stored',
      2,
      'The record version 2 is lower than the existing version 200. A higher version is required to update the measure value.',
      200,
      { stored: true },
    ],
    [
      'the same version stored with other values',
      1,
      'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
      undefined,
      { stored: false, kind: 'conflict' },
    ],
    [
      'an existing version named only in the reason',
      3,
      'The record version 3 is lower than the existing version 7.',
      undefined,
      { stored: true },
    ],
    [
      'outside the ingestion window',
      1,
      'The record timestamp is outside the time range [2023-11-23T06:45:39.648Z, 2023-11-28T19:25:39.648Z) of the data ingestion window.',
      undefined,
      { stored: false, kind: 'out-of-window' },
    ],
    [
      'a broken limit',
      1,
      'Record size 2100 bytes exceeds the maximum of 2048 bytes.',
      undefined,
      { stored: false, kind: 'invalid' },
    ],
  ] as const)('classifies %s', (_name, version, reason, existing, expected) => {
    expect(classifyRejection(version, reason, existing)).toMatchObject(expected);
  });
});

describe('isTransient', () => {
  it.each([
    [{ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'InternalServerException', $metadata: { httpStatusCode: 500 } }, true],
    [{ name: 'Whatever', $metadata: { httpStatusCode: 503 } }, true],
    [{ name: 'Error', code: 'ECONNRESET' }, true],
    [{ name: 'TimeoutError' }, true],
    [{ name: 'ValidationException', $metadata: { httpStatusCode: 400 } }, false],
    [{ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }, false],
    [{ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } }, false],
    [new TypeError('bug'), false],
  ])('%o → %s', (error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });
});

describe('TimestreamMetricsWriter props', () => {
  it('refuses bad props with the bad value in the message', () => {
    const { fake } = harness();
    const base = {
      client: fake.client,
      databaseName: 'wte',
      readingsTableName: 'readings',
      movementsTableName: 'movements',
      clock: { now: () => NOW },
      sleep: async () => {},
      random: () => 0,
    };
    expect(() => new TimestreamMetricsWriter({ ...base, databaseName: '' })).toThrow(/databaseName.*""/);
    expect(() => new TimestreamMetricsWriter({ ...base, concurrency: 0 })).toThrow(/concurrency.*0/);
    expect(() => new TimestreamMetricsWriter({ ...base, retentionMs: -1 })).toThrow(/retentionMs.*-1/);
  });
});
