/**
 * The outbox relay over the real alert store on dynalite, publishing through
 * the SNS publisher with the SNS client mocked (throttling on cue), or
 * through a scripted publisher.
 */
import { PublishCommand, type PublishCommandInput, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RESERVE_MS,
  MARK_RETRY_DELAYS_MS,
  relayOutbox,
} from '../../../lambdas/adapters/alerts/outbox-relay.ts';
import { SnsAlertPublisher } from '../../../lambdas/adapters/alerts/sns-alert-publisher.ts';
import { DynamoAlertStore } from '../../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { createStateTable } from '../../../lambdas/adapters/dynamo/state-table.ts';
import type { Alert, AlertTransition } from '../../../lambdas/domain/alerts/model.ts';
import { type AlertPublisher, type AlertStore, UnavailableError } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import {
  acknowledge,
  MINUTE,
  open,
  remind,
  reopen,
  resolve,
  type Step,
  seededRandom,
  T0,
} from './alert-fixtures.ts';

const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:wte-alerts';
let dynamo: RunningDynalite;
let store: DynamoAlertStore;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  tables += 1;
  const tableName = `wte-relay-${process.pid}-${tables}`;
  await createStateTable(dynamo.client, tableName);
  store = new DynamoAlertStore({ client: dynamo.client, tableName });
});

async function apply(step: Step): Promise<Alert> {
  expect(await store.applyTransition(step.next, step.expected, step.transition)).toBe(true);
  return step.next;
}

/** One alert with a reminder history: `count` transitions of one (plant, type, subject), queued in order. */
async function queueMany(count: number): Promise<AlertTransition[]> {
  const first = open({ severity: 'critical' });
  const queued = [first.transition];
  let current = await apply(first);
  for (let i = 1; i < count; i++) {
    const step = remind(current, T0 + i * MINUTE);
    current = await apply(step);
    queued.push(step.transition);
  }
  return queued;
}

/** A publisher that records what it published and fails where told. */
class ScriptedPublisher implements AlertPublisher {
  readonly published: string[] = [];
  calls = 0;
  constructor(private readonly failOnCall: (call: number) => Error | undefined = () => undefined) {}
  async publish(transition: AlertTransition): Promise<void> {
    this.calls += 1;
    const failure = this.failOnCall(this.calls);
    if (failure) throw failure;
    this.published.push(transition.transitionId);
  }
}

/** The real store, with markPublished calls recorded and failing where told. */
function watchedStore(failMark: (call: number) => Error | undefined = () => undefined) {
  const marked: string[] = [];
  let calls = 0;
  const watched: Pick<AlertStore, 'pendingTransitions' | 'markPublished'> = {
    pendingTransitions: (limit) => store.pendingTransitions(limit),
    markPublished: async (transitionId) => {
      calls += 1;
      const failure = failMark(calls);
      if (failure) throw failure;
      await store.markPublished(transitionId);
      marked.push(transitionId);
    },
  };
  return { watched, marked };
}

const ids = (ts: readonly AlertTransition[]) => ts.map((t) => t.transitionId);

