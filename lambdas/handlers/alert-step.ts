/**
 * The alert step (docs/alert-step.md): for each plant a processed batch
 * touched (one SQS message each, from the processor), record the days its
 * data belongs to and judge the batch rules, then relay the outbox. A
 * message whose arrival could not be recorded is reported failed and
 * redelivered; a judgement that failed after that is owed to the scheduled
 * run (the engine says so in `deferred`), so the message is done.
 *
 * Local mode runs the same handler in-process after each batch
 * (`inProcessAlertStep`), with no queue in between.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mapLimited } from '../adapters/map-limited.ts';
import type { CallOptions } from '../domain/deadline.ts';
import { errorName } from '../domain/error-name.ts';
import { type Clock, UnavailableError } from '../domain/ports.ts';
import { decodeAlertStep, encodeAlertStep, type TouchedPlant } from '../domain/touched-plants.ts';
import { type InvocationContext, invocationCalls } from './invocation-deadline.ts';
import { type RelayAfterBatchDeps, relayAfterBatch } from './relay-after-batch.ts';

export interface AlertStepDeps {
  /** BatchAlertEngine (AlertEngine in local mode). */
  readonly engine: {
    afterBatch(
      touched: readonly TouchedPlant[],
      now: number,
      options?: CallOptions,
    ): Promise<{ deferred?: readonly string[] }>;
  };
  /** Publishes what the step queued, after the batch (relay-after-batch.ts: logged and counted, fails nothing).
   * Local mode leaves it out and relays beside its consumers instead. */
  readonly relay?: RelayAfterBatchDeps['relay'];
  /** Plants judged at once (their alerts are separate items, written with conditional writes). @default 8 */
  readonly concurrency?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  readonly count?: (name: string, value: number) => void;
  /** Turns the invocation's remaining time into the deadline its reads and relay carry. @default Date.now */
  readonly clock?: Clock;
}

export type AlertStepHandler = (event: SQSEvent, context?: InvocationContext) => Promise<SQSBatchResponse>;

export function makeAlertStepHandler(deps: AlertStepDeps): AlertStepHandler {
  const log = deps.log ?? (() => {});
  const count = deps.count ?? (() => {});
  const concurrency = deps.concurrency ?? 8;
  const relay = deps.relay && relayAfterBatch({ relay: deps.relay, log, count });
  const clock = deps.clock ?? { now: () => Date.now() };

  const judge = async (record: SQSRecord, calls: CallOptions): Promise<boolean> => {
    const decoded = decodeAlertStep(record.body);
    if (!decoded.ok) {
      // Only the processor writes this queue: a body it did not write is kept in the DLQ to look at.
      log('error', 'alert step message is not valid; it goes to the DLQ after its receives', {
        messageId: record.messageId,
        reason: decoded.reason,
      });
      count('AlertStepMessagesInvalid', 1);
      return false;
    }
    const { touched, now } = decoded.message;
    try {
      const result = await deps.engine.afterBatch([touched], now, calls);
      if ((result.deferred?.length ?? 0) > 0) {
        log('warn', 'alert evaluation failed; the scheduled run evaluates the plant', {
          plantId: touched.plantId,
        });
        count('AlertEvaluationsDeferred', 1);
      }
      return true;
    } catch (error) {
      log('warn', 'alert step could not record what arrived; the message will be redelivered', {
        plantId: touched.plantId,
        messageId: record.messageId,
        error: errorName(error),
      });
      return false;
    }
  };

  return async (event, context) => {
    // One deadline for the invocation, carried by every read and the relay: the engine serves them all at once.
    const calls = invocationCalls(clock, context);
    const judged = await mapLimited(event.Records, concurrency, (record) => judge(record, calls));
    const batchItemFailures = event.Records.filter((_, i) => !judged[i]).map((r) => ({
      itemIdentifier: r.messageId,
    }));
    count('AlertStepPlants', event.Records.length);
    if (relay) await relay(calls);
    return { batchItemFailures };
  };
}

/**
 * The processor's AlertEvaluator in local mode: the batch's plants through
 * this handler at once, each as the message the processor would have queued
 * on AWS; a plant the step could not take fails the call (its messages are
 * redelivered, as on AWS).
 */
export function inProcessAlertStep(handle: AlertStepHandler) {
  let sequence = 0;
  return {
    async afterBatch(touched: readonly TouchedPlant[], now: number): Promise<void> {
      const Records = touched
        .flatMap((t) => encodeAlertStep({ now, touched: t }))
        .map((body) => ({ messageId: `local-${++sequence}`, body }) as SQSRecord);
      const { batchItemFailures } = await handle({ Records });
      if (batchItemFailures.length > 0)
        throw new UnavailableError(
          `alert step failed ${batchItemFailures.length} of ${Records.length} plant(s)`,
        );
    },
  };
}
