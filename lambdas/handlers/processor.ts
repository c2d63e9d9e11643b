/**
 * SQS batch processor: decode each queued message (validating what was not
 * validated at ingest, see queue-codec.ts), record
 * weighbridge tickets in the ledger, write readings and movements to the
 * metrics store (one combined write per chunk of about 5,000 readings, whole
 * messages, so records pack across messages; a deployed batch is one chunk),
 * quarantine what the stores refuse for good, and report only the messages
 * that failed (`ReportBatchItemFailures`). A chunk's steps are in
 * processor-chunk.ts; the MQTT notices in processor-notices.ts.
 *
 * Every step is idempotent, so a redelivered message (a retry, a duplicate,
 * a message whose batch partly failed) changes nothing that was already done.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mapLimited } from '../adapters/map-limited.ts';
import { errorName } from '../domain/error-name.ts';
import type { KpiSlotMarker } from '../domain/kpi-rollup.ts';
import type { MetricsWriter } from '../domain/metrics-ports.ts';
import type { Clock, PipelineState, RejectionPublisher, TicketLedger } from '../domain/ports.ts';
import { decodeQueued } from '../domain/queue-codec.ts';
import type { TouchedPlant } from '../domain/touched-plants.ts';
import { invocationCalls } from './invocation-deadline.ts';
import { makeChunkProcessor } from './processor-chunk.ts';
import { makeNotices, type Notices } from './processor-notices.ts';
import { type LogFn, type Outcome, outcomeOf, type Work, workOf } from './processor-work.ts';

export { quarantineId } from './processor-work.ts';

export interface ProcessorDeps {
  readonly metrics: MetricsWriter;
  readonly state: PipelineState;
  /** Where the ticket ledger lives when not in the state store (local mode: DuckDB). @default state */
  readonly ledger?: TicketLedger;
  readonly rejections: RejectionPublisher;
  /** Stop taking new messages when less than this remains before the Lambda deadline (default 5 s). */
  readonly deadlineMarginMs?: number;
  /** Turns the invocation's remaining time into the deadline its writes carry. @default Date.now */
  readonly clock?: Clock;
  readonly log?: LogFn;
  /** Adds to a metric (Powertools Metrics in production). */
  readonly count?: (name: string, value: number) => void;
  /** The alert step, handed each plant a batch touched once the batch is stored. */
  readonly alerts?: AlertEvaluator;
  /**
   * The KPI rollup's marker: the 15-minute slots of the batch's KPI counter
   * readings are marked before they are written, so the rollup re-rolls them
   * (docs/kpi-rollup.md). A failed mark fails its chunk's messages like a failed write.
   */
  readonly kpiSlots?: KpiSlotMarker;
  /** Plants whose alert rules are evaluated at once after a batch. @default ALERT_CONCURRENCY */
  readonly alertConcurrency?: number;
  /** Readings per write chunk, at most (whole messages). @default WRITE_CHUNK_READINGS */
  readonly writeChunkReadings?: number;
}

/**
 * Where the processor hands each plant a batch touched to the alert step
 * (docs/alert-step.md): the alert step queue on AWS, the alert-step handler
 * in-process in local mode. It throws when the plant's step was not taken
 * (the plant's messages are then redelivered); the step reports its own
 * deferred judgements.
 */
export interface AlertEvaluator {
  afterBatch(touched: readonly TouchedPlant[], now: number): Promise<unknown>;
}

/**
 * Readings per chunk of a batch, at most (a message is never split, so one
 * larger message is a chunk of its own). The deployed batch of 25 messages
 * is one chunk; a batch of 10,000 simulated messages is about 25.
 */
export const WRITE_CHUNK_READINGS = 5_000;

/** Plants whose alert rules are evaluated at once after a deployed batch (a few plants per 25 messages). */
export const ALERT_CONCURRENCY = 4;

