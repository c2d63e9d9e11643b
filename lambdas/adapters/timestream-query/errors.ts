/**
 * Errors of the Timestream query adapter. Transient faults are the domain's
 * `UnavailableError` (ports.ts); these two are for problems that retrying
 * cannot fix.
 */
import { quote } from '../../domain/problem.ts';

/**
 * A caller's query argument is not one the metrics store can ask about (a
 * plant id, line, metric or time outside the contract). Raised before any
 * call to Timestream, so nothing the caller sent reaches the SQL text. The
 * message quotes at most 48 bytes of the value.
 */
export class InvalidMetricsQueryError extends Error {
  override readonly name = 'InvalidMetricsQueryError';
  constructor(
    /** The argument at fault: `plantId`, `line`, `metric`, `from`, `to` or `before`. */
    readonly field: string,
    value: unknown,
    expectation: string,
  ) {
    super(`${field} ${expectation}, got ${quote(value)}`);
  }
}

/**
 * Timestream refused a query for a reason retrying cannot fix (a
 * ValidationException, missing permission or table: a deployment or
 * programming bug), or answered with rows this adapter cannot read.
 */
export class TimestreamQueryError extends Error {
  override readonly name = 'TimestreamQueryError';
  constructor(
    message: string,
    /** The SQL sent, for the logs (built from validated values only). */
    readonly query?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
