/**
 * The KPI rollup table against dynalite (the DynamoDB wire protocol, with
 * conditional writes and the sparse `pending` index): marks make slots
 * pending, summaries are stored only for the generation they were read at,
 * and readers get current slots only.
 */
import { DescribeTableCommand, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKpiRollupTable,
  DynamoKpiRollupStore,
  type DynamoKpiRollupStoreProps,
  decodeMovements,
  decodeSeries,
  encodeMovements,
  encodeSeries,
  PENDING_INDEX,
} from '../../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import {
  DEFAULT_SETTLE_POLICY,
  type SeriesSlot,
  SLOT_MS,
  summarizeSlots,
} from '../../../lambdas/domain/kpi-rollup.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock } from '../../support/memory-ports.ts';

const T0 = Date.parse('2026-11-24T00:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PLANT = 'kz-ast-01';
const slot = (n: number) => T0 + n * SLOT_MS;

let dynamo: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

async function freshStore(props: Partial<DynamoKpiRollupStoreProps> = {}) {
  const tableName = `kpi-rollup-${++tables}`;
  await createKpiRollupTable(dynamo.client, tableName);
  const clock = new FixedClock(T0 + 24 * HOUR);
  const make = (more: Partial<DynamoKpiRollupStoreProps> = {}) =>
    new DynamoKpiRollupStore({ client: dynamo.client, tableName, clock, ...props, ...more });
  return { tableName, clock, store: make(), make };
}

const series = (value: number): readonly SeriesSlot[] =>
  summarizeSlots([
    { line: 'boiler-1', metric: 'waste_fed', ts: slot(0) + MINUTE, value, quality: 'GOOD' },
    { line: 'boiler-1', metric: 'waste_fed', ts: slot(0) + 2 * MINUTE, value: value + 0.1, quality: 'GOOD' },
    { line: 'boiler-1', metric: 'waste_fed', ts: slot(0) + 3 * MINUTE, value: value + 0.3, quality: 'GOOD' },
  ])[0]?.series ?? [];

describe('DynamoKpiRollupStore', () => {
  it('creates the table with the sparse pending index', async () => {
    const { tableName } = await freshStore();
    const table = (await dynamo.client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    expect(table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['plant', 'slot']);
    expect(table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([PENDING_INDEX]);
  });

  it('makes a marked slot pending until its settle time, then rolls it up for that generation', async () => {
    const { store, clock } = await freshStore();
    const markedAt = clock.now();
    await store.markTouched([{ plantId: PLANT, slotStarts: [slot(0), slot(1)] }]);
    const settleAt = markedAt + DEFAULT_SETTLE_POLICY.magneticSettleMs;
    expect(await store.pendingSlots(settleAt - 1, 100)).toEqual([]);
    const pending = (await store.pendingSlots(settleAt, 100)).sort((a, b) => a.start - b.start);
    expect(pending).toEqual([
      { plantId: PLANT, start: slot(0), generation: 1, settleAt },
      { plantId: PLANT, start: slot(1), generation: 1, settleAt },
    ]);
    // pending slots are not current: readers go to the raw readings
    expect([...(await store.readRolledSlots(PLANT, slot(0), slot(3))).keys()]).toEqual([slot(2)]);

    expect(await store.saveSlot(pending[0] as never, series(1000.7))).toBe(true);
    expect(await store.saveSlot(pending[1] as never, [])).toBe(true);
    expect(await store.pendingSlots(settleAt, 100)).toEqual([]);
    const rolled = await store.readRolledSlots(PLANT, slot(0), slot(3));
    expect([...rolled.keys()]).toEqual([slot(0), slot(1), slot(2)]);
    expect(rolled.get(slot(0))).toEqual({ start: slot(0), series: series(1000.7) });
    expect(rolled.get(slot(1))).toEqual({ start: slot(1), series: [] });
  });

  it('refuses a summary read before a newer mark, which keeps the slot pending', async () => {
    const { store, make, clock } = await freshStore();
    await store.markTouched([{ plantId: PLANT, slotStarts: [slot(0)] }]);
    const [taken] = await store.pendingSlots(Number.MAX_SAFE_INTEGER, 10);
    // another writer (its own reuse memory) marks the slot while the job reads the raw data
    await make().markTouched([{ plantId: PLANT, slotStarts: [slot(0)] }]);
    expect(await store.saveSlot(taken as never, series(5))).toBe(false);
    expect(await store.readRolledSlots(PLANT, slot(0), slot(1))).toEqual(new Map());
    const [again] = await store.pendingSlots(Number.MAX_SAFE_INTEGER, 10);
    expect(again).toMatchObject({ start: slot(0), generation: 2 });
    expect(await store.saveSlot(again as never, series(6))).toBe(true);
    // a later mark makes a rolled-up slot pending (not current) again
    clock.current += 10 * MINUTE;
    await make().markTouched([{ plantId: PLANT, slotStarts: [slot(0)] }]);
    expect(await store.readRolledSlots(PLANT, slot(0), slot(1))).toEqual(new Map());
  });

  it('reuses its own recent mark, and marks again once the reuse window has passed', async () => {
    const { store, tableName, clock } = await freshStore({ markReuseMs: 2 * MINUTE });
    const generation = async () =>
      (
        await dynamo.client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: { plant: { S: PLANT }, slot: { N: String(slot(0)) } },
            ConsistentRead: true,
          }),
        )
      ).Item?.gen?.N;
    await store.markTouched([{ plantId: PLANT, slotStarts: [slot(0)] }]);
    clock.current += MINUTE;
    await store.markTouched([{ plantId: PLANT, slotStarts: [slot(0)] }]);
    expect(await generation()).toBe('1');
    clock.current += 2 * MINUTE;
    await store.markTouched([{ plantId: PLANT, slotStarts: [slot(0)] }]);
    expect(await generation()).toBe('2');
    expect(
      () => new DynamoKpiRollupStore({ client: dynamo.client, tableName, clock, markReuseMs: HOUR }),
    ).toThrow(/markReuseMs/);
  });

  it('settles slots in the memory store sooner than slots written to the magnetic store', async () => {
    const settle = { ...DEFAULT_SETTLE_POLICY, memoryRetentionMs: 12 * HOUR };
    const { store, clock } = await freshStore({ settle });
    const now = clock.now();
    const recent = Math.floor((now - HOUR) / SLOT_MS) * SLOT_MS;
    const old = Math.floor((now - 13 * HOUR) / SLOT_MS) * SLOT_MS;
    await store.markTouched([{ plantId: PLANT, slotStarts: [old, recent] }]);
    expect((await store.pendingSlots(now + settle.settleMs, 10)).map((p) => p.start)).toEqual([recent]);
    // oldest settle time first
    expect((await store.pendingSlots(now + settle.magneticSettleMs, 10)).map((p) => p.start)).toEqual([
      recent,
      old,
    ]);
  });

  it('knows slots without an item to be empty from rollupSince on, and leaves older ones to raw reads', async () => {
    const { store } = await freshStore({ rollupSince: slot(2) });
    const rolled = await store.readRolledSlots(PLANT, slot(0), slot(4));
    expect([...rolled.keys()]).toEqual([slot(2), slot(3)]);
    expect(rolled.get(slot(3))).toEqual({ start: slot(3), series: [], movements: [] });
    expect(await store.readRolledSlots(PLANT, slot(4), slot(4))).toEqual(new Map());
    expect(
      () =>
        new DynamoKpiRollupStore({
          client: dynamo.client,
          tableName: 'x-y',
          clock: new FixedClock(0),
          rollupSince: -1,
        }),
    ).toThrow(/rollupSince/);
  });

  it('knows tickets of slots without an item only from movementsSince on', async () => {
    // tickets were marked from slot(3) on, counters from slot(1) on: slot(1) and slot(2) may hold tickets
    const { store } = await freshStore({ rollupSince: slot(1), movementsSince: slot(3) });
    const rolled = await store.readRolledSlots(PLANT, slot(0), slot(4));
    expect([...rolled.values()]).toEqual([
      { start: slot(1), series: [] },
      { start: slot(2), series: [] },
      { start: slot(3), series: [], movements: [] },
    ]);
    expect(
      () =>
        new DynamoKpiRollupStore({
          client: dynamo.client,
          tableName: 'x-y',
          clock: new FixedClock(0),
          movementsSince: Number.NaN,
        }),
    ).toThrow(/movementsSince/);
  });

  it('stores the ticket tonnages of a slot with its counters, and items rolled up without them read as unknown', async () => {
    const { store, clock } = await freshStore();
    await store.markTouched([{ plantId: PLANT, slotStarts: [slot(0), slot(1)] }]);
    const [first, second] = (await store.pendingSlots(Number.MAX_SAFE_INTEGER, 10)).sort(
      (a, b) => a.start - b.start,
    );
    const tonnages = [[12.5, 1e-17], [3.25], [], []];
    expect(await store.saveSlot(first as never, series(7), tonnages)).toBe(true);
    // as the job before tickets were rolled up saved it
    expect(await store.saveSlot(second as never, [])).toBe(true);
    const rolled = await store.readRolledSlots(PLANT, slot(0), slot(2));
    expect(rolled.get(slot(0))).toEqual({ start: slot(0), series: series(7), movements: tonnages });
    expect(rolled.get(slot(1))).toEqual({ start: slot(1), series: [] });
    // marked and rolled again without tickets: the old tonnages do not survive
    clock.current += 3 * MINUTE; // past the writer's reuse of its own mark
    await store.markTouched([{ plantId: PLANT, slotStarts: [slot(0)] }]);
    const [again] = await store.pendingSlots(Number.MAX_SAFE_INTEGER, 10);
    expect(await store.saveSlot(again as never, [])).toBe(true);
    expect((await store.readRolledSlots(PLANT, slot(0), slot(1))).get(slot(0))).toEqual({
      start: slot(0),
      series: [],
    });
  });

  it('lists every pending slot where dynalite keys index entries by a 24-bit hash that collides', async () => {
    // 192 slots marked at one instant: these share one settle time, and two of them one hash
    const { store } = await freshStore();
    const starts = Array.from({ length: 192 }, (_, i) => Date.parse('2026-03-02T19:00:00Z') + i * SLOT_MS);
    await store.markTouched([{ plantId: 'kz-ast-01', slotStarts: starts }]);
    const pending = await store.pendingSlots(Number.MAX_SAFE_INTEGER, 1000);
    expect(pending.map((p) => p.start).sort((a, b) => a - b)).toEqual(starts);
  });

  it('pages through long ranges and many pending slots', async () => {
    const { store } = await freshStore({ pageSize: 7 });
    const starts = Array.from({ length: 40 }, (_, i) => slot(i));
    await store.markTouched([
      { plantId: PLANT, slotStarts: starts },
      { plantId: 'kz-ala-01', slotStarts: starts.slice(0, 3) },
    ]);
    const pending = await store.pendingSlots(Number.MAX_SAFE_INTEGER, 1000);
    expect(pending).toHaveLength(43);
    expect(await store.pendingSlots(Number.MAX_SAFE_INTEGER, 10)).toHaveLength(10);
    for (const p of pending.filter((x) => x.plantId === PLANT))
      await store.saveSlot(p, series(p.start / 1e9));
    const rolled = await store.readRolledSlots(PLANT, slot(0), slot(40));
    expect(rolled.size).toBe(40);
    expect(rolled.get(slot(39))?.series).toEqual(series(slot(39) / 1e9));
  });

  it('stores summaries so that every double comes back bit for bit', () => {
    const awkward: SeriesSlot[] = [
      {
        line: 'l',
        metric: 'heat_exported',
        first: { ts: 1, value: 0.1 + 0.2 },
        last: { ts: 2, value: 5e-324 },
        inner: [1e-300, 2 ** 60 + 0.5, 1.7976931348623157e308],
      },
      {
        line: 'l',
        metric: 'waste_fed',
        first: { ts: 1, value: 0 },
        last: { ts: 1, value: 0 },
        inner: [Number.POSITIVE_INFINITY],
      },
    ];
    expect(decodeSeries(encodeSeries(awkward))).toEqual(awkward);
    expect(() => decodeSeries('[{"l":"x","m":"co","f":[1,1],"z":[1,1],"i":[]}]')).toThrow();
    const tonnages = [[0.1 + 0.2, 5e-324, 2 ** 60 + 0.5], [], [Number.POSITIVE_INFINITY]];
    expect(decodeMovements(encodeMovements(tonnages))).toEqual(tonnages);
    expect(() => decodeMovements('{"received_t":[1]}')).toThrow();
    expect(() => decodeMovements('[[1],[2],[3],[4],[5]]')).toThrow(RangeError);
  });

  it('reports throttling as UnavailableError', async () => {
    const { tableName, clock } = await freshStore();
    const client = new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient({
      region: 'local',
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const mock = mockClient(client);
    mock.on(QueryCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const store = new DynamoKpiRollupStore({ client, tableName, clock });
    await expect(store.readRolledSlots(PLANT, slot(0), slot(1))).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.pendingSlots(0, 1)).rejects.toBeInstanceOf(UnavailableError);
    mock.restore();
  });
});
