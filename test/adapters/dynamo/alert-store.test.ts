/**
 * The DynamoDB alert store against dynalite: the real wire protocol,
 * conditional writes and indexes, in-process, no transactions.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromItem } from '../../../lambdas/adapters/dynamo/attribute-values.ts';
import { DynamoAlertStore, InvalidCursorError } from '../../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { createStateTable } from '../../../lambdas/adapters/dynamo/state-table.ts';
import { StoredItemError } from '../../../lambdas/adapters/dynamo/stored-items.ts';
import type { Alert, AlertState, AlertTransition } from '../../../lambdas/domain/alerts/model.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import {
  acknowledge,
  alert,
  MINUTE,
  open,
  remind,
  reopen,
  resolve,
  type Step,
  T0,
  transitionOf,
} from '../alerts/alert-fixtures.ts';

let dynamo: RunningDynalite;
let store: DynamoAlertStore;
let tableName: string;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  tables += 1;
  tableName = `wte-alerts-${process.pid}-${tables}`;
  await createStateTable(dynamo.client, tableName);
  store = new DynamoAlertStore({ client: dynamo.client, tableName });
});

async function apply(step: Step, on: DynamoAlertStore = store): Promise<Alert> {
  expect(await on.applyTransition(step.next, step.expected, step.transition)).toBe(true);
  return step.next;
}

const HEAD_KEY = (a: Pick<Alert, 'plantId' | 'type' | 'subject'>) => ({
  pk: { S: `ALERTHEAD#${a.plantId}#${a.type}#${a.subject}` },
  sk: { S: 'HEAD' },
});

async function rawHead(a: Pick<Alert, 'plantId' | 'type' | 'subject'>): Promise<Record<string, unknown>> {
  const out = await dynamo.client.send(
    new GetItemCommand({ TableName: tableName, Key: HEAD_KEY(a), ConsistentRead: true }),
  );
  if (!out.Item) throw new Error('no head item');
  return fromItem(out.Item);
}

/** The outbox's transition ids as stored, and whether the head is in the outbox index. */
async function outboxOf(a: Pick<Alert, 'plantId' | 'type' | 'subject'>) {
  const head = await rawHead(a);
  const entries = (head.outbox ?? []) as Array<{ transitionId: string }>;
  return { ids: entries.map((e) => e.transitionId), indexed: head.gsi3pk === 'OUTBOX', alert: head.alert };
}

const ids = (transitions: readonly AlertTransition[]) => transitions.map((t) => t.transitionId);

/** A client on the same dynalite whose process "dies" (throws) on the calls `crashOn` picks. */
function crashingClient(crashOn: (commandName: string) => boolean): DynamoDBClient {
  const client = new DynamoDBClient({
    region: 'local',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (crashOn(context.commandName ?? '')) throw new Error('the process died here');
      return next(args);
    },
    { step: 'initialize', name: 'crash' },
  );
  return client;
}

