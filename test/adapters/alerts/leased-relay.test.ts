/**
 * Ordered, at-least-once delivery under the relay lease: five processor
 * relays and the scheduler interleaved over the real alert store and lease
 * on dynalite, publishing through the SNS publisher with the SNS client
 * faked (random latency, throttles, answers lost after SNS took the
 * message) and markPublished failing now and then.
 */
import {
  InternalErrorException,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relayWithLease } from '../../../lambdas/adapters/alerts/leased-relay.ts';
import { SnsAlertPublisher } from '../../../lambdas/adapters/alerts/sns-alert-publisher.ts';
import { DynamoAlertStore } from '../../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { DynamoRelayLease } from '../../../lambdas/adapters/dynamo/dynamo-relay-lease.ts';
import { createStateTable } from '../../../lambdas/adapters/dynamo/state-table.ts';
import { systemClock } from '../../../lambdas/adapters/system-clock.ts';
import type { AlertTransition } from '../../../lambdas/domain/alerts/model.ts';
import type { AlertPublisher } from '../../../lambdas/domain/ports.ts';
import { type RunningDynalite, startDynalite } from '../../support/dynalite.ts';
import { open, remind, seededRandom } from './alert-fixtures.ts';
import {
  checkDelivery,
  flakyMarks,
  history,
  type Received,
  runInterleaved,
  sleep,
} from './delivery-harness.ts';

const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:wte-alerts';
let dynamo: RunningDynalite;
let store: DynamoAlertStore;
let lease: DynamoRelayLease;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  tables += 1;
  const tableName = `wte-lease-${process.pid}-${tables}`;
  await createStateTable(dynamo.client, tableName);
  store = new DynamoAlertStore({ client: dynamo.client, tableName });
  lease = new DynamoRelayLease({ client: dynamo.client, tableName });
});

/** The SNS topic as a subscriber sees it, and how many publishes were in flight at once. */
function fakeTopic(sns: AwsClientStub<SNSClient>, random: () => number) {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  sns.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await sleep(random() * 6);
      const roll = random();
      if (roll < 0.1) throw new ThrottledException({ message: 'Rate exceeded', $metadata: {} });
      const message = input.Message ?? '';
      const body = JSON.parse(message.slice(message.indexOf('{'))) as {
        transitionId: string;
        sequence: number;
        plantId: string;
        type: string;
        subject: string;
      };
      const attributes = input.MessageAttributes ?? {};
      expect(attributes.transitionId?.StringValue).toBe(body.transitionId);
      expect(attributes.sequence).toEqual({ DataType: 'Number', StringValue: String(body.sequence) });
      received.push({
        transitionId: body.transitionId,
        sequence: body.sequence,
        head: `${body.plantId}/${body.type}/${body.subject}`,
        body: JSON.stringify({ message, attributes }),
      });
      // SNS took it, but the answer is lost: the relay must publish it again, same transitionId.
      if (roll < 0.2) throw new InternalErrorException({ message: 'Internal error', $metadata: {} });
      return { MessageId: `m-${received.length}` };
    } finally {
      inFlight -= 1;
    }
  });
  return { received, maxInFlight: () => maxInFlight };
}

describe('five processor relays and the scheduler, interleaved, over a faked SNS topic', () => {
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

  it.each([1, 2, 3])(
    'delivers every transition, per alert in sequence, repeats only with the same transitionId (seed %i)',
    async (seed) => {
      const random = seededRandom(seed);
      const topic = fakeTopic(sns, random);
      const heads = Array.from({ length: 10 }, (_, i) => history(i, 2, random));
      const relayStore = flakyMarks(store, random, 0.05);
      const relay = (acquireWaitMs: number) =>
        relayWithLease({
          store: relayStore,
          publisher,
          lease,
          clock: systemClock,
          acquireWaitMs,
          pollMs: 5,
          pageSize: 3,
          sleep: async () => undefined,
        });
      await runInterleaved({
        store,
        heads,
        processorRelay: () => relay(20),
        schedulerRelay: () => relay(2000),
        random,
      });
      expect(topic.maxInFlight()).toBe(1);
      checkDelivery(topic.received, heads);
      const repeats = topic.received.length - new Set(topic.received.map((m) => m.transitionId)).size;
      expect(repeats).toBeGreaterThan(0); // the faults did cause repeats, and they were harmless
    },
    30_000,
  );
});

/** A publisher that takes `delayMs` per message and records what it got and how many ran at once. */
class SlowPublisher implements AlertPublisher {
  readonly published: string[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  constructor(private readonly delayMs: number) {}
  async publish(transition: AlertTransition): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await sleep(this.delayMs);
    this.published.push(transition.transitionId);
    this.inFlight -= 1;
  }
}

