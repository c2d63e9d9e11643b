/**
 * How long local mode's processor takes to work off what is queued, for the
 * backlog bound (docs/backpressure.md, "Time to process"): the age of the
 * oldest waiting message alone does not bound the wait, since a burst
 * accepted within that age can hold several seconds of work.
 *
 * The unit of work is a batch, not a byte: a batch stops at `batchSize`
 * messages or `batchMaxBytes`, and costs about the same either way (500 small
 * MQTT envelopes or 180 bodies of 50 tickets). So the queue holds
 * `max(messages / batchSize, bytes / batchMaxBytes)` batches, each taking the
 * recent milliseconds per batch, spread over the consumers. A bytes rate
 * learnt from batches full by count made a 2 MiB body look like ten batches.
 *
 * Only full batches are timed: a small batch costs mostly its fixed part (the
 * alert step runs once per plant and batch), which says nothing about how
 * fast a backlog goes. So the estimate is used only when more than a full
 * batch is queued; below that the age bound alone applies.
 */

export interface DrainRateOptions {
  /** The queue's batch limits: a batch that reaches half the bytes, or all the messages, is full. */
  readonly batchMaxBytes: number;
  readonly batchSize: number;
  /** Batches processed at once (the consumers), all busy while a backlog lasts. */
  readonly consumers: number;
}

/** Full batches whose totals seed the estimate; there is none before. */
const SEED_BATCHES = 2;
/** A full batch's weight in the moving averages: about the last four count. */
const WEIGHT = 0.25;
/**
 * A batch's time counts at most this many times the current ms per batch, so
 * one batch, however slow or failing, raises the estimate by at most
 * 1 + 0.25 × 3 = 1.75× (a failing one by 1 / 0.75). A sustained slowdown is
 * still learnt within a few batches, and the age bound refuses meanwhile.
 */
const MAX_STEP = 4;

export class DrainRate {
  /** Milliseconds a full batch takes; each batch's time weighs as much as the share it processed. */
  private msPerBatch: number | undefined;
  /** Share of the recent full batches' bytes processed: a failing batch is no progress, and slows the estimate. */
  private share = 1;
  private timed = 0;
  /** Totals of the first full batches, which seed both averages. */
  private readonly seed = { ms: 0, batches: 0, share: 0 };

  constructor(private readonly options: DrainRateOptions) {}

  /**
   * A batch of `messages` and `batchBytes` ran for `durationMs` and worked off
   * `processedBytes` of them (less when some failed, 0 when it threw).
   */
  finished(messages: number, batchBytes: number, processedBytes: number, durationMs: number): void {
    const { batchMaxBytes, batchSize } = this.options;
    const full = batchBytes >= batchMaxBytes / 2 || messages >= batchSize;
    if (!full || !(durationMs >= 0)) return;
    // A batch's cost is mostly fixed: a partial one (half full or more) counts as one, never less;
    // one body over batchMaxBytes is more than one.
    const batches = Math.max(1, this.batches(messages, batchBytes));
    const elapsed = Math.max(1, durationMs); // at least 1 ms, so the average can never lock at 0
    const share = batchBytes > 0 ? Math.min(Math.max(processedBytes, 0), batchBytes) / batchBytes : 1;
    this.timed++;
    if (this.timed <= SEED_BATCHES) {
      this.seedWith(elapsed, batches, share);
      return;
    }
    this.share += WEIGHT * (share - this.share);
    // The time of a batch counts as much as it made progress: a fast failure says nothing of speed.
    const ms = Math.min(elapsed / batches, MAX_STEP * (this.msPerBatch ?? Number.POSITIVE_INFINITY));
    if (this.msPerBatch === undefined) {
      if (share > 0) this.msPerBatch = ms;
    } else this.msPerBatch += WEIGHT * share * (ms - this.msPerBatch);
  }

  /** The first full batches' totals: one cold first batch does not set the pace alone. */
  private seedWith(elapsed: number, batches: number, share: number): void {
    const seed = this.seed;
    seed.ms += elapsed * share;
    seed.batches += batches * share;
    seed.share += share;
    this.share = seed.share / this.timed;
    this.msPerBatch = seed.batches > 0 ? seed.ms / seed.batches : undefined;
  }

  /** Batches' worth of work in `messages` of `bytes`: each batch stops at whichever limit it reaches first. */
  private batches(messages: number, bytes: number): number {
    return Math.max(messages / this.options.batchSize, bytes / this.options.batchMaxBytes);
  }

  /**
   * About how long `messages` queued messages of `bytes` take to process;
   * undefined for at most a full batch, or before two full batches were
   * timed; unbounded while nothing has been processed.
   */
  drainMs(messages: number, bytes: number): number | undefined {
    if (bytes <= this.options.batchMaxBytes && messages <= this.options.batchSize) return undefined;
    if (this.timed < SEED_BATCHES) return undefined;
    if (this.msPerBatch === undefined || !(this.share > 0)) return Number.POSITIVE_INFINITY;
    return (this.batches(messages, bytes) * this.msPerBatch) / this.share / this.options.consumers;
  }
}