describe('relayOutbox with SNS throttling 30 % of publishes', () => {
  let sns: AwsClientStub<SNSClient>;
  let publisher: SnsAlertPublisher;

  beforeEach(() => {
    const client = new SNSClient({
      region: 'eu-central-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    sns = mockClient(client);
    publisher = new SnsAlertPublisher({ client, topicArn: TOPIC });
  });
  afterEach(() => {
    sns.restore();
  });

  /**
   * Nine (plant, subject) pairs, each with a scripted history (open, maybe
   * acknowledge and remind, resolve, a new alert, ...), interleaved at random
   * with relay runs, then relayed until the outbox is empty.
   */
  it.each([1, 2, 3, 42])(
    'publishes every transition exactly once, in order per alert (seed %i)',
    async (seed) => {
      const random = seededRandom(seed);
      const delivered: string[] = [];
      let throttled = 0;
      sns.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
        if (random() < 0.3) {
          throttled += 1;
          throw new ThrottledException({ message: 'Rate exceeded', $metadata: {} });
        }
        delivered.push(input.MessageAttributes?.transitionId?.StringValue ?? '');
        return { MessageId: `m-${delivered.length}` };
      });

      interface Head {
        readonly plantId: string;
        readonly subject: string;
        readonly budget: number;
        readonly queued: string[];
        current?: Alert;
        alerts: number;
        at: number;
      }
      const heads: Head[] = ['kz-ast-01', 'kz-ala-02', 'kz-shy-03']
        .flatMap((plantId) =>
          ['plant', 'L1/furnace_temperature', 'L2/furnace_temperature'].map((subject) => ({
            plantId,
            subject,
          })),
        )
        .map((h, i) => ({ ...h, budget: 4 + (i % 5), queued: [], alerts: 0, at: T0 }));

      const nextStep = (head: Head): Step => {
        head.at += MINUTE * (1 + Math.floor(random() * 5));
        const current = head.current;
        const newId = () => `a-${head.plantId}-${head.subject}-${++head.alerts}`;
        if (current === undefined) {
          const { plantId, subject, at } = head;
          return open({ alertId: newId(), plantId, subject, openedAt: at, updatedAt: at });
        }
        // Both ways a caller replaces a resolved alert: expecting 0, or continuing its sequence.
        if (current.state === 'resolved') return reopen(current, head.at, newId(), head.alerts % 2 === 0);
        const roll = random();
        if (current.state === 'open' && roll < 0.3) return acknowledge(current, head.at);
        if (roll < 0.55) return remind(current, head.at);
        return resolve(current, head.at);
      };

      let relayRuns = 0;
      const relay = async (limit: number) => {
        relayRuns += 1;
        return relayOutbox({ store, publisher, limit });
      };

      for (;;) {
        const ready = heads.filter((h) => h.queued.length < h.budget);
        const head = ready[Math.floor(random() * ready.length)];
        if (head === undefined) break;
        const step = nextStep(head);
        head.current = await apply(step);
        head.queued.push(step.transition.transitionId);
        if (random() < 0.3) await relay(1 + Math.floor(random() * 4));
      }
      for (let run = 0; run < 500 && (await store.pendingTransitions(1)).length > 0; run++) await relay(5);

      expect(await store.pendingTransitions(100)).toEqual([]);
      expect(throttled).toBeGreaterThan(0);
      const queued = heads.flatMap((h) => h.queued);
      expect(queued.length).toBeGreaterThan(40);
      // Exactly once, counted by transitionId.
      const counts = new Map<string, number>();
      for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      expect([...counts.keys()].sort()).toEqual([...queued].sort());
      // In order per alert, and per (plant, type, subject) across alerts.
      for (const head of heads) {
        const mine = new Set(head.queued);
        expect(
          delivered.filter((id) => mine.has(id)),
          `${head.plantId} ${head.subject}`,
        ).toEqual(head.queued);
      }
      expect(relayRuns).toBeGreaterThan(1);
    },
  );

  it('publishes again, with the same transitionId, only what was published but not marked when the process died', async () => {
    const delivered: string[] = [];
    sns.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
      delivered.push(input.MessageAttributes?.transitionId?.StringValue ?? '');
      return {};
    });
    const queued = await queueMany(5);
    const { watched } = watchedStore((call) => (call === 3 ? new Error('the process died here') : undefined));
    await expect(relayOutbox({ store: watched, publisher, limit: 10 })).rejects.toThrow(/died/);
    const after = await relayOutbox({ store, publisher, limit: 10 });
    expect(after).toMatchObject({ taken: 3, published: 3, stoppedBy: 'done' });
    expect(delivered).toEqual([...ids(queued.slice(0, 3)), ...ids(queued.slice(2))]);
    expect(await store.pendingTransitions(10)).toEqual([]);
  });
});

