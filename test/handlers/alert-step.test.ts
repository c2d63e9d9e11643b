/**
 * The alert step as deployed: the processor queues each plant a batch
 * touched (SQS mocked at the SDK boundary), the alert-step handler judges
 * them. What the engine sees equals what the processor touched; a plant whose
 * arrival could not be recorded, or a body that is not a message, is a
 * partial batch failure; a deferred judgement is done; the relay runs after
 * the batch and its failure fails nothing; redelivery and shuffling judge the
 * same plants with the same inputs.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetQueue, sqsEvents } from '../../bench/fleet-data.ts';
import { MemoryStateStore, NullRejections } from '../../bench/memory-sinks.ts';
import { SqsAlertStepQueue } from '../../lambdas/adapters/sqs-alert-step-queue.ts';
import { UnavailableError } from '../../lambdas/domain/ports.ts';
import { encodeAlertStep, mergeSpans, type TouchedPlant } from '../../lambdas/domain/touched-plants.ts';
import { type AlertStepDeps, makeAlertStepHandler } from '../../lambdas/handlers/alert-step.ts';
import { type AlertEvaluator, makeProcessorHandler } from '../../lambdas/handlers/processor.ts';

const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/alert-step';
const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const bodies = fleetQueue({ plants: 12, hours: 0.05 });
const plants = [...new Set(bodies.map((b) => b.plantId))];

/** Accepts every entry and keeps what was sent. */
function acceptingQueue(): SendMessageBatchRequestEntry[][] {
  const calls: SendMessageBatchRequestEntry[][] = [];
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => {
    calls.push(input.Entries);
    return {
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })),
    };
  });
  return calls;
}

function processor(alerts: AlertEvaluator) {
  return makeProcessorHandler({
    metrics: {
      writeReadings: async (items) => ({ stored: items.length, rejected: [] }),
      writeMovements: async (items) => ({ stored: items.length, rejected: [] }),
    },
    state: new MemoryStateStore(),
    rejections: new NullRejections(),
    alerts,
    alertConcurrency: 100,
  });
}

/**
 * The fleet batch through the processor and the queue, SQS failing every
 * entry of `plantId` with `code`: the processor's answer, and the messages of
 * that plant.
 */
async function processWithFailingEntry(plantId: string, code: string, senderFault: boolean) {
  const ofPlant = (e: SendMessageBatchRequestEntry) => e.MessageBody?.includes(`"${plantId}"`) === true;
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
    Successful: input.Entries.filter((e) => !ofPlant(e)).map((e) => ({ Id: e.Id })),
    Failed: input.Entries.filter(ofPlant).map((e) => ({ Id: e.Id, Code: code, SenderFault: senderFault })),
  }));
  const [event] = sqsEvents([bodies]);
  const batch = event as NonNullable<typeof event>;
  const queue = new SqsAlertStepQueue({
    client: new SQSClient({}),
    queueUrl: QUEUE_URL,
    sleep: async () => {},
  });
  const { batchItemFailures } = await processor(queue)(batch);
  const expected = batch.Records.filter((_, i) => bodies[i]?.plantId === plantId).map((r) => r.messageId);
  return { batchItemFailures, expected };
}

const records = (entries: readonly SendMessageBatchRequestEntry[]): SQSRecord[] =>
  entries.map((e, i) => ({ messageId: `r-${i}`, body: e.MessageBody ?? '' }) as SQSRecord);

function recordingEngine(fail: (t: TouchedPlant) => unknown = () => undefined) {
  const seen: Array<{ touched: TouchedPlant; now: number }> = [];
  const engine: AlertStepDeps['engine'] = {
    afterBatch: async (touched, now) => {
      const failure = touched.map(fail).find((f) => f !== undefined);
      if (failure === 'defer') return { deferred: touched.map((t) => t.plantId) };
      if (failure !== undefined) throw failure;
      for (const t of touched) seen.push({ touched: t, now });
      return {};
    },
  };
  return { engine, seen };
}

