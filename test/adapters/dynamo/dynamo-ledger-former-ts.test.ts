/**
 * The DynamoDB ticket ledger keeps where a corrected ticket was (`formerTs`,
 * domain/ticket-ledger.ts) and tells it on every later outcome, so the
 * processor can mark the slot a lost mark left behind; items written before
 * it kept the list read as never moved. Against dynalite.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toItem } from '../../../lambdas/adapters/dynamo/attribute-values.ts';
import {
  type DynamoStateStore,
  StoredItemError,
} from '../../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { movementFingerprint } from '../../../lambdas/domain/identity.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { correction, freshStore, movement, rawTicket, T0 } from './fixtures.ts';

const SLOT = 15 * 60_000;

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

describe('DynamoDB ledger, former ts', () => {
  it('keeps the ts a correction moved the ticket from and tells it on unchanged, superseded and conflict', async () => {
    const original = movement();
    const moved = correction(T0 + 60_000, { ts: T0 + 2 * SLOT });
    await store.recordMovement(original);
    expect(await store.recordMovement(moved)).toEqual({
      outcome: 'corrected',
      movement: moved,
      previous: original,
      formerTs: [original.ts],
    });
    expect(await rawTicket(dynamo.client, tableName, moved.plantId, moved.ticketId)).toMatchObject({
      ...moved,
      fingerprint: movementFingerprint(moved),
      formerTs: [original.ts],
    });
    const formerTs = [original.ts];
    // the redelivery that must mark the old slot again, after its first mark failed
    expect(await store.recordMovements([{ ...moved }, original, { ...moved, netTonnes: 3 }])).toEqual([
      { outcome: 'unchanged', movement: moved, formerTs },
      { outcome: 'superseded', movement: original, current: moved, formerTs },
      { outcome: 'conflict', movement: { ...moved, netTonnes: 3 }, current: moved, formerTs },
    ]);
  });

  it('keeps every slot a ticket left, and drops the one it returns to', async () => {
    const original = movement();
    const toB = correction(T0 + 1000, { ts: T0 + SLOT });
    const toC = correction(T0 + 2000, { ts: T0 + 2 * SLOT });
    const tonnage = correction(T0 + 3000, { ts: T0 + 2 * SLOT, netTonnes: 5 });
    const back = correction(T0 + 4000, { ts: T0 });
    await store.recordMovement(original);
    await store.recordMovement(toB);
    expect(await store.recordMovement(toC)).toMatchObject({ previous: toB, formerTs: [T0, T0 + SLOT] });
    expect(await store.recordMovement(tonnage)).toMatchObject({ formerTs: [T0, T0 + SLOT] });
    expect(await store.recordMovement(back)).toMatchObject({ formerTs: [T0 + SLOT, T0 + 2 * SLOT] });
    // late versions are superseded and tell the list too
    expect(await store.recordMovement(toB)).toMatchObject({
      outcome: 'superseded',
      formerTs: [T0 + SLOT, T0 + 2 * SLOT],
    });
  });

  it('lets corrections that move a ticket race, and keeps the list of the winner', async () => {
    await store.recordMovement(movement());
    const fixes = Array.from({ length: 5 }, (_, i) =>
      correction(T0 + (i + 1) * 1000, { ts: T0 + (i + 1) * SLOT }),
    );
    const outcomes = await Promise.all(fixes.map((f) => store.recordMovement(f)));
    expect(outcomes.some((o) => o.outcome === 'conflict' || o.outcome === 'stored')).toBe(false);
    const raw = await rawTicket(dynamo.client, tableName, 'astana-1', 'WB-2026-000123');
    expect(raw).toMatchObject({ ...fixes.at(-1) });
    // whichever versions got written in between, the first slot is among the former ones
    expect(raw?.formerTs).toContain(T0);
    expect(raw?.formerTs).not.toContain(raw?.ts);
  });

  it('reads an item written before the list as never moved, and starts its list at the next move', async () => {
    const original = movement();
    const legacy = {
      ...toItem(original),
      pk: { S: `PLANT#${original.plantId}` },
      sk: { S: `TICKET#${original.ticketId}` },
      entity: { S: 'movement' },
      fingerprint: { S: movementFingerprint(original) },
    };
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: legacy }));
    expect(await store.recordMovement({ ...original })).toEqual({ outcome: 'unchanged', movement: original });
    const moved = correction(T0 + 60_000, { ts: T0 + SLOT });
    expect(await store.recordMovement(moved)).toMatchObject({ outcome: 'corrected', formerTs: [T0] });
  });

  it('fails loudly on a former ts list it cannot read', async () => {
    const original = movement();
    await store.recordMovement(original);
    await dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          ...toItem(original),
          pk: { S: `PLANT#${original.plantId}` },
          sk: { S: `TICKET#${original.ticketId}` },
          formerTs: { L: [{ S: 'yesterday' }] },
        },
      }),
    );
    await expect(store.recordMovement(correction(T0 + 1000, { ts: T0 + SLOT }))).rejects.toBeInstanceOf(
      StoredItemError,
    );
  });
});
