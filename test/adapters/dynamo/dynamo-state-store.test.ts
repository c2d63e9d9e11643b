/**
 * The DynamoDB state store against dynalite: the real DynamoDB wire protocol,
 * conditional writes and indexes, in-process.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createStateTable,
  type DynamoStateStore,
  InvalidCursorError,
  StateTableMismatchError,
  StoredItemError,
  stateTableDefinition,
  TokenIdInUseError,
} from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { movementFingerprint } from '../../../lambdas/domain/identity.ts';
import type { LedgerOutcome, QuarantineEntry } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import {
  correction,
  freshStore,
  movement,
  plant,
  quarantineEntry,
  rawTicket,
  T0,
  token,
} from './fixtures.ts';

let dynamo: RunningDynalite;
let store: DynamoStateStore;
let tableName: string;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  ({ store, tableName } = await freshStore(dynamo.client));
});

describe('state table', () => {
  it('is created on demand, and creating it again is a no-op', async () => {
    const name = 'wte-state-create-twice';
    await createStateTable(dynamo.client, name);
    await createStateTable(dynamo.client, name);
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual([
      'gsi1',
      'gsi2',
      'gsi3',
      'gsi4',
    ]);
  });

  it('refuses to use an existing table of another shape', async () => {
    const name = 'wte-state-other-shape';
    const definition = stateTableDefinition(name);
    await dynamo.client.send(
      new CreateTableCommand({
        ...definition,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes?.slice(0, 1),
      }),
    );
    await expect(createStateTable(dynamo.client, name)).rejects.toThrow(StateTableMismatchError);
  });

  it('rejects a table name DynamoDB would refuse, showing the name', () => {
    expect(() => stateTableDefinition('x')).toThrow(/"x"/);
  });
});

describe('plants', () => {
  it('round-trips a plant config and answers undefined for an unknown plant', async () => {
    const config = plant('astana-1', { diversionTarget: 0.45, timeZone: 'Asia/Almaty' });
    await store.putPlant(config);
    expect(await store.getPlant('astana-1')).toEqual(config);
    expect(await store.getPlant('almaty-2')).toBeUndefined();
  });

  it('overwrites a plant config on a second put', async () => {
    await store.putPlant(plant('astana-1'));
    await store.putPlant(plant('astana-1', { combustionMinTempC: 900 }));
    expect((await store.getPlant('astana-1'))?.combustionMinTempC).toBe(900);
    expect(await store.listPlants()).toHaveLength(1);
  });

  it('lists every plant and nothing else, by plant id', async () => {
    for (const id of ['shymkent-3', 'astana-1', 'almaty-2']) await store.putPlant(plant(id));
    await store.putToken(token('tok000000001'));
    await store.recordMovement(movement());
    await store.putQuarantine([quarantineEntry('q1', 'astana-1', T0)]);
    expect((await store.listPlants()).map((p) => p.plantId)).toEqual(['almaty-2', 'astana-1', 'shymkent-3']);
  });

  it('lists plants across result pages (a Query page stops at 1 MB)', async () => {
    const big = 'x'.repeat(300 * 1024);
    const ids = ['p-1', 'p-2', 'p-3', 'p-4', 'p-5'];
    for (const id of ids) await store.putPlant(plant(id, { name: big }));
    const listed = await store.listPlants();
    expect(listed.map((p) => p.plantId)).toEqual(ids);
  });

  it('fails loudly on a stored item it cannot read', async () => {
    await dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'PLANT#broken' }, sk: { S: 'CONFIG' }, plantId: { S: 'broken' } },
      }),
    );
    await expect(store.getPlant('broken')).rejects.toThrow(StoredItemError);
  });
});

describe('movement ledger', () => {
  it('stores a ticket the first time, with its version and fingerprint', async () => {
    const first = movement();
    expect(await store.recordMovement(first)).toEqual({ outcome: 'stored', movement: first });
    const raw = await rawTicket(dynamo.client, tableName, first.plantId, first.ticketId);
    expect(raw).toMatchObject({ ...first, fingerprint: movementFingerprint(first) });
  });

  it('answers unchanged with the stored ticket on redelivery', async () => {
    const first = movement();
    await store.recordMovement(first);
    expect(await store.recordMovement({ ...first })).toEqual({ outcome: 'unchanged', movement: first });
  });

  it('treats the same quantity written differently as the same content', async () => {
    await store.recordMovement(movement({ netTonnes: 18.2505 }));
    const outcome = await store.recordMovement(movement({ netTonnes: 18250.5 / 1000 }));
    expect(outcome.outcome).toBe('unchanged');
  });

  it('refuses different content without a correction as a conflict and keeps the stored ticket', async () => {
    const first = movement();
    await store.recordMovement(first);
    const other = movement({ netTonnes: 21 });
    expect(await store.recordMovement(other)).toEqual({
      outcome: 'conflict',
      movement: other,
      current: first,
    });
    expect(await rawTicket(dynamo.client, tableName, first.plantId, first.ticketId)).toMatchObject(first);
  });

  it('replaces the stored ticket with a correction of a higher version', async () => {
    const first = movement();
    await store.recordMovement(first);
    const fix = correction(T0 + 60_000, { netTonnes: 17.9 });
    expect(await store.recordMovement(fix)).toEqual({ outcome: 'corrected', movement: fix, previous: first });
    expect(await rawTicket(dynamo.client, tableName, fix.plantId, fix.ticketId)).toMatchObject({
      ...fix,
      fingerprint: movementFingerprint(fix),
    });
  });

  it('answers unchanged to a redelivered correction (same content, same version)', async () => {
    const fix = correction(T0 + 60_000, { netTonnes: 17.9 });
    await store.recordMovement(movement());
    await store.recordMovement(fix);
    expect(await store.recordMovement({ ...fix })).toEqual({ outcome: 'unchanged', movement: fix });
  });

  it('keeps a newer correction when an older one arrives late (superseded)', async () => {
    const newer = correction(T0 + 120_000, { netTonnes: 17.5 });
    const older = correction(T0 + 60_000, { netTonnes: 17.9 });
    await store.recordMovement(movement());
    await store.recordMovement(newer);
    expect(await store.recordMovement(older)).toEqual({
      outcome: 'superseded',
      movement: older,
      current: newer,
    });
    expect(await rawTicket(dynamo.client, tableName, newer.plantId, newer.ticketId)).toMatchObject(newer);
  });

  it('stores a correction that arrives before its original, and supersedes the late original', async () => {
    const fix = correction(T0 + 60_000, { netTonnes: 17.9 });
    const original = movement();
    expect((await store.recordMovement(fix)).outcome).toBe('stored');
    expect(await store.recordMovement(original)).toEqual({
      outcome: 'superseded',
      movement: original,
      current: fix,
    });
  });

  it('raises the version of a correction that repeats the stored content, so older corrections stay out', async () => {
    const original = movement();
    const sameContent = correction(T0 + 120_000);
    const olderDifferent = correction(T0 + 60_000, { netTonnes: 30 });
    await store.recordMovement(original);
    expect(await store.recordMovement(sameContent)).toEqual({ outcome: 'unchanged', movement: sameContent });
    expect((await rawTicket(dynamo.client, tableName, original.plantId, original.ticketId))?.version).toBe(
      T0 + 120_000,
    );
    expect((await store.recordMovement(olderDifferent)).outcome).toBe('superseded');
  });

  it('refuses two corrections of the same version with different content as a conflict', async () => {
    const a = correction(T0 + 60_000, { netTonnes: 17.9 });
    const b = correction(T0 + 60_000, { netTonnes: 16.1 });
    await store.recordMovement(a);
    expect(await store.recordMovement(b)).toEqual({ outcome: 'conflict', movement: b, current: a });
  });

  it('keeps tickets apart by plant and ticket id', async () => {
    await store.recordMovement(movement());
    expect((await store.recordMovement(movement({ plantId: 'almaty-2', netTonnes: 5 }))).outcome).toBe(
      'stored',
    );
    expect((await store.recordMovement(movement({ ticketId: 'WB-2', netTonnes: 5 }))).outcome).toBe('stored');
  });

  it('stores exactly once when the same ticket arrives many times at once', async () => {
    const first = movement();
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => store.recordMovement({ ...first })));
    const counts = countOutcomes(outcomes);
    expect(counts).toEqual({ stored: 1, unchanged: 11 });
  });

  it('lets the highest correction win when corrections race', async () => {
    await store.recordMovement(movement());
    const fixes = Array.from({ length: 8 }, (_, i) => correction(T0 + (i + 1) * 1000, { netTonnes: 10 + i }));
    const outcomes = await Promise.all(fixes.map((f) => store.recordMovement(f)));
    const last = fixes.at(-1);
    expect(await rawTicket(dynamo.client, tableName, 'astana-1', 'WB-2026-000123')).toMatchObject({
      ...last,
    });
    expect(outcomes.some((o) => o.outcome === 'conflict' || o.outcome === 'stored')).toBe(false);
  });
});

describe('gateway tokens', () => {
  it('round-trips a token and stores only its fields (the hash, never a secret)', async () => {
    const t = token('tok000000001', { label: 'weighbridge gateway', plants: ['astana-1', 'almaty-2'] });
    await store.putToken(t);
    expect(await store.getToken('tok000000001')).toEqual(t);
    expect(await store.getToken('tok000000009')).toBeUndefined();
    const raw = await dynamo.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'TOKEN#tok000000001' }, sk: { S: 'TOKEN' } },
      }),
    );
    expect(Object.keys(raw.Item ?? {}).sort()).toEqual(
      [...Object.keys(t), 'pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity'].sort(),
    );
  });

  it('lists every token and nothing else', async () => {
    for (const id of ['tok000000002', 'tok000000001', 'tok000000003']) await store.putToken(token(id));
    await store.putPlant(plant('astana-1'));
    expect((await store.listTokens()).map((t) => t.tokenId)).toEqual([
      'tok000000001',
      'tok000000002',
      'tok000000003',
    ]);
  });

  it('revokes once: the first time stands, a repeat still answers true', async () => {
    await store.putToken(token('tok000000001'));
    expect(await store.revokeToken('tok000000001', T0 + 1000)).toBe(true);
    expect(await store.revokeToken('tok000000001', T0 + 5000)).toBe(true);
    expect((await store.getToken('tok000000001'))?.revokedAt).toBe(T0 + 1000);
    expect((await store.listTokens())[0]?.revokedAt).toBe(T0 + 1000);
  });

  it('answers false when revoking an unknown token, and does not create it', async () => {
    expect(await store.revokeToken('tok000000404', T0)).toBe(false);
    expect(await store.getToken('tok000000404')).toBeUndefined();
    expect(await store.listTokens()).toEqual([]);
  });

  it('does not bring a revoked token back when its creation is written again', async () => {
    const t = token('tok000000001');
    await store.putToken(t);
    await store.revokeToken(t.tokenId, T0 + 1000);
    await store.putToken(t);
    expect((await store.getToken(t.tokenId))?.revokedAt).toBe(T0 + 1000);
  });

  it('updates an active token written again with the same secret', async () => {
    await store.putToken(token('tok000000001'));
    await store.putToken(token('tok000000001', { label: 'renamed' }));
    expect((await store.getToken('tok000000001'))?.label).toBe('renamed');
  });

  it('refuses a token that reuses the id of a token with another secret', async () => {
    await store.putToken(token('tok000000001'));
    await expect(store.putToken(token('tok000000001', { secretHash: 'b'.repeat(64) }))).rejects.toThrow(
      TokenIdInUseError,
    );
    expect((await store.getToken('tok000000001'))?.secretHash).toBe('a'.repeat(64));
  });
});

describe('quarantine', () => {
  it('round-trips reading and movement entries by id', async () => {
    const r = quarantineEntry('q-reading', 'astana-1', T0, 'reading');
    const m = quarantineEntry('q-movement', 'astana-1', T0 + 1, 'movement');
    await store.putQuarantine([r, m]);
    expect(await store.getQuarantine('q-reading')).toEqual(r);
    expect(await store.getQuarantine('q-movement')).toEqual(m);
    expect(await store.getQuarantine('q-missing')).toBeUndefined();
  });

  it('keeps a refused reading whose value DynamoDB could not hold as a number', async () => {
    const huge = quarantineEntry('q-huge', 'astana-1', T0, 'reading');
    const entry = { ...huge, item: { ...huge.item, value: 1e300 } };
    await store.putQuarantine([entry]);
    expect(await store.getQuarantine('q-huge')).toEqual(entry);
  });

  it('keeps one entry per id when a message is redelivered later', async () => {
    const first = quarantineEntry('q1', 'astana-1', T0);
    await store.putQuarantine([first, quarantineEntry('q2', 'astana-1', T0 + 1)]);
    await store.putQuarantine([first, first]);
    await store.putQuarantine([{ ...first, quarantinedAt: T0 + 60_000 }]);
    const page = await store.listQuarantine(undefined, 50);
    expect(page.items.map((e) => e.quarantineId)).toEqual(['q2', 'q1']);
    expect(await store.getQuarantine('q1')).toEqual(first);
  });

  it('lists every plant newest first, page by page, with no cursor on the last page', async () => {
    const entries = seedEntries();
    await store.putQuarantine(entries);
    const expected = [...entries]
      .sort((a, b) => b.quarantinedAt - a.quarantinedAt)
      .map((e) => e.quarantineId);
    const pages = await readAllPages(store, undefined, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(expected);
  });

  it('ends on a full page without an empty page after it', async () => {
    await store.putQuarantine(seedEntries().slice(0, 6));
    const pages = await readAllPages(store, undefined, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3]);
  });

  it('lists one plant only, newest first, across pages', async () => {
    const entries = seedEntries();
    await store.putQuarantine(entries);
    const expected = entries
      .filter((e) => e.plantId === 'astana-1')
      .sort((a, b) => b.quarantinedAt - a.quarantinedAt)
      .map((e) => e.quarantineId);
    const pages = await readAllPages(store, 'astana-1', 2);
    expect(pages.flat()).toEqual(expected);
    expect(pages.map((p) => p.length)).toEqual([2, 2]);
    expect((await store.listQuarantine('nowhere-9', 10)).items).toEqual([]);
  });

  it('refuses a cursor from another listing or one it never handed out', async () => {
    await store.putQuarantine(seedEntries());
    const astana = await store.listQuarantine('astana-1', 1);
    const all = await store.listQuarantine(undefined, 1);
    expect(astana.cursor).toBeDefined();
    await expect(store.listQuarantine('almaty-2', 1, astana.cursor)).rejects.toThrow(InvalidCursorError);
    await expect(store.listQuarantine('astana-1', 1, all.cursor)).rejects.toThrow(InvalidCursorError);
    await expect(store.listQuarantine(undefined, 1, 'not-a-cursor')).rejects.toThrow(InvalidCursorError);
  });

  it('refuses a limit below one', async () => {
    await expect(store.listQuarantine(undefined, 0)).rejects.toThrow(/got 0/);
  });

  it('deletes an entry from reads and listings; deleting again is harmless', async () => {
    const entries = seedEntries();
    await store.putQuarantine(entries);
    await store.deleteQuarantine('q-a2');
    await store.deleteQuarantine('q-a2');
    expect(await store.getQuarantine('q-a2')).toBeUndefined();
    expect((await store.listQuarantine(undefined, 100)).items.map((e) => e.quarantineId)).not.toContain(
      'q-a2',
    );
    expect((await store.listQuarantine('astana-1', 100)).items).toHaveLength(3);
  });
});

function countOutcomes(outcomes: readonly LedgerOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  return counts;
}

/** Seven entries over two plants, written out of time order. */
function seedEntries(): QuarantineEntry[] {
  const minute = 60_000;
  return [
    quarantineEntry('q-a3', 'astana-1', T0 + 3 * minute),
    quarantineEntry('q-b1', 'almaty-2', T0 + 1 * minute, 'movement'),
    quarantineEntry('q-a1', 'astana-1', T0),
    quarantineEntry('q-b3', 'almaty-2', T0 + 5 * minute),
    quarantineEntry('q-a4', 'astana-1', T0 + 100 * minute, 'movement'),
    quarantineEntry('q-b2', 'almaty-2', T0 + 2 * minute),
    quarantineEntry('q-a2', 'astana-1', T0 + 4 * minute),
  ];
}

async function readAllPages(
  s: DynamoStateStore,
  plantId: string | undefined,
  limit: number,
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await s.listQuarantine(plantId, limit, cursor);
    pages.push(page.items.map((e) => e.quarantineId));
    cursor = page.cursor;
    if (pages.length > 20) throw new Error('pagination does not end');
  } while (cursor !== undefined);
  return pages;
}