describe('opening and reading an alert', () => {
  it('stores a new alert and queues its transition: getActive, getAlert and the outbox answer it', async () => {
    const step = open();
    const opened = await apply(step);
    expect(await store.getActive(opened.plantId, opened.type, opened.subject)).toEqual(opened);
    expect(await store.getAlert(opened.alertId)).toEqual(opened);
    expect(await store.pendingTransitions(10)).toEqual([step.transition]);
  });

  it('answers undefined for an unknown alert and for a subject without one', async () => {
    await apply(open());
    expect(await store.getAlert('diversion-below-target-ffffffffffffffff')).toBeUndefined();
    expect(
      await store.getActive('kz-ast-01', 'DIVERSION_BELOW_TARGET', 'L1/furnace_temperature'),
    ).toBeUndefined();
    expect(await store.getActive('kz-ala-02', 'DIVERSION_BELOW_TARGET', 'plant')).toBeUndefined();
  });

  it('keeps an alert without a transition out of the outbox', async () => {
    const opened = await apply(open());
    const updated = { ...opened, value: 0.33, updatedAt: T0 + MINUTE };
    expect(await store.applyTransition(updated, opened.sequence)).toBe(true);
    expect(await store.getActive(opened.plantId, opened.type, opened.subject)).toEqual(updated);
    expect(await store.getAlert(opened.alertId)).toEqual(updated);
    expect(ids(await store.pendingTransitions(10))).toEqual([`${opened.alertId}#1`]);
  });

  it('keeps subjects apart, including subjects that contain the key separator', async () => {
    const a = await apply(open({ alertId: 'a-1', type: 'SENSOR_STALE', subject: 'L1/furnace#temperature' }));
    const b = await apply(open({ alertId: 'b-1', type: 'SENSOR_STALE', subject: 'L1/furnace' }));
    expect(await store.getActive(a.plantId, a.type, a.subject)).toEqual(a);
    expect(await store.getActive(b.plantId, b.type, b.subject)).toEqual(b);
  });

  it('keeps values DynamoDB numbers cannot hold (magnitude below 1e-130)', async () => {
    const tiny = await apply(open({ value: 1e-200, threshold: -0 }));
    expect((await store.getAlert(tiny.alertId))?.value).toBe(1e-200);
  });

  it('refuses, before writing, an alert or transition it could not read back', async () => {
    await expect(store.applyTransition(alert({ value: Number.NaN }), 0)).rejects.toThrow(/value/);
    await expect(store.applyTransition(alert({ updatedAt: -1 }), 0)).rejects.toThrow(RangeError);
    const a = alert();
    await expect(
      store.applyTransition(a, 0, { ...transitionOf(a, 'opened'), transitionId: 'other-alert#1' }),
    ).rejects.toThrow(/\{alertId\}#\{sequence\}/);
    await expect(store.applyTransition(a, -1)).rejects.toThrow(/expectedSequence/);
    expect(await store.getActive(a.plantId, a.type, a.subject)).toBeUndefined();
  });

  it('fails loudly on a stored item it cannot read', async () => {
    const a = await apply(open());
    await dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...HEAD_KEY(a), alert: { S: '{"alertId": 1}' } },
      }),
    );
    await expect(store.getActive(a.plantId, a.type, a.subject)).rejects.toThrow(StoredItemError);
  });
});

