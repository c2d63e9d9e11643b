/**
 * Reliability row 3, faults at the SDK boundary: the real processor handler
 * (`makeProcessorHandler`), the real Timestream writer, DynamoDB state and
 * alert stores, alert engine (reading through the real Timestream reader),
 * outbox relay and SNS publisher, wired as lambdas/entry/processor.ts wires
 * them, except that the relay runs bare, one at a time (the lease that makes
 * it one at a time on AWS is tested in test/adapters/alerts/leased-relay.test.ts).
 * Only the AWS clients are fakes:
 *
 * - Timestream WriteRecords: the documented fake (test/adapters/timestream),
 *   30 % of calls throttled and 5 % failing with a 5xx; Query: the query fake
 *   over what the writer stored;
 * - DynamoDB: dynalite, behind a client middleware that throttles 30 % of the
 *   requests (ProvisionedThroughputExceededException or ThrottlingException)
 *   inside the SDK's retry loop: 3 attempts, as the production client, with
 *   the backoff sleeps left out;
 * - SNS Publish: aws-sdk-client-mock, 30 % throttled (ThrottledException).
 *
 * A fake SQS drives it: simulated data (12 hours of 2 plants in CI, 24 of 4
 * in the soak run) in 30-minute ticks, each tick's messages
 * (received 5 s after they were sent) delivered in batches of 10, failed ones
 * (batchItemFailures) delivered again until done or received 5 times (then
 * the DLQ), the relay after each batch as the entry point runs it, and the
 * scheduled run (with its relay) at the end of each tick. Every 10th
 * invocation is armed to die at a seeded SDK call, its 1st to 15th (the call
 * never returns, the invocation never answers), so its whole batch comes
 * back after the visibility timeout into a new process, after a partial
 * write.
 *
 * The same input also runs without faults. Pass: the DLQ empty; the stored
 * Timestream readings and tickets, the quarantine and the current alert
 * states equal the fault-free run's (0 lost, 0 doubled); the outbox empty at
 * the end, every transition published, a publish repeated only after its
 * markPublished failed (same transitionId, the relay's documented
 * at-least-once); the episodes of the rules judged at data instants (plant,
 * type, state of each transition) equal the fault-free run's; the permanent
 * rejections (readings older than the memory store: Timestream
 * RejectedRecords; a ticket resent with other content: a ledger conflict)
 * quarantined with their reasons, and their messages not failed back to the
 * queue in the fault-free run.
 */

import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, type PublishCommandInput, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayOutbox } from '../../lambdas/adapters/alerts/outbox-relay.ts';
import { SnsAlertPublisher } from '../../lambdas/adapters/alerts/sns-alert-publisher.ts';
import { DynamoAlertStore } from '../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { DynamoDayProgressStore } from '../../lambdas/adapters/dynamo/dynamo-day-progress-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { readingsOfRow } from '../../lambdas/adapters/timestream/records.ts';
import { TimestreamMetricsWriter } from '../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import { TimestreamMetricsReader } from '../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import { AlertEngine } from '../../lambdas/app/alert-engine.ts';
import { readingKey } from '../../lambdas/domain/identity.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { UnavailableError } from '../../lambdas/domain/ports.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import { prng } from '../../lambdas/sim/fleet.ts';
import { simulate } from '../../lambdas/sim/simulator.ts';
import { TimestreamFake } from '../adapters/timestream/timestream-fake.ts';
import { TimestreamQueryFake } from '../adapters/timestream-query/timestream-query-fake.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';
import { Figures, percent } from './support/figures.ts';
import { bySize, timeoutFor } from './support/sizes.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.parse('2026-11-20T00:00:00+05:00');
const HOURS = bySize(12, 24);
const END = START + HOURS * HOUR;
const PLANTS = bySize(2, 4);
const INTERVAL_MS = bySize(15 * MIN, 5 * MIN);
const TICK_MS = 30 * MIN;
const SQS_BATCH = 10;
/** The telemetry queue's maxReceiveCount (lib/stateful-stack.ts). */
const MAX_RECEIVES = 5;
/** Every KILL_EVERY-th processor invocation of the faulty run dies mid-batch. */
const KILL_EVERY = 10;
const FAULTS = {
  timestreamThrottle: 0.3,
  timestream5xx: 0.05,
  dynamoThrottle: 0.3,
  snsThrottle: 0.3,
} as const;
const SEED = 20_261_128;
const TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:wte-alerts';

