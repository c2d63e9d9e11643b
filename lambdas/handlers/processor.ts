/**
 * SQS batch processor: decode each queued message (validating what was not
 * validated at ingest, see queue-codec.ts), record
 * weighbridge tickets in the ledger, write readings and movements to the
 * metrics store (one combined write per chunk of about 5,000 readings, whole
 * messages, so records pack across messages; a deployed batch is one chunk),
 * quarantine what the stores refuse for good, and report only the messages
 * that failed (`ReportBatchItemFailures`).
 *
 * Every step is idempotent, so a redelivered message (a retry, a duplicate,
 * a message whose batch partly failed) changes nothing that was already done.
 */
import { createHash } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mapLimited } from '../adapters/map-limited.ts';
import { type StoredMessage, versionOf } from '../domain/canonical-message.ts';
import { movementKey, readingKey } from '../domain/identity.ts';
import { type KpiSlotMarker, touchedKpiSlots } from '../domain/kpi-rollup.ts';
import { defaultPlantConfig } from '../domain/plant.ts';
import {
  type LedgerResult,
  type MetricsStore,
  type QuarantineEntry,
  type RejectionPublisher,
  type StateStore,
  type StoredMovement,
  type StoredReading,
  type StoreRejection,
  type TicketLedger,
  UnavailableError,
} from '../domain/ports.ts';
import { ProblemType, type ProblemTypeUri, pointer } from '../domain/problem.ts';
import { decodeQueued, type QueueEnvelope } from '../domain/queue-codec.ts';
import type { TouchedPlant } from '../domain/touched-plants.ts';

