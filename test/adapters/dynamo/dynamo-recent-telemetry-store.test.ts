/**
 * The recent telemetry store against dynalite: packing per series and UTC
 * day, idempotent redelivery, TTLs, splitting of big packs, and resolution
 * of versions and duplicates as the lake readers resolve them; the
 * UnprocessedItems retries with aws-sdk-client-mock.
 */
import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRecentTelemetryTable,
  DynamoRecentTelemetryStore,
  type DynamoRecentTelemetryStoreProps,
} from '../../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { bodyText } from '../../../lambdas/adapters/dynamo/recent-telemetry-packs.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, movement, NOW, PLANT, reading } from '../../support/stored-items.ts';

const DAY = 86_400_000;
const HOUR = 60 * MINUTE;
const DAY_START = Date.parse('2026-11-24T00:00:00Z');

let dynamo: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

async function freshStore(props: Partial<DynamoRecentTelemetryStoreProps> = {}) {
  const tableName = `recent-${++tables}`;
  await createRecentTelemetryTable(dynamo.client, tableName);
  const clock = new FixedClock(NOW);
  const store = new DynamoRecentTelemetryStore({ client: dynamo.client, tableName, clock, ...props });
  const items = async () => (await dynamo.client.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  return { store, clock, items, tableName };
}

describe('DynamoRecentTelemetryStore', () => {
  it('packs one item per plant, metric and UTC minute of a call, and reads the readings back', async () => {
    const { store, items } = await freshStore();
    const readings = [
      reading({ ts: NOW - MINUTE, value: 900 }),
      reading({ ts: NOW - 2 * MINUTE, value: 901, line: 'boiler-2' }),
      reading({ ts: DAY_START - MINUTE, value: 899 }),
      reading({ metric: 'steam_flow', ts: NOW - MINUTE, value: 40 }),
    ];
    await store.writeReadings(readings);
    const stored = await items();
    expect(stored.map((i) => `${i.pk?.S} ${i.sk?.S?.slice(0, 17)}`).sort()).toEqual([
      `R#${PLANT}#furnace_temperature 2026-11-23T23:59#`,
      `R#${PLANT}#furnace_temperature 2026-11-24T11:58#`,
      `R#${PLANT}#furnace_temperature 2026-11-24T11:59#`,
      `R#${PLANT}#steam_flow 2026-11-24T11:59#`,
    ]);
    const back = await store.readReadings({
      plantId: PLANT,
      metric: 'furnace_temperature',
      from: DAY_START - HOUR,
      to: NOW,
    });
    expect(back).toEqual([readings[2], readings[1], readings[0]]);
    expect(
      await store.readReadings({
        plantId: PLANT,
        metric: 'furnace_temperature',
        from: DAY_START,
        to: NOW,
        line: 'boiler-2',
      }),
    ).toEqual([readings[1]]);
  });

  it('rewrites the same items when a call is redelivered, in any order', async () => {
    const { store, items } = await freshStore();
    const readings = Array.from({ length: 30 }, (_, i) =>
      reading({ ts: NOW - i * MINUTE, value: 900 + i, line: `boiler-${i % 3}` }),
    );
    await store.writeReadings(readings);
    const first = (await items()).map((i) => i.sk?.S).sort();
    await store.writeReadings([...readings].reverse());
    await store.writeReadings([...readings, ...readings.slice(0, 5)]);
    expect((await items()).map((i) => i.sk?.S).sort()).toEqual(first);
  });

  it('sets the TTL to the later of day end + horizon and write time + receipt retention', async () => {
    const { store, items } = await freshStore({ horizonMs: 40 * DAY, receiptRetentionMs: DAY });
    const old = DAY_START - 100 * DAY;
    await store.writeReadings([reading({ ts: NOW - MINUTE }), reading({ ts: old + HOUR })]);
    const ttl = new Map((await items()).map((i) => [i.sk?.S?.slice(0, 10), Number(i.expiresAt?.N)]));
    expect(ttl.get('2026-11-24')).toBe((DAY_START + DAY + 40 * DAY) / 1000);
    expect(ttl.get(new Date(old).toISOString().slice(0, 10))).toBe((NOW + DAY) / 1000);
  });

  it('splits a pack over the size limit deterministically and reads every row', async () => {
    const { store, items } = await freshStore({ maxPackBytes: 2_000 });
    const readings = Array.from({ length: 400 }, (_, i) =>
      reading({ ts: DAY_START + i * 1000, value: i + 0.5, line: `line-${i % 7}` }),
    );
    await store.writeReadings(readings);
    const stored = await items();
    expect(stored.length).toBeGreaterThan(5);
    for (const item of stored) {
      const text = bodyText({
        ...(item.j?.S ? { j: item.j.S } : {}),
        ...(item.z?.B ? { z: item.z.B } : {}),
      });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2_000);
    }
    const keys = stored.map((i) => i.sk?.S).sort();
    await store.writeReadings([...readings].reverse());
    expect((await items()).map((i) => i.sk?.S).sort()).toEqual(keys);
    const back = await store.readReadings({
      plantId: PLANT,
      metric: 'furnace_temperature',
      from: DAY_START,
      to: NOW,
    });
    expect(back).toHaveLength(400);
  });

  it('resolves versions and duplicates as the lake readers do', async () => {
    const { store } = await freshStore();
    const ts = NOW - 10 * MINUTE;
    await store.writeReadings([reading({ ts, value: 5 })]);
    await store.writeReadings([reading({ ts, value: 4, quality: 'UNCERTAIN' })]);
    await store.writeReadings([reading({ ts, value: 4, quality: 'BAD' })]);
    const query = { plantId: PLANT, metric: 'furnace_temperature' as const, from: ts, to: ts + 1 };
    expect((await store.readReadings(query))[0]).toMatchObject({ value: 4, quality: 'BAD' });
    const correction = reading({ ts, value: 7, version: NOW - MINUTE, correction: true });
    await store.writeReadings([correction]);
    expect(await store.readReadings(query)).toEqual([correction]);
  });

  it('answers the last GOOD reading of each line within the lookback', async () => {
    const { store } = await freshStore({ lastBeforeLookbackMs: 2 * DAY });
    await store.writeReadings([
      reading({ line: 'a', ts: NOW - 3 * DAY, value: 1 }),
      reading({ line: 'b', ts: NOW - DAY, value: 2 }),
      reading({ line: 'b', ts: NOW - HOUR, value: 3, quality: 'BAD' }),
      reading({ line: 'c', ts: NOW - HOUR, value: 4 }),
      reading({ line: 'c', ts: NOW - HOUR, value: 9, version: NOW - 2 * MINUTE, quality: 'BAD' }),
      reading({ line: 'c', ts: NOW - 2 * HOUR, value: 5 }),
      reading({ line: 'd', ts: NOW, value: 6 }),
    ]);
    const last = await store.readLastBefore(PLANT, 'furnace_temperature', NOW);
    expect(last.map((r) => [r.line, r.value])).toEqual([
      ['b', 2],
      ['c', 5],
    ]);
  });

  it('packs tickets per plant and UTC day and keeps the latest version of a ticket moved by a correction', async () => {
    const { store, items } = await freshStore();
    const original = movement({ ticketId: 'T1', ts: NOW - 2 * DAY, destination: 'landfill' });
    const moved = movement({ ticketId: 'T1', ts: NOW - HOUR, version: NOW - MINUTE, correction: true });
    const other = movement({ ticketId: 'T2', ts: NOW - 2 * HOUR, operationCode: 'R1' });
    await store.writeMovements([original, other]);
    await store.writeMovements([moved]);
    expect((await items()).map((i) => i.pk?.S)).toEqual([`M#${PLANT}`, `M#${PLANT}`, `M#${PLANT}`]);
    expect(await store.readMovements(PLANT, NOW - DAY, NOW)).toEqual([other, moved]);
    expect(await store.readMovements(PLANT, NOW - 3 * DAY, NOW - DAY)).toEqual([]);
  });

  it('refuses an item the lake writer would have refused, naming why', async () => {
    const { store } = await freshStore();
    await expect(store.writeReadings([reading({ value: Number.NaN })])).rejects.toThrow(
      /not a storable item/,
    );
  });
});