describe('alert step', () => {
  it('judges each plant the processor touched with what it touched, sent in SendMessageBatch calls of ten', async () => {
    const calls = acceptingQueue();
    const direct: Array<{ touched: TouchedPlant; now: number }> = [];
    const [event] = sqsEvents([bodies]);
    const batch = event as NonNullable<typeof event>;
    // The same batch through an in-process evaluator, to compare with.
    await processor({
      afterBatch: async (touched, now) => void direct.push(...touched.map((t) => ({ touched: t, now }))),
    })(batch);

    const queued = processor(new SqsAlertStepQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL }));
    expect((await queued(batch)).batchItemFailures).toEqual([]);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(
      sqs.commandCalls(SendMessageBatchCommand).every((c) => c.args[0].input.QueueUrl === QUEUE_URL),
    ).toBe(true);

    const { engine, seen } = recordingEngine();
    const relayed: number[] = [];
    const step = makeAlertStepHandler({
      engine,
      relay: async () => ({ published: relayed.push(seen.length), stoppedBy: 'done' }),
    });
    expect(await step({ Records: records(calls.flat()) })).toEqual({ batchItemFailures: [] });
    const byPlant = (list: typeof seen) =>
      [...list].sort((a, b) => a.touched.plantId.localeCompare(b.touched.plantId));
    expect(byPlant(seen)).toEqual(
      byPlant(direct).map(({ touched, now }) => ({
        now,
        touched: { ...touched, spans: mergeSpans(touched.spans ?? []) },
      })),
    );
    expect(seen.map((s) => s.touched.plantId).sort()).toEqual([...plants].sort());
    // The relay ran once, after every plant was judged.
    expect(relayed).toEqual([plants.length]);
  });

  it('fails the processor messages of a plant whose message SQS would not take, and only those', async () => {
    const failing = plants[3] as string;
    const { batchItemFailures, expected } = await processWithFailingEntry(failing, 'InternalError', false);
    // Its entry failed three attempts; the other plants' entries, in the same SendMessageBatch, were taken.
    expect(batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(expected.sort());
  });

  it('fails only the plant whose entry SQS refuses as a sender fault, not the nine beside it', async () => {
    const refused = plants[5] as string;
    const { batchItemFailures, expected } = await processWithFailingEntry(
      refused,
      'InvalidMessageContents',
      true,
    );
    expect(batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(expected.sort());
    // Refused for good: sent once, never again.
    const sentForRefused = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .filter((e) => e.MessageBody?.includes(`"${refused}"`));
    expect(sentForRefused).toHaveLength(1);
  });

  it('reports a plant whose arrival could not be recorded and a body that is not a message; judges the rest', async () => {
    const T0 = Date.parse('2026-12-01T10:00:00Z');
    const touched = (plantId: string): TouchedPlant => ({
      plantId,
      from: T0,
      to: T0 + 60_000,
      furnaceLines: [],
    });
    const { engine, seen } = recordingEngine((t) =>
      t.plantId === 'kz-bad-01' ? new UnavailableError('days') : undefined,
    );
    const logs: string[] = [];
    const step = makeAlertStepHandler({
      engine,
      log: (level, message) => void logs.push(`${level}: ${message}`),
    });
    const event = {
      Records: [
        ...records(
          encodeAlertStep({ now: T0, touched: touched('kz-ast-01') }).map((MessageBody) => ({
            Id: '',
            MessageBody,
          })),
        ),
        {
          messageId: 'bad-plant',
          body: encodeAlertStep({ now: T0, touched: touched('kz-bad-01') })[0],
        } as SQSRecord,
        { messageId: 'not-a-message', body: '{"v":1}' } as SQSRecord,
      ],
    };
    const { batchItemFailures } = await step(event);
    expect(batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['bad-plant', 'not-a-message']);
    expect(seen.map((s) => s.touched.plantId)).toEqual(['kz-ast-01']);
    expect(logs).toContain('error: alert step message is not valid; it goes to the DLQ after its receives');
  });

  it('counts a deferred judgement and reports no failure; a relay that throws fails nothing', async () => {
    const T0 = Date.parse('2026-12-01T10:00:00Z');
    const { engine } = recordingEngine(() => 'defer');
    const counts = new Map<string, number>();
    const step = makeAlertStepHandler({
      engine,
      relay: async () => {
        throw new Error('SNS down');
      },
      count: (name, value) => counts.set(name, (counts.get(name) ?? 0) + value),
    });
    const body = encodeAlertStep({
      now: T0,
      touched: { plantId: 'kz-ast-01', from: T0, to: T0 + 1, furnaceLines: [] },
    })[0];
    expect(await step({ Records: [{ messageId: 'a', body } as SQSRecord] })).toEqual({
      batchItemFailures: [],
    });
    expect(counts.get('AlertEvaluationsDeferred')).toBe(1);
  });

  it('judges the same plants with the same inputs when messages are redelivered, shuffled and chunked', async () => {
    const calls = acceptingQueue();
    const [event] = sqsEvents([bodies]);
    await processor(new SqsAlertStepQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL }))(
      event as NonNullable<typeof event>,
    );
    const all = records(calls.flat());
    const once = recordingEngine();
    await makeAlertStepHandler({ engine: once.engine })({ Records: all });
    const again = recordingEngine();
    const shuffled = [...all, ...all].reverse();
    for (let i = 0; i < shuffled.length; i += 3)
      await makeAlertStepHandler({ engine: again.engine })({ Records: shuffled.slice(i, i + 3) });
    const key = (s: { touched: TouchedPlant; now: number }) => JSON.stringify(s);
    const distinct = [...new Set(again.seen.map(key))].sort();
    expect(distinct).toEqual(once.seen.map(key).sort());
    expect(again.seen).toHaveLength(once.seen.length * 2);
  });
});