describe('relayOutbox', () => {
  it('publishes oldest first and marks each one after its publish', async () => {
    const queued = await queueMany(4);
    const publisher = new ScriptedPublisher();
    const { watched, marked } = watchedStore();
    const report = await relayOutbox({ store: watched, publisher, limit: 10 });
    expect(report).toEqual({ taken: 4, published: 4, unmarked: 0, left: 0, stoppedBy: 'done', more: false });
    expect(publisher.published).toEqual(ids(queued));
    expect(marked).toEqual(ids(queued));
    expect(await store.pendingTransitions(10)).toEqual([]);
  });

  it('stops at the first UnavailableError and leaves that transition and the rest pending, in order', async () => {
    const queued = await queueMany(5);
    const publisher = new ScriptedPublisher((call) =>
      call === 3 ? new UnavailableError('throttled') : undefined,
    );
    const { watched, marked } = watchedStore();
    const report = await relayOutbox({ store: watched, publisher, limit: 10 });
    expect(report).toMatchObject({
      taken: 5,
      published: 2,
      unmarked: 0,
      left: 3,
      stoppedBy: 'unavailable',
      more: true,
    });
    expect(report.error).toBeInstanceOf(UnavailableError);
    expect(publisher.calls).toBe(3);
    // Never marks what it failed to publish, nor anything after it.
    expect(marked).toEqual(ids(queued.slice(0, 2)));
    expect(ids(await store.pendingTransitions(10))).toEqual(ids(queued.slice(2)));

    const again = await relayOutbox({ store, publisher, limit: 10 });
    expect(again).toMatchObject({ published: 3, stoppedBy: 'done' });
    expect(publisher.published).toEqual(ids(queued));
  });

  it('takes at most `limit` and says there may be more', async () => {
    const queued = await queueMany(5);
    const publisher = new ScriptedPublisher();
    expect(await relayOutbox({ store, publisher, limit: 2 })).toMatchObject({
      taken: 2,
      stoppedBy: 'done',
      more: true,
    });
    expect(ids(await store.pendingTransitions(10))).toEqual(ids(queued.slice(2)));
  });

  it('starts no publish once the time left falls below the reserve', async () => {
    const queued = await queueMany(4);
    const publisher = new ScriptedPublisher();
    const left = [5000, 1500, 900];
    const report = await relayOutbox({
      store,
      publisher,
      limit: 10,
      reserveMs: 1000,
      remainingMs: () => left.shift() ?? 0,
    });
    expect(report).toMatchObject({ published: 2, left: 2, stoppedBy: 'deadline', more: true });
    expect(ids(await store.pendingTransitions(10))).toEqual(ids(queued.slice(2)));
  });

  it('tries an unavailable markPublished again, so a short throttle causes no repeat', async () => {
    const queued = await queueMany(3);
    const publisher = new ScriptedPublisher();
    const pauses: number[] = [];
    const { watched } = watchedStore((call) =>
      call === 2 || call === 3 ? new UnavailableError('store throttled') : undefined,
    );
    const sleep = async (ms: number) => void pauses.push(ms);
    const report = await relayOutbox({ store: watched, publisher, limit: 10, sleep });
    expect(report).toMatchObject({ published: 3, unmarked: 0, left: 0, stoppedBy: 'done' });
    expect(pauses).toEqual([...MARK_RETRY_DELAYS_MS]);
    expect(publisher.published).toEqual(ids(queued));
    expect(await store.pendingTransitions(10)).toEqual([]);
  });

  it('does not wait to retry a markPublished past the reserve of time', async () => {
    await queueMany(1);
    const pauses: number[] = [];
    const { watched } = watchedStore((call) =>
      call === 1 ? new UnavailableError('store throttled') : undefined,
    );
    const report = await relayOutbox({
      store: watched,
      publisher: new ScriptedPublisher(),
      limit: 10,
      remainingMs: () => DEFAULT_RESERVE_MS + 50,
      sleep: async (ms) => void pauses.push(ms),
    });
    expect(report).toMatchObject({ published: 0, unmarked: 1, stoppedBy: 'unavailable' });
    expect(pauses).toEqual([]);
  });

  it('counts a transition whose markPublished kept failing as unmarked, and publishes it again next time', async () => {
    const queued = await queueMany(3);
    const publisher = new ScriptedPublisher();
    const { watched } = watchedStore((call) =>
      call >= 2 && call <= 2 + MARK_RETRY_DELAYS_MS.length
        ? new UnavailableError('store throttled')
        : undefined,
    );
    const report = await relayOutbox({ store: watched, publisher, limit: 10, sleep: async () => {} });
    expect(report).toMatchObject({ published: 1, unmarked: 1, left: 1, stoppedBy: 'unavailable' });
    await relayOutbox({ store, publisher, limit: 10 });
    const [first, second, third] = ids(queued);
    expect(publisher.published).toEqual([first, second, second, third]);
  });

  it('reports the store unavailable when the outbox cannot be read', async () => {
    const publisher = new ScriptedPublisher();
    const report = await relayOutbox({
      store: {
        pendingTransitions: () => Promise.reject(new UnavailableError('state store unavailable')),
        markPublished: () => Promise.resolve(),
      },
      publisher,
      limit: 10,
    });
    expect(report).toMatchObject({ taken: 0, published: 0, stoppedBy: 'unavailable', more: true });
    expect(publisher.calls).toBe(0);
  });

  it('lets an error that retrying cannot fix through, and marks nothing', async () => {
    await queueMany(2);
    const denied = Object.assign(new Error('not authorized to publish'), {
      name: 'AuthorizationErrorException',
    });
    const publisher = new ScriptedPublisher(() => denied);
    const { watched, marked } = watchedStore();
    await expect(relayOutbox({ store: watched, publisher, limit: 10 })).rejects.toBe(denied);
    expect(marked).toEqual([]);
    expect(await store.pendingTransitions(10)).toHaveLength(2);
  });

  it('refuses a limit below one', async () => {
    await expect(relayOutbox({ store, publisher: new ScriptedPublisher(), limit: 0 })).rejects.toThrow(
      RangeError,
    );
  });
});
