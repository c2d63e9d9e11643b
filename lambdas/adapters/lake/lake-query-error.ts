/**
 * A lake query that failed for a reason retrying cannot fix: bad SQL, a
 * missing table or permission, the workgroup's bytes-scanned cutoff, or a
 * result this reader will not hold. A bug, a configuration error or too
 * large a range: never retried as an outage (transient faults are
 * `UnavailableError`); HTTP answers 400 "narrow the range" when `tooLarge`,
 * else 503 with Retry-After 60 (lambdas/handlers/http.ts).
 */
import { QueryRefusedError } from '../../domain/ports.ts';

export interface LakeQueryErrorProps {
  /** Athena's QueryExecutionId, when the query was started. */
  readonly queryExecutionId?: string | undefined;
  /** Athena's words (AthenaError.ErrorMessage or Status.StateChangeReason), or ours. */
  readonly reason: string;
  /** AthenaError.ErrorCategory (1 system, 2 user, 3 other) and ErrorType, when Athena gave them. */
  readonly errorCategory?: number | undefined;
  readonly errorType?: number | undefined;
  /** The answer is more than the reader hands back at once (the row cap, the scan cutoff): narrow the range. */
  readonly tooLarge?: boolean;
}

export class LakeQueryError extends QueryRefusedError {
  override readonly name = 'LakeQueryError';
  readonly queryExecutionId: string | undefined;
  readonly reason: string;
  readonly errorCategory: number | undefined;
  readonly errorType: number | undefined;

  constructor(props: LakeQueryErrorProps, options?: ErrorOptions) {
    super(
      `lake query ${props.queryExecutionId ?? '(not started)'} failed: ${props.reason}`,
      props.tooLarge ?? false,
      options,
    );
    this.queryExecutionId = props.queryExecutionId;
    this.reason = props.reason;
    this.errorCategory = props.errorCategory;
    this.errorType = props.errorType;
  }
}