export function makeProcessorHandler(deps: ProcessorDeps) {
  const log = deps.log ?? (() => {});
  const margin = deps.deadlineMarginMs ?? 5_000;
  const count = deps.count ?? (() => {});
  const clock = deps.clock ?? { now: Date.now };
  const chunkLimit = deps.writeChunkReadings ?? WRITE_CHUNK_READINGS;
  const notices = makeNotices(deps.rejections, log);
  const processChunk = makeChunkProcessor({
    metrics: deps.metrics,
    state: deps.state,
    ledger: deps.ledger ?? deps.state,
    kpiSlots: deps.kpiSlots,
    notices,
    log,
  });

  return async (event: Pick<SQSEvent, 'Records'>, context?: Pick<Context, 'getRemainingTimeInMillis'>) => {
    // This invocation's deadline goes with each write: the stores serve every invocation of the process.
    const calls = invocationCalls(clock, context);
    const failures: string[] = [];
    const outcomes: Outcome[] = [];
    // Messages go through in chunks of about WRITE_CHUNK_READINGS readings: records still pack across
    // the messages of a chunk (the deployed batch of 25 is one chunk), and a batch of thousands of
    // messages never holds the readings, records and calls of all of them at once.
    let chunk: Work[] = [];
    let chunkReadings = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      const works = chunk;
      chunk = [];
      chunkReadings = 0;
      await processChunk(works, calls);
      for (const work of works) outcomes.push(outcomeOf(work));
    };

    for (const record of event.Records) {
      if (context && context.getRemainingTimeInMillis() < margin) {
        failures.push(record.messageId);
        continue;
      }
      const work = await admit(record, notices, log);
      if (work === 'failed') failures.push(record.messageId);
      if (typeof work === 'string') continue;
      if (chunk.length > 0 && chunkReadings + work.readings.length > chunkLimit) await flush();
      chunk.push(work);
      chunkReadings += work.readings.length;
    }
    await flush();

    if (deps.alerts)
      await evaluateAlerts(
        deps.alerts,
        outcomes.filter((o) => !o.failed),
        deps.alertConcurrency ?? ALERT_CONCURRENCY,
        log,
      );

    for (const outcome of outcomes) if (outcome.failed) failures.push(outcome.messageId);
    countBatch(count, outcomes, failures.length);
    log('info', 'batch processed', { messages: event.Records.length, failed: failures.length });
    return {
      batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })),
    } satisfies SQSBatchResponse;
  };
}

/**
 * A queued message made ready for its chunk: `failed` when it can never be
 * decoded (it reaches the DLQ after the queue's max receives), `refused` when
 * the parser refuses it as a whole (told to a gateway on MQTT, then settled),
 * else its work, with the items the parser refused told over MQTT.
 */
async function admit(record: SQSRecord, notices: Notices, log: LogFn): Promise<Work | 'failed' | 'refused'> {
  const decoded = decodeQueued(record.body);
  if (!decoded.ok) {
    log('error', 'undecodable queue message', { sqsMessageId: record.messageId, reason: decoded.reason });
    return 'failed';
  }
  const { envelope, parsed } = decoded;
  if (!parsed.ok) {
    if (envelope.source === 'mqtt') await notices.notify(envelope.plantId, parsed.problem);
    log('info', 'queued message refused', { plantId: envelope.plantId, type: parsed.problem.type });
    return 'refused';
  }
  const { message, rejected } = parsed;
  if (envelope.source === 'mqtt') await notices.parserRefusals(envelope.plantId, message.messageId, rejected);
  return workOf(record, envelope, message);
}

function countBatch(
  count: (name: string, value: number) => void,
  outcomes: readonly Outcome[],
  failed: number,
) {
  const done = outcomes.filter((o) => !o.failed);
  count('MessagesProcessed', done.length);
  count('MessagesFailed', failed);
  count(
    'ReadingsStored',
    done.reduce((n, o) => n + o.readings, 0),
  );
  count(
    'ItemsQuarantined',
    done.reduce((n, o) => n + o.quarantined, 0),
  );
}

/**
 * Hands each plant the batch touched, with its span, lines and data-time
 * spans, to the alert step. When the step did not take a plant (the queue
 * refused it, or in local mode the step could not record what arrived), the
 * plant's messages fail and their redelivery hands it over again; the step
 * itself owes a failed judgement to the scheduled run.
 */
async function evaluateAlerts(
  alerts: AlertEvaluator,
  done: readonly Outcome[],
  concurrency: number,
  log: LogFn,
): Promise<void> {
  const byPlant = new Map<string, Outcome[]>();
  for (const o of done) {
    const plantOutcomes = byPlant.get(o.plantId);
    if (plantOutcomes) plantOutcomes.push(o);
    else byPlant.set(o.plantId, [o]);
  }
  const evaluate = async ([plantId, plantOutcomes]: [string, Outcome[]]): Promise<void> => {
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    let now = Number.NEGATIVE_INFINITY;
    const furnaceLines = new Set<string>();
    const spans: Array<{ from: number; to: number }> = [];
    for (const o of plantOutcomes) {
      now = Math.max(now, o.receivedAt);
      from = Math.min(from, o.from);
      to = Math.max(to, o.to);
      if (o.from <= o.to) spans.push({ from: o.from, to: o.to + 1 });
      for (const line of o.furnaceLines) furnaceLines.add(line);
    }
    if (from > to) return;
    try {
      await alerts.afterBatch([{ plantId, from, to: to + 1, furnaceLines: [...furnaceLines], spans }], now);
    } catch (error) {
      log('warn', 'alert evaluation failed; the messages will be redelivered', {
        plantId,
        error: errorName(error),
      });
      for (const o of plantOutcomes) o.failed = true;
    }
  };
  // Plants are independent (their alerts are separate items, written with conditional writes, as
  // concurrent processors already do), so their evaluations overlap their store round trips.
  await mapLimited([...byPlant.entries()], concurrency, evaluate);
}
