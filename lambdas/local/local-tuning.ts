/**
 * How local mode sizes the pipeline for one process on a small machine, where
 * the deployed settings size it for many Lambda invocations (docs/performance.md,
 * "Local mode (#19)").
 */
/**
 * Local batches: the alert rules run once per plant and batch, so one process
 * keeps up with 16 busy gateways only with batches far larger than the deployed
 * 25 (docs/performance.md, "Local mode"); a batch also stops at LOCAL_BATCH_MAX_BYTES.
 */
export const LOCAL_BATCH_SIZE = 500;
/** Bytes per local batch at most: a batch of heavy messages (50 tickets and 50 readings each) stops at about 180. */
export const LOCAL_BATCH_MAX_BYTES = 2 * 1024 * 1024;
/** Plants judged at once after a local batch. */
export const LOCAL_ALERT_CONCURRENCY = 16;
/** Readings per write transaction locally: a whole batch of fleet messages (about 45 readings each). */
export const LOCAL_WRITE_CHUNK_READINGS = 25_000;
/** Two batches at once: one's alert reads overlap the other's writes (the processor is safe to run concurrently, as on AWS). */
export const LOCAL_CONSUMERS = 2;