async function queueReminders(count: number, plantId = 'kz-ast-01'): Promise<string[]> {
  let step = open({ severity: 'critical', plantId, alertId: `diversion-below-target-${plantId}` });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    expect(await store.applyTransition(step.next, step.expected, step.transition)).toBe(true);
    ids.push(step.transition.transitionId);
    step = remind(step.next, step.next.updatedAt + 60_000);
  }
  return ids;
}

describe('the lease', () => {
  it('holds other relays off while a relay that died holds it, and lets the next one in once it expires', async () => {
    const ids = await queueReminders(3);
    const taken = await lease.acquire('died-while-relaying', Date.now(), 400);
    expect('granted' in taken).toBe(true);
    const publisher = new SlowPublisher(0);
    const options = {
      store,
      publisher,
      lease,
      clock: systemClock,
      leaseTtlMs: 2000,
      marginMs: 500,
      reserveMs: 50,
    };

    const refused = await relayWithLease({ ...options, acquireWaitMs: 0 });
    expect(refused.stoppedBy).toBe('held');
    expect(publisher.published).toEqual([]);

    const waited = await relayWithLease({ ...options, acquireWaitMs: 2000, pollMs: 50 });
    expect(waited.stoppedBy).toBe('done');
    expect(publisher.published).toEqual(ids);
  });

  it('keeps one publisher at a time when the work outlasts the lease: the holder renews it, contenders wait', async () => {
    const ids = await queueReminders(24);
    const publisher = new SlowPublisher(40); // about 1 s of work for a 600 ms lease
    const options = {
      store,
      publisher,
      lease,
      clock: systemClock,
      leaseTtlMs: 600,
      marginMs: 200,
      reserveMs: 50,
    };
    const holder = relayWithLease({ ...options, owner: 'holder', pageSize: 5 });
    await sleep(5);
    const contenders = Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 40; i++) {
        await relayWithLease({ ...options, acquireWaitMs: 0 });
        await sleep(10);
      }
    });
    const report = await holder;
    await Promise.all(contenders);
    expect(report.stoppedBy).toBe('done');
    expect(publisher.maxInFlight).toBe(1);
    expect(publisher.published).toEqual(ids);
  });

  it('never starts a publish within the margin of its expiry: a holder that cannot renew stops', async () => {
    await queueReminders(10);
    const publisher = new SlowPublisher(60);
    const options = {
      store,
      publisher,
      lease,
      clock: systemClock,
      leaseTtlMs: 400,
      marginMs: 200,
      reserveMs: 20,
    };
    const refusingRenewal = {
      ...lease,
      acquire: lease.acquire.bind(lease),
      release: lease.release.bind(lease),
      renew: async () => undefined,
    };
    const report = await relayWithLease({ ...options, lease: refusingRenewal });
    expect(report.stoppedBy).toBe('deadline');
    // Publishes started only in the first 400 - 200 - 20 ms: at most 3 of 60 ms (plus the one in flight).
    expect(publisher.published.length).toBeLessThanOrEqual(4);
    expect(publisher.published.length).toBeGreaterThan(0);
  });

  it('publishes what a caller queued while it held the lease, after releasing it (no wait for the scheduled run)', async () => {
    const first = await queueReminders(1, 'kz-a');
    let queueSecond: (() => Promise<void>) | undefined;
    const secondQueued: string[] = [];
    const publisher: AlertPublisher = {
      publish: async (transition) => {
        if (queueSecond) {
          const queue = queueSecond;
          queueSecond = undefined;
          await queue();
        }
        published.push(transition.transitionId);
      },
    };
    const published: string[] = [];
    queueSecond = async () => {
      secondQueued.push(...(await queueReminders(1, 'kz-b')));
      // The caller that queued it finds the lease taken and leaves at once.
      const other = await relayWithLease({ store, publisher, lease, clock: systemClock });
      expect(other.stoppedBy).toBe('held');
    };
    const report = await relayWithLease({ store, publisher, lease, clock: systemClock, owner: 'holder' });
    expect(report).toMatchObject({ stoppedBy: 'done', published: 2, grants: 2 });
    expect(published).toEqual([...first, ...secondQueued]);
  });

  it('refuses a lease shorter than its margin and reserve, showing the values', async () => {
    await expect(
      relayWithLease({
        store,
        publisher: new SlowPublisher(0),
        lease,
        clock: systemClock,
        leaseTtlMs: 1000,
        marginMs: 1000,
      }),
    ).rejects.toThrow(/leaseTtlMs \(1000\) must exceed marginMs \(1000\)/);
  });
});
