/**
 * The recent store's minute keys and `current`, the lookup behind the lake
 * store's conflict check: a read covers the minutes of its range only;
 * `current` reports the highest stored version and
 * the content readers keep at it, from the touched minutes only, strongly
 * consistent and bounded (pages, deadline, throttling) like every read.
 */
import { DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRecentTelemetryTable,
  DynamoRecentTelemetryStore,
  type DynamoRecentTelemetryStoreProps,
} from '../../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { readingFingerprint, readingKey } from '../../../lambdas/domain/identity.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { FixedClock } from '../../support/memory-ports.ts';
import { MINUTE, NOW, PLANT, reading } from '../../support/stored-items.ts';

const HOUR = 60 * MINUTE;
const PK = `R#${PLANT}#furnace_temperature`;

let dynamo: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

async function freshStore(props: Partial<DynamoRecentTelemetryStoreProps> = {}) {
  const tableName = `recent-current-${++tables}`;
  await createRecentTelemetryTable(dynamo.client, tableName);
  const store = new DynamoRecentTelemetryStore({
    client: dynamo.client,
    tableName,
    clock: new FixedClock(NOW),
    ...props,
  });
  return { store, tableName };
}

describe('DynamoRecentTelemetryStore minute keys', () => {
  it('reads only the packs of the minutes a range covers, not the whole day', async () => {
    const { store, tableName } = await freshStore();
    // A pack filed under 09:00 whose row says 11:30: a reader that reads by day would return it.
    const misfiled = NOW - 30 * MINUTE;
    await dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: PK },
          sk: { S: `2026-11-24T09:00#${'0'.repeat(32)}` },
          j: { S: JSON.stringify({ l: ['boiler-1'], r: [[0, misfiled, 850, 0, 1]] }) },
          expiresAt: { N: String(NOW / 1000 + 86_400) },
        },
      }),
    );
    await store.writeReadings([reading({ ts: NOW - MINUTE, value: 900 })]);
    const keys = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
    expect((keys.Items ?? []).map((i) => i.sk?.S?.slice(0, 17)).sort()).toEqual([
      '2026-11-24T09:00#',
      '2026-11-24T11:59#',
    ]);
    const lastHour = { plantId: PLANT, metric: 'furnace_temperature' as const, from: NOW - HOUR, to: NOW };
    expect((await store.readReadings(lastHour)).map((r) => [r.ts, r.value])).toEqual([[NOW - MINUTE, 900]]);
    const day = { ...lastHour, from: NOW - 6 * HOUR };
    expect((await store.readReadings(day)).map((r) => r.value)).toEqual([850, 900]);
  });
});

describe('DynamoRecentTelemetryStore.current', () => {
  it('reports the highest stored version of each identity and the content readers keep at it', async () => {
    const { store } = await freshStore();
    const ts = NOW - 10 * MINUTE;
    const original = reading({ ts, value: 5 });
    const correction = reading({ ts, value: 7, version: NOW - 2 * MINUTE, correction: true });
    // Two contents at one version, stored side by side (a race): readers keep the smaller value.
    const sideA = reading({ ts: ts + 1000, value: 9 });
    const sideB = reading({ ts: ts + 1000, value: 8, quality: 'UNCERTAIN' });
    await store.writeReadings([original]);
    await store.writeReadings([correction, sideA]);
    await store.writeReadings([sideB]);
    const neighbour = reading({ ts: ts + 2000, line: 'boiler-2', value: 1 });
    await store.writeReadings([neighbour]);

    const unknown = reading({ ts: ts + 3000 });
    const current = await store.current([reading({ ts, value: 0 }), reading({ ts: ts + 1000 }), unknown]);
    expect(current).toEqual(
      new Map([
        [readingKey(original), { version: correction.version, fingerprint: readingFingerprint(correction) }],
        [readingKey(sideB), { version: 1, fingerprint: readingFingerprint(sideB) }],
      ]),
    );
  });

  it('reads only the minutes the readings touch: a reading stored a minute away is not an answer', async () => {
    const { store } = await freshStore();
    await store.writeReadings([reading({ ts: NOW - 5 * MINUTE }), reading({ ts: NOW - 3 * MINUTE })]);
    const current = await store.current([reading({ ts: NOW - 4 * MINUTE })]);
    expect(current.size).toBe(0);
  });
});

describe('DynamoRecentTelemetryStore.current requests', () => {
  const client = new DynamoDBClient({ region: 'local' });
  const mock = mockClient(client);
  const props = (over: Partial<DynamoRecentTelemetryStoreProps> = {}): DynamoRecentTelemetryStoreProps => ({
    client,
    tableName: 'recent',
    clock: new FixedClock(NOW),
    ...over,
  });
  const at = (iso: string) => Date.parse(iso);

  it('queries one BETWEEN per series and run of minutes at most 30 apart, strongly consistent even for eventual readers', async () => {
    mock.reset();
    mock.on(QueryCommand).resolves({ Items: [] });
    const store = new DynamoRecentTelemetryStore(props({ consistentRead: false }));
    await store.current([
      reading({ ts: at('2026-11-24T11:58:10Z') }),
      reading({ ts: at('2026-11-24T11:59:50Z'), line: 'boiler-2' }),
      reading({ ts: at('2026-11-24T11:58:40Z') }),
      reading({ ts: at('2026-11-24T09:00:00Z') }),
      // A sparse backfill: 10 minutes apart, one lookup for all of it.
      reading({ ts: at('2026-11-24T10:00:00Z') }),
      reading({ ts: at('2026-11-24T10:10:00Z') }),
      reading({ ts: at('2026-11-24T10:30:00Z') }),
      reading({ ts: at('2026-11-24T11:59:00Z'), metric: 'steam_flow', value: 40 }),
    ]);
    const queries = mock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.every((q) => q.ConsistentRead === true)).toBe(true);
    expect(
      queries
        .map((q) => {
          const v = q.ExpressionAttributeValues ?? {};
          return `${v[':pk']?.S} ${v[':lo']?.S} ${v[':hi']?.S}`;
        })
        .sort(),
    ).toEqual([
      `${PK} 2026-11-24T09:00# 2026-11-24T09:00#~`,
      `${PK} 2026-11-24T10:00# 2026-11-24T10:30#~`,
      `${PK} 2026-11-24T11:58# 2026-11-24T11:59#~`,
      `R#${PLANT}#steam_flow 2026-11-24T11:59# 2026-11-24T11:59#~`,
    ]);
  });

  it('reports throttling as UnavailableError', async () => {
    mock.reset();
    mock
      .on(QueryCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(new DynamoRecentTelemetryStore(props()).current([reading()])).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  it('stops at the page limit and before the deadline', async () => {
    mock.reset();
    mock.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: { pk: { S: PK }, sk: { S: 'x' } } });
    await expect(new DynamoRecentTelemetryStore(props({ maxPages: 3 })).current([reading()])).rejects.toThrow(
      /more than 3 pages/,
    );
    expect(mock.commandCalls(QueryCommand)).toHaveLength(3);
    mock.reset();
    await expect(
      new DynamoRecentTelemetryStore(props()).current([reading()], { deadline: NOW + 500 }),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(mock.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
