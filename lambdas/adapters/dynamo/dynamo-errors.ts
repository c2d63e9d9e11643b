/**
 * DynamoDB errors in domain terms. The SDK has already retried throttles and
 * 5xx with backoff by the time one reaches us; what is left is reported as
 * `UnavailableError`, so ingest answers 503 and the processor lets SQS
 * redeliver. Everything else (validation, missing table, access denied) is a
 * bug or a misconfiguration and propagates unchanged.
 */
import { UnavailableError } from '../../domain/ports.ts';

const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/** Network failures before DynamoDB answered. */
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

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const fields = error as SdkErrorFields;
  const status = fields.$metadata?.httpStatusCode;
  return (
    (typeof fields.name === 'string' && TRANSIENT_NAMES.has(fields.name)) ||
    (typeof fields.code === 'string' && TRANSIENT_CODES.has(fields.code)) ||
    fields.$fault === 'server' ||
    (typeof status === 'number' && status >= 500)
  );
}

/** Runs one DynamoDB call; transient failures become `UnavailableError` with the SDK error as cause. */
export async function dynamoCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransient(error)) {
      const name = error instanceof Error ? error.name : 'unknown error';
      throw new UnavailableError(`state store unavailable: ${operation} failed with ${name}`, 5, {
        cause: error,
      });
    }
    throw error;
  }
}
