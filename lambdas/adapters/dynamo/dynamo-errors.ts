/**
 * DynamoDB errors in domain terms. The SDK has already retried throttles and
 * 5xx with backoff by the time one reaches us; what is left is reported as
 * `UnavailableError`, so ingest answers 503 and the processor lets SQS
 * redeliver. Everything else (validation, missing table, access denied) is a
 * bug or a misconfiguration and propagates unchanged.
 */
import { isTransientAwsError, type TransientRules, unavailableWhenTransient } from '../aws-errors.ts';

const TRANSIENT: TransientRules = {
  names: new Set([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'InternalServerError',
    'ServiceUnavailable',
    'TimeoutError',
  ]),
  tooManyRequests: false,
};

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function isTransient(error: unknown): boolean {
  return isTransientAwsError(error, TRANSIENT);
}

/** Runs one DynamoDB call; transient failures become `UnavailableError` with the SDK error as cause. */
export async function dynamoCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  return unavailableWhenTransient(`state store unavailable: ${operation}`, isTransient, call);
}
