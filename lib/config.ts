/**
 * Typed deployment configuration, read once from CDK context in bin/app.ts and
 * validated here; constructs never read the environment.
 */

export interface WteConfig {
  /** Deployment stage, part of every stack name (`dev`, `prod`, ...). */
  readonly stage: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

/** Validates raw context values; every message shows the bad value. */
export function parseConfig(context: { readonly stage?: unknown }): WteConfig {
  const stage = context.stage ?? 'dev';
  if (typeof stage !== 'string' || !STAGE_PATTERN.test(stage)) {
    throw new ConfigError(
      `context "stage" must match ${STAGE_PATTERN} (lowercase, starts with a letter, at most 16 characters); got ${JSON.stringify(stage)}`,
    );
  }
  return { stage };
}
