/** A deployment-configuration mistake: bin/app.ts prints its message without a stack trace. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function fail(key: string, expectation: string, value: unknown): never {
  throw new ConfigError(`context "${key}" must be ${expectation}; got ${JSON.stringify(value)}`);
}