export interface ProcessorDeps {
  readonly metrics: Pick<MetricsStore, 'writeReadings' | 'writeMovements'>;
  readonly state: StateStore;
  /** Where the ticket ledger lives when not in the state store (local mode: DuckDB). @default state */
  readonly ledger?: TicketLedger;
  readonly rejections: RejectionPublisher;
  /** Stop taking new messages when less than this remains before the Lambda deadline (default 5 s). */
  readonly deadlineMarginMs?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
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

interface Work {
  readonly record: SQSRecord;
  readonly envelope: QueueEnvelope;
  readonly message: StoredMessage;
  readonly readings: readonly StoredReading[];
  movements: StoredMovement[];
  quarantine: QuarantineEntry[];
  failed: boolean;
}

/** Store refusals of one message told one by one over MQTT; the rest go in one notice. */
const STORE_NOTICES_PER_MESSAGE = 10;

const REJECTION_TYPES: Record<StoreRejection<unknown>['kind'], ProblemTypeUri> = {
  conflict: ProblemType.conflict,
  'out-of-window': ProblemType.timestampOutOfRange,
  invalid: ProblemType.invalidItem,
};

/** Deterministic, so the same refusal redelivered is the same quarantine entry. */
export function quarantineId(messageId: string, itemKey: string, version: number): string {
  return createHash('sha256')
    .update(`${messageId}\u0000${itemKey}\u0000${version}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * Readings per chunk of a batch, at most (a message is never split, so one
 * larger message is a chunk of its own). The deployed batch of 25 messages
 * is one chunk; a batch of 10,000 simulated messages is about 25.
 */
export const WRITE_CHUNK_READINGS = 5_000;

/** What the alert step and the batch metrics need of a processed message, once its chunk is done. */
interface Outcome {
  readonly messageId: string;
  readonly plantId: string;
  readonly receivedAt: number;
  /** Span of its readings' and movements' times; from > to when it has none. */
  readonly from: number;
  readonly to: number;
  readonly furnaceLines: ReadonlySet<string>;
  readonly readings: number;
  readonly quarantined: number;
  failed: boolean;
}

function outcomeOf(work: Work): Outcome {
  // Loops rather than Math.min(...times): a message may hold more times than a call takes arguments.
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  const furnaceLines = new Set<string>();
  for (const r of work.readings) {
    from = Math.min(from, r.ts);
    to = Math.max(to, r.ts);
    if (r.metric === 'furnace_temperature') furnaceLines.add(r.line);
  }
  for (const m of work.message.movements) {
    from = Math.min(from, m.ts);
    to = Math.max(to, m.ts);
  }
  return {
    messageId: work.record.messageId,
    plantId: work.message.plantId,
    receivedAt: work.envelope.receivedAt,
    from,
    to,
    furnaceLines,
    readings: work.readings.length,
    quarantined: work.quarantine.length,
    failed: work.failed,
  };
}

/** Plants whose alert rules are evaluated at once after a deployed batch (a few plants per 25 messages). */
export const ALERT_CONCURRENCY = 4;

export function makeProcessorHandler(deps: ProcessorDeps) {
  const log = deps.log ?? (() => {});
  const margin = deps.deadlineMarginMs ?? 5_000;
  const count = deps.count ?? (() => {});
  const ledger = deps.ledger ?? deps.state;
  const alertConcurrency = deps.alertConcurrency ?? ALERT_CONCURRENCY;
  const chunkLimit = deps.writeChunkReadings ?? WRITE_CHUNK_READINGS;
  /** Plants known to be registered, so a warm processor asks once per plant. */
  const registered = new Set<string>();

  const notify = async (plantId: string, notice: Parameters<RejectionPublisher['publish']>[1]) => {
    try {
      await deps.rejections.publish(plantId, notice);
    } catch (error) {
      log('warn', 'rejection notice not published', {
        plantId,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
  };

  /**
   * One notice per item the store refused, for the first STORE_NOTICES_PER_MESSAGE, then one that
   * lists the rest (bounded in size), so a message of a thousand conflicts cannot hold the batch.
   */
  const noticeRefusedItems = async (quarantine: readonly QuarantineEntry[]) => {
    for (const q of quarantine.slice(0, STORE_NOTICES_PER_MESSAGE)) {
      await notify(q.plantId, {
        type: q.type,
        title: 'Item rejected',
        status: 422,
        detail: q.reason,
        errors: [{ pointer: q.pointer, detail: q.reason }],
        messageId: q.messageId,
      });
    }
    const rest = quarantine.slice(STORE_NOTICES_PER_MESSAGE);
    const first = rest[0];
    if (!first) return;
    await notify(first.plantId, {
      type: first.type,
      title: 'Items rejected',
      status: 422,
      detail: `${rest.length} more items of this message were refused after it was accepted; they are quarantined`,
      errors: rest.slice(0, 100).map((q) => ({ pointer: q.pointer, detail: q.type })),
      messageId: first.messageId,
    });
  };

  return async (event: Pick<SQSEvent, 'Records'>, context?: Pick<Context, 'getRemainingTimeInMillis'>) => {
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
      await processChunk(works);
      for (const work of works) outcomes.push(outcomeOf(work));
    };

    for (const record of event.Records) {
      if (context && context.getRemainingTimeInMillis() < margin) {
        failures.push(record.messageId);
        continue;
      }
      const decoded = decodeQueued(record.body);
      if (!decoded.ok) {
        // Cannot succeed on a retry either: fail it so it reaches the DLQ after the queue's max receives.
        log('error', 'undecodable queue message', { sqsMessageId: record.messageId, reason: decoded.reason });
        failures.push(record.messageId);
        continue;
      }
      const { envelope, parsed } = decoded;
      if (!parsed.ok) {
        if (envelope.source === 'mqtt') await notify(envelope.plantId, parsed.problem);
        log('info', 'queued message refused', { plantId: envelope.plantId, type: parsed.problem.type });
        continue;
      }
      const { message, rejected } = parsed;
      if (envelope.source === 'mqtt') {
        for (const item of rejected) {
          await notify(envelope.plantId, {
            type: item.type,
            title: 'Item rejected',
            status: 422,
            detail: item.detail,
            errors: [{ pointer: item.pointer, detail: item.detail }],
            messageId: message.messageId,
          });
        }
      }
      if (chunk.length > 0 && chunkReadings + message.readings.length > chunkLimit) await flush();
      chunk.push({
        record,
        envelope,
        message,
        // Decoded with their versions, in one compact layout (canonical-message.ts).
        readings: message.readings,
        movements: [],
        quarantine: [],
        failed: false,
      });
      chunkReadings += message.readings.length;
    }
    await flush();

    if (deps.alerts)
      await evaluateAlerts(
        deps.alerts,
        outcomes.filter((o) => !o.failed),
      );

    for (const outcome of outcomes) if (outcome.failed) failures.push(outcome.messageId);
    const done = outcomes.filter((o) => !o.failed);
    count('MessagesProcessed', done.length);
    count('MessagesFailed', failures.length);
    count(
      'ReadingsStored',
      done.reduce((n, o) => n + o.readings, 0),
    );
    count(
      'ItemsQuarantined',
      done.reduce((n, o) => n + o.quarantined, 0),
    );
    log('info', 'batch processed', { messages: event.Records.length, failed: failures.length });
    return {
      batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })),
    } satisfies SQSBatchResponse;
  };

  /** Ledger, metrics writes and quarantine for the works of one chunk; marks the works that failed. */
  async function processChunk(works: Work[]): Promise<void> {
    await registerPlants(works);

    // Weighbridge tickets: the ledger decides stored, unchanged, corrected, superseded or conflict,
    // for the whole chunk in one call (a batch of 25 messages may carry 12,500 tickets).
    const tickets = works.flatMap((work) =>
      work.message.movements.map((movement, index) => ({
        work,
        index,
        stored: { ...movement, version: versionOf(movement.correction, work.envelope.receivedAt) },
      })),
    );
    let results: LedgerResult[];
    try {
      results = await ledger.recordMovements(tickets.map((t) => t.stored));
    } catch (error) {
      results = tickets.map((t) => ({ outcome: 'failed', movement: t.stored, error }));
    }
    let failure: unknown;
    tickets.forEach(({ work, index, stored }, i) => {
      const result = results[i] as LedgerResult;
      if (result.outcome === 'failed') {
        // Its message is retried; tickets already recorded are unchanged on the redelivery.
        failure ??= result.error;
        work.failed = true;
      } else if (result.outcome === 'conflict') {
        work.quarantine.push(
          entry(work, 'movement', index, stored, ProblemType.conflict, conflictReason(result.current)),
        );
      } else if (result.outcome !== 'superseded') {
        work.movements.push(result.movement);
      }
    });
    if (failure !== undefined && !(failure instanceof UnavailableError))
      log('error', 'ledger write failed', { error: String(failure) });

    const live = works.filter((w) => !w.failed);
    try {
      const readings = concat(live, (w) => w.readings);
      if (deps.kpiSlots) {
        // Every ticket of the live messages, and where a correction moved one from: both slots change.
        const moved = results.flatMap((r) => (r.outcome === 'corrected' ? [r.previous] : []));
        const tickets = concat(live, (w) => w.message.movements);
        const touched = touchedKpiSlots([...readings, ...tickets, ...moved]);
        if (touched.length > 0) await deps.kpiSlots.markTouched(touched);
      }
      const readingResult = await deps.metrics.writeReadings(readings);
      const movementResult = await deps.metrics.writeMovements(concat(live, (w) => w.movements));
      // Who owns a refused item is looked up only when something was refused (rare).
      const readingOwner = ownersOf(readingResult.rejected, live, (w) => w.readings);
      const movementOwner = ownersOf(movementResult.rejected, live, (w) => w.movements);
      for (const rejection of readingResult.rejected) {
        const work = readingOwner.get(rejection.item) ?? ownerByKey(live, rejection.item);
        if (!work) {
          // A refusal nobody owns would vanish: fail the chunk so it is redelivered and seen again.
          log('error', 'refused reading matches no message of the chunk', {
            key: readingKey(rejection.item),
          });
          for (const w of live) w.failed = true;
          break;
        }
        const index = work.readings.indexOf(rejection.item);
        work.quarantine.push(
          entry(work, 'reading', index, rejection.item, REJECTION_TYPES[rejection.kind], rejection.reason),
        );
      }
      for (const rejection of movementResult.rejected) {
        const work = movementOwner.get(rejection.item) ?? movementOwnerByKey(live, rejection.item);
        if (!work) {
          // A refusal nobody owns would vanish: fail the chunk so it is redelivered and seen again.
          log('error', 'refused movement matches no message of the chunk', {
            ticketId: rejection.item.ticketId,
          });
          for (const w of live) w.failed = true;
          break;
        }
        const index = work.message.movements.findIndex((m) => m.ticketId === rejection.item.ticketId);
        work.quarantine.push(
          entry(work, 'movement', index, rejection.item, REJECTION_TYPES[rejection.kind], rejection.reason),
        );
      }
    } catch (error) {
      if (!(error instanceof UnavailableError))
        log('error', 'metrics write failed', { error: String(error) });
      for (const work of live) work.failed = true;
    }

    for (const work of live.filter((w) => !w.failed && w.quarantine.length > 0)) {
      try {
        await deps.state.putQuarantine(work.quarantine);
        log('warn', 'items quarantined', {
          plantId: work.message.plantId,
          messageId: work.message.messageId,
          count: work.quarantine.length,
        });
      } catch {
        work.failed = true;
        continue;
      }
      // A gateway on MQTT learns of items the store refused (a conflict, a timestamp out of its window) as of
      // items the parser refused (contract section 5); a redelivery may repeat a notice, never lose one.
      if (work.envelope.source === 'mqtt') await noticeRefusedItems(work.quarantine);
    }
  }

  /**
   * Registers each plant the first time its data arrives, with the default
   * settings (the scheduled rules run for registered plants). A plant already
   * registered keeps its configuration. A failure only delays the
   * registration to a later batch.
   */
  async function registerPlants(works: readonly Work[]): Promise<void> {
    for (const plantId of new Set(works.map((w) => w.message.plantId))) {
      if (registered.has(plantId)) continue;
      try {
        if (await deps.state.registerPlant(defaultPlantConfig(plantId))) {
          log('info', 'plant registered with default settings', { plantId });
        }
        registered.add(plantId);
      } catch (error) {
        log('warn', 'plant registration failed; a later batch retries', {
          plantId,
          error: error instanceof Error ? error.name : 'unknown',
        });
      }
    }
  }

  /**
   * Hands each plant the batch touched, with its span, lines and data-time
   * spans, to the alert step. When the step did not take a plant (the queue
   * refused it, or in local mode the step could not record what arrived), the
   * plant's messages fail and their redelivery hands it over again; the step
   * itself owes a failed judgement to the scheduled run.
   */
  async function evaluateAlerts(alerts: AlertEvaluator, done: readonly Outcome[]): Promise<void> {
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
          error: error instanceof Error ? error.name : 'unknown',
        });
        for (const o of plantOutcomes) o.failed = true;
      }
    };
    // Plants are independent (their alerts are separate items, written with conditional writes, as
    // concurrent processors already do), so their evaluations overlap their store round trips.
    await mapLimited([...byPlant.entries()], alertConcurrency, evaluate);
  }

  function entry(
    work: Work,
    itemKind: 'reading' | 'movement',
    index: number,
    item: StoredReading | StoredMovement,
    type: ProblemTypeUri,
    reason: string,
  ): QuarantineEntry {
    const key = 'ticketId' in item ? movementKey(item) : readingKey(item);
    return {
      quarantineId: quarantineId(work.message.messageId, key, item.version),
      plantId: work.message.plantId,
      messageId: work.message.messageId,
      itemKind,
      pointer: pointer(itemKind === 'reading' ? 'readings' : 'movements', Math.max(index, 0)),
      type,
      reason,
      item,
      quarantinedAt: work.envelope.receivedAt,
    };
  }
}

function conflictReason(current: StoredMovement): string {
  return `ticket already recorded with different content (version ${current.version}); resend with "correction": true to replace it`;
}

/** The items of every work in one array: `flatMap` costs several times more per item (profile). */
function concat<T>(works: readonly Work[], itemsOf: (work: Work) => readonly T[]): T[] {
  const out: T[] = [];
  for (const work of works) for (const item of itemsOf(work)) out.push(item);
  return out;
}

/** The work each item belongs to; empty when nothing was refused. */
function ownersOf<T>(
  rejected: readonly unknown[],
  works: readonly Work[],
  itemsOf: (work: Work) => readonly T[],
): Map<T, Work> {
  const owners = new Map<T, Work>();
  if (rejected.length === 0) return owners;
  for (const work of works) for (const item of itemsOf(work)) owners.set(item, work);
  return owners;
}

function movementOwnerByKey(works: readonly Work[], movement: StoredMovement): Work | undefined {
  const key = movementKey(movement);
  return works.find((w) => w.movements.some((m) => movementKey(m) === key && m.version === movement.version));
}

function ownerByKey(works: readonly Work[], reading: StoredReading): Work | undefined {
  const key = readingKey(reading);
  return works.find((w) => w.readings.some((r) => readingKey(r) === key && r.version === reading.version));
}
