/**
 * zod schemas for CDK context values, and the one place a failed parse
 * becomes a ConfigError naming the key and the value as given:
 * `context "plants[0].timeZone" must be an IANA time zone; got "Mars/Olympus"`.
 * Every schema carries its expectation as its error message, so the first
 * issue reads as a sentence.
 */
import * as z from 'zod';
import { ConfigError } from './config-error.ts';

/** Parses one context value; `key` is the context key (or its path, `plants[0]`). */
export function contextValue<T extends z.ZodType>(key: string, schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const at = issue.path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : `${text}.${String(part)}`),
    key,
  );
  // An unknown key is named in the path, and the value shown is the key itself.
  if (issue.code === 'unrecognized_keys') {
    const unknown = issue.keys[0] as string;
    throw new ConfigError(
      `context "${at}.${unknown}" must be ${issue.message}; got ${JSON.stringify(unknown)}`,
    );
  }
  // The value as the schema saw it (a plant id given alone is already { plantId } by then).
  const got = 'input' in issue ? issue.input : valueAt(value, issue.path);
  throw new ConfigError(`context "${at}" must be ${issue.message}; got ${JSON.stringify(got)}`);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const part of path) at = (at as Record<PropertyKey, unknown> | undefined)?.[part];
  return at;
}

/** A safe integer in [min, max], also as its decimal text (`-c key=50` arrives as a string). */
export function integerSetting(min: number, max: number, error = `an integer from ${min} to ${max}`) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value),
    z.number({ error }).int({ error }).gte(min, { error }).lte(max, { error }),
  );
}

/** A finite number in [min, max] (JSON context only). */
export function numberSetting(min: number, max: number) {
  const error = `a number from ${min} to ${max}`;
  return z.number({ error }).gte(min, { error }).lte(max, { error });
}

/** true or false, also as text. */
export const booleanSetting = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'true or false' }),
);

/** A string of the pattern, with `expectation` as its message. */
export function textSetting(pattern: RegExp, expectation: string) {
  return z.string({ error: expectation }).regex(pattern, { error: expectation });
}

/** An object with exactly these keys; an unknown key is refused by name. */
export function settingsObject<S extends z.core.$ZodLooseShape>(shape: S, expectation: string) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `one of ${keys}` : expectation),
  });
}

/**
 * A list given as an array, as JSON text of an array, or as comma-separated
 * text (`-c opsEmails=a@example.com,b@example.com`); absent is empty.
 */
export const listSetting = z.preprocess(
  (value) => {
    if (value === undefined) return [];
    if (typeof value !== 'string') return value;
    const text = value.trim();
    if (text === '') return [];
    if (!text.startsWith('[')) return text.split(',').map((part) => part.trim());
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return value;
    }
  },
  z.array(z.unknown(), { error: 'a list (an array, a JSON array text or comma-separated text)' }),
);

/** Refuses the second of two items with the same id, naming that id. */
export function unique<T>(key: string, values: readonly T[], by: (value: T) => string): readonly T[] {
  const seen = new Set<string>();
  for (const value of values) {
    const id = by(value);
    if (seen.has(id))
      throw new ConfigError(`context "${key}" must be a list without repeats; got ${JSON.stringify(id)}`);
    seen.add(id);
  }
  return values;
}
