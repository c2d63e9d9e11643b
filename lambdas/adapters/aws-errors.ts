/**
 * AWS SDK errors worth another attempt, and how an adapter reports them. The
 * SDK has already retried with backoff by the time an error reaches us; what
 * is still transient becomes `UnavailableError` (503 at the API, redelivery
 * from SQS). Each service names its throttles and faults differently, so the
 * names come from the caller; the network codes and the fault and status
 * checks are the same for every service.
 */
import { errorName } from '../domain/error-name.ts';
import { UnavailableError } from '../domain/ports.ts';

/** Network failures before the service answered. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

interface SdkErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

export interface TransientRules {
  /** The service's throttling and fault error names. */
  readonly names: ReadonlySet<string>;
  /** HTTP 429 counts as transient as well as any 5xx. */
  readonly tooManyRequests: boolean;
}

/** A named throttle or fault, a network failure, a server fault, or a 5xx (and 429 where the rules say). */
export function isTransientAwsError(error: unknown, rules: TransientRules): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const fields = error as SdkErrorFields;
  const status = fields.$metadata?.httpStatusCode;
  return (
    (typeof fields.name === 'string' && rules.names.has(fields.name)) ||
    (typeof fields.code === 'string' && TRANSIENT_CODES.has(fields.code)) ||
    fields.$fault === 'server' ||
    (typeof status === 'number' && (status >= 500 || (rules.tooManyRequests && status === 429)))
  );
}

/**
 * Runs one SDK call; a transient failure becomes `UnavailableError`
 * ("{what} failed with {error name}", retry after 5 s) with the SDK error as
 * cause, and any other error propagates unchanged.
 */
export async function unavailableWhenTransient<T>(
  what: string,
  isTransient: (error: unknown) => boolean,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransient(error)) {
      throw new UnavailableError(`${what} failed with ${errorName(error)}`, 5, { cause: error });
    }
    throw error;
  }
}
