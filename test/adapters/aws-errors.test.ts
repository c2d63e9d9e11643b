/**
 * How an adapter reports an SDK call's transient failure (lambdas/adapters/aws-errors.ts):
 * `UnavailableError` named after the error (the shared `errorName`: name and
 * code, never the message), with the error as cause; anything else unchanged.
 */
import { describe, expect, it } from 'vitest';
import { unavailableWhenTransient } from '../../lambdas/adapters/aws-errors.ts';
import { UnavailableError } from '../../lambdas/domain/ports.ts';

const failing = (error: unknown) => () => Promise.reject(error);
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('unavailableWhenTransient', () => {
  it.each([
    [
      'a network failure, by name and code',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }),
      'Error (ECONNREFUSED)',
    ],
    [
      'a named throttle',
      Object.assign(new Error('Rate exceeded for account 123'), { name: 'ThrottlingException' }),
      'ThrottlingException',
    ],
    ['a thrown value that is no error', 'token=abc', 'unknown'],
  ])('reports %s as UnavailableError without its message', async (_what, error, name) => {
    const thrown = await rejection(
      unavailableWhenTransient('write recent telemetry', () => true, failing(error)),
    );
    expect(thrown).toBeInstanceOf(UnavailableError);
    expect((thrown as UnavailableError).message).toBe(`write recent telemetry failed with ${name}`);
    expect((thrown as UnavailableError).retryAfterSeconds).toBe(5);
    expect((thrown as UnavailableError).cause).toBe(error);
  });

  it('lets a permanent error through unchanged, and returns what the call returns', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    expect(await rejection(unavailableWhenTransient('x', () => false, failing(denied)))).toBe(denied);
    expect(
      await unavailableWhenTransient(
        'x',
        () => true,
        () => Promise.resolve(42),
      ),
    ).toBe(42);
  });
});
