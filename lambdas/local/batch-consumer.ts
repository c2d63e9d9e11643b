/**
 * The local stand-in for the Lambda event source mapping's poller: receive a
 * batch, run the handler with the visibility kept up while it runs, and settle
 * it by its `batchItemFailures`.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

/** The queue operations one consumer loop needs. */
export interface BatchSource {
  /** False once the queue is closing: the loop takes no new batch. */
  running(): boolean;
  receive(waitMs: number): Promise<SQSRecord[]>;
  /** Keeps the records invisible for another visibility timeout. */
  extendVisibility(records: readonly SQSRecord[]): void;
  /** Deletes all but the reported failures. */
  settle(records: readonly SQSRecord[], response: SQSBatchResponse | undefined): void;
}

export interface BatchTiming {
  readonly visibilityMs: number;
  /** A batch's visibility is extended for this long at most (Lambda's longest timeout). */
  readonly maxBatchMs: number;
}

/**
 * Runs `handler` over batches, one at a time, until the source stops.
 * A batch that throws is reported to `onError` and comes back whole after its
 * visibility timeout, as with the event source mapping.
 */
export async function consumeBatches(
  source: BatchSource,
  handler: BatchHandler,
  onError: (error: unknown) => void,
  timing: BatchTiming,
): Promise<void> {
  while (source.running()) {
    const records = await source.receive(1_000);
    if (records.length === 0) continue;
    let response: SQSBatchResponse | undefined;
    const started = Date.now();
    // Wall time for the cap (a batch's own running time); the queue's clock for the visibility.
    const heartbeat = setInterval(
      () => {
        if (Date.now() - started < timing.maxBatchMs) source.extendVisibility(records);
        else clearInterval(heartbeat);
      },
      Math.max(1, Math.floor(timing.visibilityMs / 3)),
    );
    heartbeat.unref();
    try {
      response = await handler({ Records: records });
    } catch (error) {
      onError(error);
      continue; // the whole batch comes back after the visibility timeout
    } finally {
      clearInterval(heartbeat);
    }
    source.settle(records, response);
  }
}
