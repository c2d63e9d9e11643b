/**
 * How fast local mode's processor works off a backlog, for the backlog bound:
 * the queued bytes over it is about how long a message accepted now would
 * wait to be processed (docs/backpressure.md). The age of the oldest waiting
 * message alone does not bound that: a burst accepted within that age can
 * hold several seconds of work.
 *
 * Only full batches are timed: a small batch costs mostly its fixed part
 * (the alert step runs once per plant and batch), which says nothing about
 * how fast a backlog goes. So the estimate is used only when more than a
 * full batch is queued; below that the age bound alone applies.
 */

export interface DrainRateOptions {
  /** The queue's batch limits: a batch that reaches half the bytes, or all the messages, is full. */
  readonly batchMaxBytes: number;
  readonly batchSize: number;
  /** Batches processed at once (the consumers), all busy while a backlog lasts. */
  readonly consumers: number;
  /** Time constant of the moving average. @default 5000 */
  readonly tauMs?: number;
}

/** Full batches timed before there is an estimate. */
const MIN_FULL_BATCHES = 2;

export class DrainRate {
  private readonly tauMs: number;
  /** Bytes per millisecond one batch works off while the consumers are all busy. */
  private rate: number | undefined;
  private timed = 0;

  constructor(private readonly options: DrainRateOptions) {
    this.tauMs = options.tauMs ?? 5_000;
  }

  /**
   * A batch of `messages` and `batchBytes` ran for `durationMs` and worked off
   * `processedBytes` of them (less when some failed, 0 when it threw).
   */
  finished(messages: number, batchBytes: number, processedBytes: number, durationMs: number): void {
    const full = batchBytes >= this.options.batchMaxBytes / 2 || messages >= this.options.batchSize;
    if (!full || !(durationMs > 0)) return;
    const sample = processedBytes / durationMs;
    const weight = 1 - Math.exp(-durationMs / this.tauMs);
    this.rate = this.rate === undefined ? sample : this.rate + weight * (sample - this.rate);
    this.timed++;
  }

  /**
   * About how long `messages` queued messages of `bytes` take to process;
   * undefined for at most a full batch, or before the rate is known.
   */
  drainMs(messages: number, bytes: number): number | undefined {
    if (bytes <= this.options.batchMaxBytes && messages <= this.options.batchSize) return undefined;
    if (this.rate === undefined || this.timed < MIN_FULL_BATCHES) return undefined;
    const total = this.rate * this.options.consumers;
    return total > 0 ? bytes / total : Number.POSITIVE_INFINITY;
  }
}
