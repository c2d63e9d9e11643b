/**
 * Environment of the Lambda entry points, parsed once at cold start: a
 * missing or malformed variable fails the cold start with a clear message,
 * never a request.
 */
import * as z from 'zod/mini';
import '../domain/zod-english.ts';

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

export function readEnv<T extends z.core.$ZodLooseShape>(
  shape: T,
  source: Record<string, string | undefined>,
) {
  const result = z.object(shape).safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new EnvironmentError(`invalid Lambda environment: ${problems}`);
  }
  return result.data;
}