const figures = new Figures('faults', 'throttles, 5xx and kills at the SDK boundary');
let dynalite: RunningDynalite;
beforeAll(async () => {
  dynalite = await startDynalite();
});
afterAll(async () => {
  await dynalite?.close();
  figures.report();
});

/** Never settles: what a call looks like from a process that was killed while it waited. */
const never = () => new Promise<never>(() => {});

/**
 * Kills the process at its n-th SDK call from now: that call never returns,
 * and every call after it (of the dead process, still unwinding) hangs too.
 */
class Killer {
  private countdown: number | undefined;
  killed = false;
  kills = 0;
  private signal: (() => void) | undefined;
  /** Settles when the armed process dies. */
  died: Promise<void> = never();

  arm(calls: number): void {
    this.countdown = calls;
    this.killed = false;
    this.died = new Promise((resolve) => {
      this.signal = resolve;
    });
  }

  disarm(): void {
    this.countdown = undefined;
  }

  /**
   * After a death: a little time for calls the dead process had in flight to
   * land (they were sent) and for its other branches to reach their next call
   * and hang there, then the clients serve the next process.
   */
  async buryAfter(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.killed = false;
    this.died = never();
  }

  /** Called before every SDK call; hangs when this call is the one that dies. */
  async gate(): Promise<void> {
    if (this.killed) return never();
    if (this.countdown === undefined) return;
    this.countdown--;
    if (this.countdown > 0) return;
    this.countdown = undefined;
    this.killed = true;
    this.kills++;
    this.signal?.();
    return never();
  }
}

/**
 * The SDK's standard retry decision for the DynamoDB client (3 attempts for
 * throttles, transient and server errors, none for client errors) without the
 * backoff sleeps, which would only make the test slow.
 */
function retryWithoutSleep(maxAttempts: number) {
  const token = (count: number) => ({
    getRetryCount: () => count,
    getRetryDelay: () => 0,
    getRetryTokenCount: () => 0,
  });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (
      previous: ReturnType<typeof token>,
      info: { errorType: 'TRANSIENT' | 'SERVER_ERROR' | 'THROTTLING' | 'CLIENT_ERROR' },
    ) => {
      const count = previous.getRetryCount() + 1;
      if (count >= maxAttempts || info.errorType === 'CLIENT_ERROR') throw new Error('no retry left');
      return token(count);
    },
    recordSuccess: () => {},
  };
}

interface DynamoFaults {
  requests: number;
  throttled: number;
}

