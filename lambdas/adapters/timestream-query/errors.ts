/**
 * Errors of the Timestream query adapter. Transient faults are the domain's
 * `UnavailableError` (ports.ts); these two are for problems that retrying
 * cannot fix. Below them, how the reader tells the SDK's errors apart.
 */
import { quote } from '../../domain/problem.ts';
import { isTransient } from '../timestream/timestream-metrics-writer.ts';

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

interface ErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
}

/** The name and message of anything thrown, without trusting its shape. */
export const shapeOf = (error: unknown): ErrorShape =>
  typeof error === 'object' && error !== null ? error : {};

/** Wording after Presto/Trino, whose SQL front end Timestream uses [unverified]. */
const MISSING_COLUMN = /column '"?([A-Za-z0-9_]+)"?' (?:does not exist|cannot be resolved)/i;

/** The column a ValidationException says the table does not have, if that is what it says. */
export function missingColumnOf(error: unknown): string | undefined {
  const e = shapeOf(error);
  if (e.name !== 'ValidationException') return undefined;
  return MISSING_COLUMN.exec(String(e.message))?.[1];
}

/** Throttling, 5xx, network faults, and queries that ran out of time: worth retrying later. */
export function isUnavailable(error: unknown): boolean {
  const e = shapeOf(error);
  if (isTransient(error)) return true;
  return e.name === 'QueryExecutionException' && /timed? ?out|timeout/i.test(String(e.message));
}
