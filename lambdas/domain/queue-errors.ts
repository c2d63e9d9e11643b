/**
 * The telemetry queue refused messages for a reason another attempt soon
 * cannot fix: a permission or key the function lacks, a queue that is gone
 * or misconfigured, or a body the queue will never take. Adapters raise it
 * instead of `UnavailableError` so nobody retries it in a loop, and ingest
 * reports it apart (docs/telemetry-queue.md). The sender is not at fault:
 * queued bodies are rebuilt from validated fields, so it still gets a 503.
 */
export class QueueRefusedError extends Error {
  override readonly name = 'QueueRefusedError';
  constructor(
    message: string,
    /** The queue's error code, for logs and metrics (`KmsAccessDenied`, `InvalidMessageContents`, ...). */
    readonly code: string,
    /** What the client is told to wait: an operator has to act, so longer than an outage's 5 s. */
    readonly retryAfterSeconds = 60,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