/** A DynamoDB client on dynalite whose requests are throttled at `rate`, inside the SDK's retries. */
function faultyDynamo(
  rate: number,
  random: () => number,
  killer: Killer,
): { client: DynamoDBClient; faults: DynamoFaults } {
  const faults: DynamoFaults = { requests: 0, throttled: 0 };
  const client = new DynamoDBClient({
    region: 'local',
    endpoint: dynalite.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    retryStrategy: retryWithoutSleep(3),
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      await killer.gate();
      faults.requests++;
      if (random() < rate) {
        faults.throttled++;
        const options = { message: 'Rate exceeded (fault injected)', $metadata: { httpStatusCode: 400 } };
        throw random() < 0.5
          ? new ProvisionedThroughputExceededException(options)
          : new ThrottlingException(options);
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'faultInjection' },
  );
  return { client, faults };
}

let tables = 0;

async function pipeline(faulty: boolean, killer: Killer) {
  const random = prng(SEED + (faulty ? 1 : 0));
  const clock = new FixedClock(START);
  const timestream = new TimestreamFake({
    clock,
    seed: SEED,
    ...(faulty ? { throttleRate: FAULTS.timestreamThrottle, serverErrorRate: FAULTS.timestream5xx } : {}),
    latency: () => killer.gate(),
  });
  const query = new TimestreamQueryFake({
    tables: {
      get readings() {
        return timestream.records('readings');
      },
      get movements() {
        return timestream.records('movements');
      },
    },
    pageSize: 500,
    seed: SEED,
  });
  const tableName = `faults-${faulty ? 'faulty' : 'clean'}-${++tables}`;
  await createStateTable(dynalite.client, tableName);
  const dynamo = faultyDynamo(faulty ? FAULTS.dynamoThrottle : 0, random, killer);
  const state = new DynamoStateStore({ client: dynamo.client, tableName });
  const alerts = new DynamoAlertStore({ client: dynamo.client, tableName });

  const sns = new SNSClient({ region: 'local', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  const published: PublishCommandInput[] = [];
  const snsCounts = { calls: 0, throttled: 0 };
  // A stream of its own: how many DynamoDB calls come between two publishes must not decide which are throttled.
  const snsRandom = prng(SEED + 11);
  mockClient(sns)
    .on(PublishCommand)
    .callsFake(async (input: PublishCommandInput) => {
      await killer.gate();
      snsCounts.calls++;
      if (faulty && snsRandom() < FAULTS.snsThrottle) {
        snsCounts.throttled++;
        throw new ThrottledException({
          message: 'Rate exceeded (fault injected)',
          $metadata: { httpStatusCode: 400 },
        });
      }
      published.push(input);
      return { MessageId: `sns-${published.length}`, $metadata: {} };
    });
  const publisher = new SnsAlertPublisher({ client: sns, topicArn: TOPIC_ARN });
  const engine = new AlertEngine({
    metrics: new TimestreamMetricsReader({
      client: query.client,
      databaseName: 'wte',
      readingsTableName: 'readings',
      movementsTableName: 'movements',
    }),
    alerts,
    plants: state,
    days: new DynamoDayProgressStore({ client: dynamo.client, tableName }),
    clock,
  });
  const writerRandom = prng(SEED + 7);
  /** A new process: what the Lambda service starts after one died. */
  const processor = () =>
    makeProcessorHandler({
      metrics: new TimestreamMetricsWriter({
        client: timestream.client,
        databaseName: timestream.databaseName,
        readingsTableName: 'readings',
        movementsTableName: 'movements',
        clock,
        sleep: async () => {},
        random: writerRandom,
      }),
      state,
      alerts: engine,
      rejections: new MemoryRejections(),
    });
  return {
    clock,
    timestream,
    query,
    dynamo,
    state,
    alerts,
    engine,
    publisher,
    published,
    snsCounts,
    processor,
    // What the test reads afterwards goes through a client without faults.
    outbox: new DynamoAlertStore({ client: dynalite.client, tableName }),
    cleanState: new DynamoStateStore({ client: dynalite.client, tableName }),
  };
}

type Pipeline = Awaited<ReturnType<typeof pipeline>>;

interface Queued {
  readonly body: string;
  readonly receivedAt: number;
  receives: number;
}

interface RunReport {
  invocations: number;
  receives: number;
  failedReceives: number;
  killedBatches: number;
  dlq: Queued[];
  relayRuns: number;
  /** Published, but markPublished failed (RelayReport.unmarked): published again later, same transitionId. */
  unmarked: number;
  scheduledRuns: number;
  scheduledFailures: number;
}

/** Scheduled runs after the last tick, 5 minutes apart (as on AWS), before the outcome is read. */
const FINAL_RUNS = 5;

/** One day through the fake SQS, tick by tick; a kill every KILL_EVERY-th invocation when `kills`. */
async function run(
  p: Pipeline,
  queue: readonly Queued[],
  killer: Killer,
  kills: boolean,
): Promise<RunReport> {
  const random = prng(SEED + 3);
  const report: RunReport = {
    invocations: 0,
    receives: 0,
    failedReceives: 0,
    killedBatches: 0,
    dlq: [],
    relayRuns: 0,
    unmarked: 0,
    scheduledRuns: 0,
    scheduledFailures: 0,
  };
  let process = p.processor();
  let sqsIds = 0;
  const relay = async () => {
    report.relayRuns++;
    const relayed = await relayOutbox({ store: p.alerts, publisher: p.publisher, limit: 100 });
    report.unmarked += relayed.unmarked;
  };
  const scheduled = async (now: number) => {
    p.clock.current = now;
    report.scheduledRuns++;
    try {
      await p.engine.scheduled(now);
    } catch (error) {
      // A failed run is the next run's to redo: every subject it did reach is applied.
      if (!(error instanceof UnavailableError)) throw error;
      report.scheduledFailures++;
    }
    await relay();
  };
  for (let tick = START; tick < END + TICK_MS; tick += TICK_MS) {
    const tickEnd = tick + TICK_MS;
    let pending = queue.filter((q) => q.receivedAt >= tick && q.receivedAt < tickEnd);
    while (pending.length > 0) {
      const again: Queued[] = [];
      for (let i = 0; i < pending.length; i += SQS_BATCH) {
        const batch = pending.slice(i, i + SQS_BATCH);
        const records = batch.map((q) => ({ messageId: `m${++sqsIds}`, body: q.body }) as SQSRecord);
        const byId = new Map(records.map((r, k) => [r.messageId, batch[k] as Queued]));
        for (const q of batch) q.receives++;
        report.invocations++;
        report.receives += batch.length;
        // The processor's clock is the invocation's: the latest receipt of the batch, a little later.
        p.clock.current = Math.max(...batch.map((q) => q.receivedAt)) + 10_000;
        let failed: string[];
        if (kills && report.invocations % KILL_EVERY === 0) killer.arm(1 + Math.floor(random() * 15));
        const answer = await Promise.race([
          process({ Records: records }),
          killer.died.then(() => 'killed' as const),
        ]);
        killer.disarm();
        if (answer === 'killed') {
          // No answer: the whole batch comes back after the visibility timeout, to a new process.
          report.killedBatches++;
          failed = records.map((r) => r.messageId);
          await killer.buryAfter(100);
          process = p.processor();
        } else {
          failed = answer.batchItemFailures.map((f) => f.itemIdentifier);
          await relay();
        }
        report.failedReceives += failed.length;
        for (const id of failed) {
          const q = byId.get(id) as Queued;
          if (q.receives >= MAX_RECEIVES) report.dlq.push(q);
          else again.push(q);
        }
      }
      pending = again;
    }
    await scheduled(tickEnd);
  }
  const last = END + TICK_MS;
  for (let k = 1; k <= FINAL_RUNS; k++) await scheduled(last + k * 5 * MIN);
  // The scheduled relay keeps going until the outbox is empty.
  for (let i = 0; i < 50 && (await p.outbox.pendingTransitions(1)).length > 0; i++) await relay();
  return report;
}

/** A simulated day, plus a furnace dip per plant and the permanent rejections, as queued messages. */
function input(): Queued[] {
  const out: Queued[] = [];
  const enqueue = (body: Record<string, unknown>, receivedAt: number) => {
    const parsed = parseTelemetry(body, { now: receivedAt, plantId: String(body.plantId) });
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    for (const queued of encodeQueued({ message: parsed.message, source: 'http', receivedAt }))
      out.push({ body: queued, receivedAt, receives: 0 });
  };
  const plants = new Set<string>();
  for (const m of simulate({
    plants: PLANTS,
    scenario: 'diversion-drop',
    start: START,
    end: END,
    intervalMs: INTERVAL_MS,
    seed: SEED,
  })) {
    plants.add(m.plantId);
    enqueue(m.body as unknown as Record<string, unknown>, m.sendAt + 5_000);
  }
  for (const [p, plantId] of [...plants].sort().entries()) {
    // A furnace line of its own (the simulated plants have boiler-1 to 3) dips below 850 °C for
    // 12 minutes, in 6-minute messages: one alert opened and resolved.
    const dipAt = START + (3 + 2 * p) * HOUR;
    for (let block = 0; block < 6; block++) {
      const readings = Array.from({ length: 6 }, (_, k) => {
        const minute = block * 6 + k;
        return {
          ts: dipAt + minute * MIN,
          line: 'boiler-9',
          metric: 'furnace_temperature',
          value: minute >= 10 && minute < 22 ? 820 : 920,
        };
      });
      enqueue(
        { schema: 'wte.telemetry.v1', messageId: `dip:${plantId}:${block}`, plantId, readings },
        dipAt + (block * 6 + 6) * MIN,
      );
    }
    // Permanent: readings 8 hours old, past the memory store's 6 hours (Timestream RejectedRecords).
    const lateAt = START + (9 + p) * HOUR;
    enqueue(
      {
        schema: 'wte.telemetry.v1',
        messageId: `late:${plantId}`,
        plantId,
        readings: [
          { ts: lateAt - 8 * HOUR, line: 'boiler-9', metric: 'steam_flow', value: 41.5 },
          { ts: lateAt - 8 * HOUR + MIN, line: 'boiler-9', metric: 'steam_flow', value: 42.5 },
          { ts: lateAt - MIN, line: 'boiler-9', metric: 'steam_flow', value: 43.5 },
        ],
      },
      lateAt,
    );
    // Permanent: a ticket resent with other content and no correction flag (a ledger conflict).
    const ticket = {
      ticketId: `WB-FAULT-${p}`,
      direction: 'in',
      material: 'mixed_waste',
      ts: START + (5 + p) * HOUR,
    };
    enqueue(
      {
        schema: 'wte.telemetry.v1',
        messageId: `t1:${plantId}`,
        plantId,
        movements: [{ ...ticket, netTonnes: 12 }],
      },
      ticket.ts + MIN,
    );
    enqueue(
      {
        schema: 'wte.telemetry.v1',
        messageId: `t2:${plantId}`,
        plantId,
        movements: [{ ...ticket, netTonnes: 13 }],
      },
      ticket.ts + 40 * MIN,
    );
  }
  return out.sort((a, b) => a.receivedAt - b.receivedAt);
}

/** Everything the run left behind that must not depend on faults. */
async function outcome(p: Pipeline) {
  const readings = p.timestream
    .records('readings')
    .flatMap((row) => readingsOfRow(row).map((r) => `${readingKey(r)}=${r.value}`))
    .sort();
  const movements = p.timestream
    .records('movements')
    .map((r) => JSON.stringify({ ...r, version: undefined }));
  const quarantine: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await p.cleanState.listQuarantine(undefined, 1000, cursor);
    quarantine.push(
      // The window in a timestamp refusal is Timestream's at the time of the write, which redeliveries move.
      ...page.items.map(
        (q) =>
          `${q.messageId} ${q.itemKind} ${q.pointer} ${q.type} ${q.reason.replace(/\[[^)]*\)/, '[window)')}`,
      ),
    );
    cursor = page.cursor;
  } while (cursor !== undefined);
  const current = new Map<string, { state: string; openedAt: number }>();
  let alertCursor: string | undefined;
  do {
    const page = await p.outbox.listAlerts({
      limit: 200,
      ...(alertCursor === undefined ? {} : { cursor: alertCursor }),
    });
    for (const a of page.items) {
      const key = `${a.plantId}/${a.type}/${a.subject}`;
      const seen = current.get(key);
      if (!seen || a.openedAt > seen.openedAt) current.set(key, a);
    }
    alertCursor = page.cursor;
  } while (alertCursor !== undefined);
  const transitionIds = p.published.map((m) => m.MessageAttributes?.transitionId?.StringValue ?? '?');
  const attribute = (m: PublishCommandInput, name: string) => m.MessageAttributes?.[name]?.StringValue ?? '?';
  const types = new Map(p.published.map((m) => [attribute(m, 'transitionId'), attribute(m, 'alertType')]));
  // An episode's steps as ops see them (plant, type, state), once per transition id.
  const steps = new Map(
    p.published.map((m) => [
      attribute(m, 'transitionId'),
      `${attribute(m, 'plantId')}/${attribute(m, 'alertType')}:${attribute(m, 'state')}`,
    ]),
  );
  return {
    types,
    steps,
    pending: (await p.outbox.pendingTransitions(10)).length,
    readings,
    movements,
    quarantine: quarantine.sort(),
    alerts: [...current.entries()].map(([k, a]) => `${k}:${a.state}`).sort(),
    transitionIds,
  };
}

describe('faults at the SDK boundary', () => {
  it(
    'loses nothing and doubles nothing with Timestream, DynamoDB and SNS throttled and processes killed mid-batch; quarantines permanent rejections with reasons',
    async () => {
      const killer = new Killer();
      const clean = await pipeline(false, killer);
      const cleanQueue = input();
      const cleanRun = await run(clean, cleanQueue, killer, false);
      const expected = await outcome(clean);

      const faulty = await pipeline(true, killer);
      const faultyQueue = input();
      const faultyRun = await run(faulty, faultyQueue, killer, true);
      const got = await outcome(faulty);

      const distinct = new Set(got.transitionIds);
      const repeats = got.transitionIds.length - distinct.size;
      // Stale and stuck are judged at the run's time: a run that failed for them judges them a run
      // later. The other rules judge data instants; a message redelivered later than the settle
      // delay can move the instant an episode opens at (README, Alerts), so a transition id may
      // differ, but not the episodes: the same steps (plant, type, state) in the same number.
      const judgedAtRunTime = (id: string, types: ReadonlyMap<string, string>) =>
        ['SENSOR_STALE', 'SENSOR_STUCK'].includes(types.get(id) ?? '');
      const missing = expected.transitionIds.filter((id) => !distinct.has(id));
      const extra = [...distinct].filter((id) => !expected.transitionIds.includes(id));
      const missingAtDataInstants = missing.filter((id) => !judgedAtRunTime(id, expected.types));
      const extraAtDataInstants = extra.filter((id) => !judgedAtRunTime(id, got.types));
      const episodeSteps = (o: typeof got) =>
        [...o.steps.entries()]
          .filter(([id]) => !judgedAtRunTime(id, o.types))
          .map(([, step]) => step)
          .sort();
      const lostReadings = expected.readings.filter((r) => !got.readings.includes(r)).length;
      const extraReadings = got.readings.length - expected.readings.length + lostReadings;
      const rejectedMessages = new Set(expected.quarantine.map((q) => q.split(' ')[0] as string));
      const rejectedReceives = faultyQueue
        .filter((q) => rejectedMessages.has(JSON.parse(q.body).message.messageId))
        .map((q) => q.receives);

      figures.add(
        'queued messages (plants × hours, plus dips and rejections)',
        `${cleanQueue.length} (${PLANTS} × ${HOURS} h)`,
      );
      figures.add(
        'readings / tickets stored (fault-free run)',
        `${expected.readings.length} / ${expected.movements.length}`,
      );
      figures.add(
        'Timestream WriteRecords calls: throttled / 5xx',
        `${faulty.timestream.calls}: ${faulty.timestream.throttled} (${percent(faulty.timestream.throttled, faulty.timestream.calls)}) / ${faulty.timestream.serverErrors} (${percent(faulty.timestream.serverErrors, faulty.timestream.calls)})`,
        '30 % / 5 %',
      );
      figures.add(
        'DynamoDB requests: throttled',
        `${faulty.dynamo.faults.requests}: ${faulty.dynamo.faults.throttled} (${percent(faulty.dynamo.faults.throttled, faulty.dynamo.faults.requests)})`,
        '30 %',
      );
      figures.add(
        'SNS Publish calls: throttled',
        `${faulty.snsCounts.calls}: ${faulty.snsCounts.throttled} (${percent(faulty.snsCounts.throttled, faulty.snsCounts.calls)})`,
        '30 %',
      );
      figures.add('processes killed mid-batch', faultyRun.killedBatches);
      figures.add(
        'receives per message: fault-free / faulty',
        `${(cleanRun.receives / cleanQueue.length).toFixed(2)} / ${(faultyRun.receives / faultyQueue.length).toFixed(2)} (max ${Math.max(...faultyQueue.map((q) => q.receives))})`,
        `≤ ${MAX_RECEIVES}`,
      );
      figures.add(
        'scheduled runs that reported a failure (their subjects redone next run)',
        `${faultyRun.scheduledFailures} of ${faultyRun.scheduledRuns}`,
      );
      figures.add('dead-lettered (DLQ)', faultyRun.dlq.length, '0');
      figures.add('readings lost / doubled or changed', `${lostReadings} / ${extraReadings}`, '0 / 0');
      figures.add(
        'tickets identical',
        JSON.stringify(got.movements) === JSON.stringify(expected.movements),
        'true',
      );
      figures.add('alert transitions published (fault-free)', expected.transitionIds.length);
      figures.add(
        'episode steps at data instants identical (plant, type, state)',
        JSON.stringify(episodeSteps(got)) === JSON.stringify(episodeSteps(expected)),
        'true',
      );
      figures.add(
        'transition ids at data instants not in the fault-free run',
        `${extraAtDataInstants.length} (${extraAtDataInstants.map((id) => got.steps.get(id)).join(', ') || 'none'})`,
      );
      figures.add(
        'transitions judged at run time (stale, stuck) differing',
        `${missing.length - missingAtDataInstants.length} missing, ${extra.length - extraAtDataInstants.length} extra`,
      );
      figures.add('transitions left in the outbox', got.pending, '0');
      figures.add(
        'published again after a failed markPublished (same transitionId)',
        `${repeats} (${faultyRun.unmarked} marks failed)`,
        'only those',
      );
      figures.add(
        'current alert states identical',
        JSON.stringify(got.alerts) === JSON.stringify(expected.alerts),
        'true',
      );
      figures.add(
        'permanent rejections quarantined (with reason)',
        `${got.quarantine.length} (fault-free ${expected.quarantine.length})`,
      );
      figures.add(
        'receives of messages with permanent rejections',
        rejectedReceives.join(' '),
        '1 unless a transient fault hit',
      );

      expect(cleanRun.dlq).toEqual([]);
      expect(expected.transitionIds.length).toBeGreaterThan(0);
      expect(new Set(expected.transitionIds).size).toBe(expected.transitionIds.length);
      expect(faulty.timestream.throttled).toBeGreaterThan(0);
      expect(faulty.timestream.serverErrors).toBeGreaterThan(0);
      expect(faulty.dynamo.faults.throttled).toBeGreaterThan(0);
      expect(faulty.snsCounts.throttled).toBeGreaterThan(0);
      expect(faultyRun.killedBatches).toBeGreaterThan(0);

      expect(faultyRun.dlq.map((q) => JSON.parse(q.body).message.messageId)).toEqual([]);
      expect(got.readings).toEqual(expected.readings);
      expect(got.movements).toEqual(expected.movements);
      expect(got.quarantine).toEqual(expected.quarantine);
      expect(got.alerts).toEqual(expected.alerts);
      expect(episodeSteps(got)).toEqual(episodeSteps(expected));
      expect(missingAtDataInstants.length).toBe(extraAtDataInstants.length);
      expect(got.pending).toBe(0);
      // At least once: a publish repeats only when its markPublished failed, and with the same
      // transitionId, by which subscribers drop it (outbox-relay.ts).
      expect(repeats).toBeLessThanOrEqual(faultyRun.unmarked);
      expect(cleanRun.unmarked).toBe(0);
      expect(new Set(expected.transitionIds).size).toBe(expected.transitionIds.length);

      // Permanent rejections: 3 late readings (2 refused) and 1 conflicting ticket per plant, each with its reason.
      expect(expected.quarantine).toHaveLength(PLANTS * 3);
      expect(
        expected.quarantine.filter((q) => q.includes('urn:wte:problem:timestamp-out-of-range')),
      ).toHaveLength(PLANTS * 2);
      expect(expected.quarantine.filter((q) => q.includes('urn:wte:problem:conflict'))).toHaveLength(PLANTS);
      // In the fault-free run a message with a permanent rejection is received once: it is not failed back.
      expect(
        cleanQueue
          .filter((q) => rejectedMessages.has(JSON.parse(q.body).message.messageId))
          .every((q) => q.receives === 1),
      ).toBe(true);
    },
    timeoutFor(bySize(40_000, 240_000)),
  );
});