describe('conditional writes', () => {
  it('lets exactly one of many concurrent writers with the same expected sequence win', async () => {
    const first = open();
    const opened = await apply(first);
    const steps = Array.from({ length: 20 }, (_, i) => acknowledge(opened, T0 + i, `operator-${i}`));
    const results = await Promise.all(
      steps.map((s) => store.applyTransition(s.next, s.expected, s.transition)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = steps[results.indexOf(true)];
    expect(await store.getActive(opened.plantId, opened.type, opened.subject)).toEqual(winner?.next);
    expect(await store.getAlert(opened.alertId)).toEqual(winner?.next);
    // The outbox holds the winner's transition only: a losing write queued nothing.
    expect(await store.pendingTransitions(50)).toEqual([first.transition, winner?.transition]);
  });

  it('lets exactly one of many concurrent openers win, and keeps the losers out of every read', async () => {
    const steps = Array.from({ length: 12 }, (_, i) => open({ alertId: `opener-${i}`, openedAt: T0 + i }));
    const results = await Promise.all(
      steps.map((s) => store.applyTransition(s.next, s.expected, s.transition)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = steps[results.indexOf(true)];
    expect(await store.pendingTransitions(50)).toEqual([winner?.transition]);
    for (const [i, step] of steps.entries()) {
      expect(await store.getAlert(step.next.alertId)).toEqual(results[i] ? step.next : undefined);
    }
    expect((await store.listAlerts({ limit: 50 })).items).toEqual([winner?.next]);
  });

  it('answers true to a repeated call, and queues its transition once', async () => {
    const first = open();
    await apply(first);
    await apply(first); // the same call again, e.g. a retry whose answer was lost
    const ack = acknowledge(first.next, T0 + MINUTE);
    await apply(ack);
    await apply(ack);
    expect(ids(await store.pendingTransitions(10))).toEqual([
      first.transition.transitionId,
      ack.transition.transitionId,
    ]);
    expect(await store.getAlert(first.next.alertId)).toEqual(ack.next);
  });

  it('lets twin writers that decided the same both succeed, with one outbox entry', async () => {
    const first = open();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.applyTransition(first.next, first.expected, first.transition)),
    );
    expect(results).toEqual(Array.from({ length: 8 }, () => true));
    expect(await store.pendingTransitions(10)).toEqual([first.transition]);
  });

  it('refuses a stale expected sequence and changes nothing, alert nor outbox', async () => {
    const opened = await apply(open());
    const acked = await apply(acknowledge(opened, T0 + MINUTE));
    const before = await rawHead(opened);
    const stale = remind(opened, T0 + 2 * MINUTE); // expects sequence 1, the store is at 2
    expect(await store.applyTransition(stale.next, stale.expected, stale.transition)).toBe(false);
    expect(await rawHead(opened)).toEqual(before);
    expect(await store.getActive(opened.plantId, opened.type, opened.subject)).toEqual(acked);
    expect(ids(await store.pendingTransitions(10))).toEqual([`${opened.alertId}#1`, `${opened.alertId}#2`]);
  });

  it('refuses to open a second alert while one is active', async () => {
    const opened = await apply(open());
    const second = open({ alertId: 'another-alert', openedAt: T0 + MINUTE });
    expect(await store.applyTransition(second.next, 0, second.transition)).toBe(false);
    expect(await store.applyTransition(second.next, opened.sequence, second.transition)).toBe(false);
    expect(await store.getActive(opened.plantId, opened.type, opened.subject)).toEqual(opened);
  });

  it('refuses a stale write of an older alert over the alert that replaced it', async () => {
    const a = await apply(open());
    const aResolved = await apply(resolve(a, T0 + MINUTE));
    const b = await apply(reopen(aResolved, T0 + 2 * MINUTE, 'alert-b', false));
    // A writer that read `a` long ago and now acknowledges it with a sequence `b` happens to have.
    const late = acknowledge(a, T0 + 3 * MINUTE);
    expect(late.expected).toBe(b.sequence);
    expect(await store.applyTransition(late.next, late.expected, late.transition)).toBe(false);
    expect(await store.getActive(a.plantId, a.type, a.subject)).toEqual(b);
  });

  it("refuses to reopen under the resolved alert's own id (its transition ids would repeat)", async () => {
    const a = await apply(open());
    const aResolved = await apply(resolve(a, T0 + MINUTE));
    const again = reopen(aResolved, T0 + 2 * MINUTE, a.alertId, false);
    expect(await store.applyTransition(again.next, again.expected, again.transition)).toBe(false);
    expect(await store.getAlert(a.alertId)).toEqual(aResolved);
  });
});

describe('a new alert replacing a resolved one', () => {
  it.each([
    ['the caller found no active alert (expects 0, sequence 1)', false],
    ['the caller passed the resolved alert (expects its sequence, continues it)', true],
  ])('keeps the resolved alert retrievable and listed when %s', async (_how, continueSequence) => {
    const a = await apply(open());
    const aResolved = await apply(resolve(await apply(acknowledge(a, T0 + MINUTE)), T0 + 2 * MINUTE));
    const b = await apply(reopen(aResolved, T0 + 10 * MINUTE, 'alert-b', continueSequence));

    expect(await store.getActive(a.plantId, a.type, a.subject)).toEqual(b);
    expect(await store.getAlert(a.alertId)).toEqual(aResolved);
    expect(await store.getAlert('alert-b')).toEqual(b);
    expect((await store.listAlerts({ limit: 10 })).items).toEqual([b, aResolved]);
    expect((await store.listAlerts({ state: 'resolved', limit: 10 })).items).toEqual([aResolved]);
    expect((await store.listAlerts({ plantId: a.plantId, state: 'open', limit: 10 })).items).toEqual([b]);
    // The old alert's transitions stay queued ahead of the new one's.
    expect(ids(await store.pendingTransitions(10))).toEqual([
      `${a.alertId}#1`,
      `${a.alertId}#2`,
      `${a.alertId}#3`,
      `alert-b#${b.sequence}`,
    ]);
  });

  it('lets a second new alert replace the first once it resolved, keeping all three', async () => {
    const a = await apply(resolve(await apply(open()), T0 + MINUTE));
    const b = await apply(
      resolve(await apply(reopen(a, T0 + 5 * MINUTE, 'alert-b', false)), T0 + 6 * MINUTE),
    );
    const c = await apply(reopen(b, T0 + 9 * MINUTE, 'alert-c', true));
    expect((await store.listAlerts({ plantId: a.plantId, limit: 10 })).items).toEqual([c, b, a]);
    expect(await store.getAlert(a.alertId)).toEqual(a);
    expect(await store.getAlert('alert-b')).toEqual(b);
  });
});

describe('outbox', () => {
  it('stores the alert change and its outbox entry in the same item', async () => {
    const opened = await apply(open());
    const acked = await apply(acknowledge(opened, T0 + MINUTE));
    const head = await outboxOf(opened);
    expect(JSON.parse(String(head.alert))).toEqual(acked);
    expect(head.ids).toEqual([`${opened.alertId}#1`, `${opened.alertId}#2`]);
    expect(head.indexed).toBe(true);
  });

  it('lists pending transitions oldest first across alerts, each alert in its own order', async () => {
    // Three subjects; times interleave across them.
    const x = await apply(open({ alertId: 'x', subject: 'x', updatedAt: T0 + 10, openedAt: T0 + 10 }));
    const y = await apply(open({ alertId: 'y', subject: 'y', updatedAt: T0 + 5, openedAt: T0 + 5 }));
    await apply(acknowledge(x, T0 + 7)); // x#2 at T0+10 (updatedAt never goes back)
    await apply(acknowledge(y, T0 + 20)); // y#2 at T0+20
    const z = await apply(open({ alertId: 'z', subject: 'z', updatedAt: T0 + 15, openedAt: T0 + 15 }));
    await apply(resolve(z, T0 + 16)); // z#2 at T0+16
    expect(ids(await store.pendingTransitions(10))).toEqual(['y#1', 'x#1', 'x#2', 'z#1', 'z#2', 'y#2']);
    expect(ids(await store.pendingTransitions(3))).toEqual(['y#1', 'x#1', 'x#2']);
  });

  it("keeps an alert's queue order even when a later transition carries an earlier time", async () => {
    const a = await apply(open({ updatedAt: T0 + 100 }));
    const b = await apply(open({ alertId: 'b', subject: 'b', updatedAt: T0 + 60, openedAt: T0 + 60 }));
    const odd = { ...a, value: 0.2, updatedAt: T0 + 50, sequence: 2 };
    await apply({ next: odd, expected: 1, transition: transitionOf(odd, 'updated') });
    expect(ids(await store.pendingTransitions(10))).toEqual(['b#1', `${a.alertId}#1`, `${a.alertId}#2`]);
    expect(b.sequence).toBe(1);
  });

  it('removes a published transition, idempotently, and leaves the index only when the outbox is empty', async () => {
    const opened = await apply(open());
    await apply(acknowledge(opened, T0 + MINUTE));
    await store.markPublished(`${opened.alertId}#1`);
    expect(await outboxOf(opened)).toMatchObject({ ids: [`${opened.alertId}#2`], indexed: true });
    await store.markPublished(`${opened.alertId}#1`);
    expect(await outboxOf(opened)).toMatchObject({ ids: [`${opened.alertId}#2`], indexed: true });
    await store.markPublished(`${opened.alertId}#2`);
    expect(await outboxOf(opened)).toMatchObject({ ids: [], indexed: false });
    expect(await store.pendingTransitions(10)).toEqual([]);
    await store.markPublished(`${opened.alertId}#2`);
    await store.markPublished('never-queued#1');
    await store.markPublished('no-separator');
    // A transition queued after the outbox emptied puts the head back in the index.
    const acked = await store.getActive(opened.plantId, opened.type, opened.subject);
    if (!acked) throw new Error('no active alert');
    await apply(resolve(acked, T0 + 2 * MINUTE));
    expect(await outboxOf(opened)).toMatchObject({ ids: [`${opened.alertId}#3`], indexed: true });
  });

  it('does not take the record back when an older transition is marked published', async () => {
    const opened = await apply(open());
    const acked = await apply(acknowledge(opened, T0 + MINUTE));
    await store.markPublished(`${opened.alertId}#1`);
    expect((await store.listAlerts({ limit: 5 })).items).toEqual([acked]);
    const updated = { ...acked, value: 0.3, updatedAt: T0 + 2 * MINUTE }; // in place, same sequence
    expect(await store.applyTransition(updated, acked.sequence)).toBe(true);
    await store.markPublished(`${opened.alertId}#2`);
    expect((await store.listAlerts({ limit: 5 })).items).toEqual([updated]);
  });

  it('moves the index key to the next oldest pending transition', async () => {
    const a = await apply(open({ updatedAt: T0 + 10 }));
    await apply(acknowledge(a, T0 + 30));
    await apply(open({ alertId: 'b', subject: 'b', updatedAt: T0 + 20, openedAt: T0 + 20 }));
    expect(ids(await store.pendingTransitions(1))).toEqual([`${a.alertId}#1`]);
    await store.markPublished(`${a.alertId}#1`);
    // Head a's oldest is now at T0+30, after b's T0+20.
    expect(ids(await store.pendingTransitions(1))).toEqual(['b#1']);
  });

  it('settles concurrent marks of one alert: every entry goes, and the index key with the last', async () => {
    let current = await apply(open({ severity: 'critical' }));
    for (let i = 1; i <= 9; i++) current = await apply(remind(current, T0 + i * MINUTE));
    const queued = ids(await store.pendingTransitions(20));
    expect(queued).toHaveLength(10);
    await Promise.all(queued.map((id) => store.markPublished(id)));
    expect(await outboxOf(current)).toMatchObject({ ids: [], indexed: false });
  });

  it('never leaves a queued transition out of the index while marks and new transitions race', async () => {
    let current = await apply(open({ severity: 'critical' }));
    for (let round = 1; round <= 15; round++) {
      const step = remind(current, T0 + round * MINUTE);
      const [applied] = await Promise.all([
        store.applyTransition(step.next, step.expected, step.transition),
        store.markPublished(`${current.alertId}#${current.sequence}`),
      ]);
      expect(applied).toBe(true);
      current = step.next;
      const head = await outboxOf(current);
      expect(head.ids).toEqual([step.transition.transitionId]);
      expect(head.indexed).toBe(true);
    }
    await store.markPublished(`${current.alertId}#${current.sequence}`);
    expect(await outboxOf(current)).toMatchObject({ ids: [], indexed: false });
  });

  it('answers UnavailableError when the outbox fills the item, and takes transitions again once drained', async () => {
    const long = 'x'.repeat(60_000);
    let current = await apply(open({ severity: 'critical', message: long }));
    let refused: unknown;
    for (let i = 1; i <= 10 && refused === undefined; i++) {
      const step = remind(current, T0 + i * MINUTE);
      try {
        current = await apply(step);
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).message).toMatch(/400 KB/);
    for (const t of await store.pendingTransitions(20)) await store.markPublished(t.transitionId);
    await apply(remind(current, T0 + 60 * MINUTE));
  });

  it('refuses a limit below one', async () => {
    await expect(store.pendingTransitions(0)).rejects.toThrow(RangeError);
  });
});

describe('listing', () => {
  /** Twelve alerts over two plants and three states, updatedAt all different. */
  async function fleet(): Promise<Alert[]> {
    const all: Alert[] = [];
    for (let i = 0; i < 12; i++) {
      const plantId = i % 2 === 0 ? 'kz-ast-01' : 'kz-ala-02';
      const at = T0 + ((i * 7) % 12) * MINUTE; // not in creation order
      let a = await apply(
        open({ alertId: `alert-${i}`, plantId, subject: `L${i}/x`, openedAt: at, updatedAt: at }),
      );
      if (i % 3 === 1) a = await apply(acknowledge(a, at + 1));
      if (i % 3 === 2) a = await apply(resolve(a, at + 1));
      all.push(a);
    }
    return all.sort((p, q) => q.updatedAt - p.updatedAt);
  }

  async function everyPage(query: { plantId?: string; state?: AlertState }, limit: number) {
    const pages: Alert[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listAlerts({ ...query, limit, ...(cursor ? { cursor } : {}) });
      pages.push([...page.items]);
      cursor = page.cursor;
    } while (cursor);
    return pages;
  }

  it.each([
    [{}],
    [{ plantId: 'kz-ast-01' }],
    [{ state: 'open' as const }],
    [{ state: 'resolved' as const }],
    [{ plantId: 'kz-ala-02', state: 'acknowledged' as const }],
    [{ plantId: 'kz-ast-01', state: 'open' as const }],
  ])('lists %o newest first, page by page, with no cursor on the last page', async (query) => {
    const all = await fleet();
    const wanted = all.filter(
      (a) =>
        (!('plantId' in query) || a.plantId === query.plantId) &&
        (!('state' in query) || a.state === query.state),
    );
    expect(wanted.length).toBeGreaterThan(1);
    const pages = await everyPage(query, 2);
    expect(pages.flat()).toEqual(wanted);
    expect(pages.slice(0, -1).every((p) => p.length === 2)).toBe(true);
    expect(pages.at(-1)?.length).toBeGreaterThan(0);
  });

  it('follows an alert from one state listing to the next', async () => {
    const a = await apply(open());
    expect((await store.listAlerts({ state: 'open', limit: 5 })).items).toEqual([a]);
    const acked = await apply(acknowledge(a, T0 + MINUTE));
    expect((await store.listAlerts({ state: 'open', limit: 5 })).items).toEqual([]);
    expect((await store.listAlerts({ state: 'acknowledged', limit: 5 })).items).toEqual([acked]);
  });

  it('refuses a cursor from another listing or one it never handed out', async () => {
    await fleet();
    const page = await store.listAlerts({ plantId: 'kz-ast-01', limit: 2 });
    if (page.cursor === undefined) throw new Error('expected a cursor');
    await expect(store.listAlerts({ limit: 2, cursor: page.cursor })).rejects.toThrow(InvalidCursorError);
    await expect(store.listAlerts({ plantId: 'kz-ala-02', limit: 2, cursor: page.cursor })).rejects.toThrow(
      InvalidCursorError,
    );
    await expect(store.listAlerts({ limit: 2, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(
      InvalidCursorError,
    );
  });

  it('refuses a limit below one and an unknown state', async () => {
    await expect(store.listAlerts({ limit: 0 })).rejects.toThrow(RangeError);
    await expect(store.listAlerts({ limit: 5, state: 'closed' as AlertState })).rejects.toThrow(/closed/);
  });
});

describe('a process that dies between the head write and the record write', () => {
  it('loses nothing: getAlert reads through the head, and marking published repairs the record', async () => {
    const dying = new DynamoAlertStore({
      client: crashingClient((name) => name === 'PutItemCommand'),
      tableName,
    });
    const step = open();
    await expect(dying.applyTransition(step.next, step.expected, step.transition)).rejects.toThrow(/died/);
    // The head holds the alert and its outbox entry; the record was never written.
    expect(await store.getActive(step.next.plantId, step.next.type, step.next.subject)).toEqual(step.next);
    expect(await store.getAlert(step.next.alertId)).toBeUndefined();
    expect((await store.listAlerts({ limit: 5 })).items).toEqual([]);
    // The relay publishes it and marks it: the record follows.
    expect(await store.pendingTransitions(5)).toEqual([step.transition]);
    await store.markPublished(step.transition.transitionId);
    expect(await store.getAlert(step.next.alertId)).toEqual(step.next);
    expect((await store.listAlerts({ limit: 5 })).items).toEqual([step.next]);

    // Later transitions: getAlert sees the head's newer state at once, listings after the mark.
    const ack = acknowledge(step.next, T0 + MINUTE);
    await expect(dying.applyTransition(ack.next, ack.expected, ack.transition)).rejects.toThrow(/died/);
    expect(await store.getAlert(step.next.alertId)).toEqual(ack.next);
    expect((await store.listAlerts({ state: 'open', limit: 5 })).items).toEqual([step.next]);
    await store.markPublished(ack.transition.transitionId);
    expect((await store.listAlerts({ state: 'acknowledged', limit: 5 })).items).toEqual([ack.next]);
    expect((await store.listAlerts({ state: 'open', limit: 5 })).items).toEqual([]);
  });

  it('keeps a resolved alert whose record never caught up, even after a new alert replaced it', async () => {
    const dying = new DynamoAlertStore({
      client: crashingClient((name) => name === 'PutItemCommand'),
      tableName,
    });
    const a = await apply(open());
    const resolved = resolve(a, T0 + MINUTE);
    await expect(
      dying.applyTransition(resolved.next, resolved.expected, resolved.transition),
    ).rejects.toThrow(/died/);
    const b = reopen(resolved.next, T0 + 5 * MINUTE, 'alert-b', false);
    await expect(dying.applyTransition(b.next, b.expected, b.transition)).rejects.toThrow(/died/);
    // Neither the resolution of a nor b itself reached a record.
    expect(await store.getAlert(a.alertId)).toEqual(a);
    expect(await store.getAlert('alert-b')).toBeUndefined();

    for (const t of await store.pendingTransitions(10)) await store.markPublished(t.transitionId);
    expect(await store.getAlert(a.alertId)).toEqual(resolved.next);
    expect(await store.getAlert('alert-b')).toEqual(b.next);
    expect((await store.listAlerts({ limit: 5 })).items).toEqual([b.next, resolved.next]);
  });

  it('records the replaced alert from the head write itself when only the new record is lost', async () => {
    let puts = 0;
    const a = await apply(open());
    // Resolve a: the head write lands, the record write is lost.
    const dyingOnce = new DynamoAlertStore({
      client: crashingClient((name) => name === 'PutItemCommand' && ++puts === 1),
      tableName,
    });
    const resolved = resolve(a, T0 + MINUTE);
    await expect(
      dyingOnce.applyTransition(resolved.next, resolved.expected, resolved.transition),
    ).rejects.toThrow(/died/);
    // A healthy writer replaces it: the replaced alert comes back from the write and is recorded.
    const b = await apply(reopen(resolved.next, T0 + 5 * MINUTE, 'alert-b', false));
    expect(await store.getAlert(a.alertId)).toEqual(resolved.next);
    expect((await store.listAlerts({ limit: 5 })).items).toEqual([b, resolved.next]);
  });
});
