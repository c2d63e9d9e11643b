/**
 * Environment of the Lambda entry points, parsed once at cold start: a
 * missing or malformed variable fails the cold start with a clear message,
 * never a request.
 */
import * as z from 'zod/mini';
import '../domain/zod-english.ts';
import type { LambdaEnvName } from './env-names.ts';

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** Parses the variables of `shape`, each a name the CDK app sets (env-names.ts). */
export function readEnv<T extends { readonly [K in LambdaEnvName]?: z.core.$ZodType }>(
  shape: T & Record<Exclude<keyof T, LambdaEnvName>, never>,
  source: Record<string, string | undefined>,
) {
  const result = z.object(shape).safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new EnvironmentError(`invalid Lambda environment: ${problems}`);
  }
  return result.data;
}