describe('DynamoRecentTelemetryStore unprocessed items', () => {
  const client = new DynamoDBClient({ region: 'local' });
  const mock = mockClient(client);
  const props = (sleeps: number[]): DynamoRecentTelemetryStoreProps => ({
    client,
    tableName: 'recent',
    clock: new FixedClock(NOW),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    maxAttempts: 3,
  });

  it('resends only the unprocessed items with backoff until all are written', async () => {
    mock.reset();
    let calls = 0;
    mock.on(BatchWriteItemCommand).callsFake((input) => {
      calls++;
      const requests = input.RequestItems.recent;
      return calls === 1 ? { UnprocessedItems: { recent: requests.slice(1) } } : {};
    });
    const sleeps: number[] = [];
    const store = new DynamoRecentTelemetryStore(props(sleeps));
    await store.writeReadings([reading(), reading({ metric: 'steam_flow', value: 40 })]);
    const sent = mock
      .commandCalls(BatchWriteItemCommand)
      .map((c) => c.args[0].input.RequestItems?.recent?.length);
    expect(sent).toEqual([2, 1]);
    expect(sleeps).toEqual([25]);
  });

  it('throws UnavailableError when items stay unprocessed after the attempts', async () => {
    mock.reset();
    mock.on(BatchWriteItemCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
    const store = new DynamoRecentTelemetryStore(props([]));
    await expect(store.writeReadings([reading()])).rejects.toBeInstanceOf(UnavailableError);
    expect(mock.commandCalls(BatchWriteItemCommand)).toHaveLength(3);
  });

  it('reports throttling of the whole call as UnavailableError', async () => {
    mock.reset();
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    mock.on(BatchWriteItemCommand).rejects(throttled);
    const store = new DynamoRecentTelemetryStore(props([]));
    await expect(store.writeMovements([movement()])).rejects.toBeInstanceOf(UnavailableError);
  });

  it('reads strongly consistent unless told the data was written minutes before', async () => {
    mock.reset();
    mock.on(QueryCommand).resolves({ Items: [] });
    await new DynamoRecentTelemetryStore(props([])).readMovements(PLANT, NOW - HOUR, NOW);
    await new DynamoRecentTelemetryStore({ ...props([]), consistentRead: false }).readMovements(
      PLANT,
      NOW - HOUR,
      NOW,
    );
    expect(mock.commandCalls(QueryCommand).map((c) => c.args[0].input.ConsistentRead)).toEqual([true, false]);
  });
});
