/**
 * Timestream SQL text from validated parts only. Timestream for LiveAnalytics
 * has no bind parameters, so every query is text; this module is the one place
 * where text becomes SQL, and it accepts nothing but:
 *
 * - the literal text of `sql` template tags written in this code base;
 * - fragments made by the functions below, each of which validates its input
 *   first: quoted identifiers and table names (fixed patterns, no quote can
 *   occur), plant and line literals (the contract's id patterns), epoch
 *   milliseconds (safe integers), integers, and constants of the code.
 *
 * A fragment is only trusted if this module made it (a private WeakSet, not a
 * shape check), so a string, an object that looks like a fragment, or a cast
 * cannot reach the text. Every string literal is also checked to be printable
 * ASCII without `'` before it is quoted, whatever validated it: a literal can
 * never end early, so no value can turn into SQL.
 */
import { LINE_PATTERN, PLANT_ID_PATTERN } from '../../domain/telemetry.ts';
import { InvalidMetricsQueryError } from './errors.ts';

class SqlFragment {
  constructor(readonly text: string) {
    Object.freeze(this);
  }
  toString(): string {
    return this.text;
  }
}

/** A piece of SQL text this module built from validated parts. */
export type Sql = SqlFragment;

const TRUSTED = new WeakSet<object>();

function trusted(text: string): Sql {
  const fragment = new SqlFragment(text);
  TRUSTED.add(fragment);
  return fragment;
}

/** True only for fragments this module made. */
export function isSql(value: unknown): value is Sql {
  return typeof value === 'object' && value !== null && TRUSTED.has(value);
}

function isTemplateStrings(strings: unknown): strings is TemplateStringsArray {
  return (
    Array.isArray(strings) &&
    Object.isFrozen(strings) &&
    Array.isArray((strings as { raw?: unknown }).raw) &&
    strings.every((s) => typeof s === 'string')
  );
}

/**
 * Template tag: the template's own text plus trusted fragments. Anything else
 * interpolated (a string, a number, a look-alike object) throws `TypeError`,
 * as does a call that is not a tagged template.
 */
export function sql(strings: TemplateStringsArray, ...parts: readonly Sql[]): Sql {
  if (!isTemplateStrings(strings) || strings.length !== parts.length + 1)
    throw new TypeError('sql is a template tag: write sql`...`');
  let text = strings[0] as string;
  for (const [index, part] of parts.entries()) {
    if (!isSql(part))
      throw new TypeError(`sql: interpolation ${index} is not a validated SQL fragment (${typeof part})`);
    text += part.text + (strings[index + 1] as string);
  }
  return trusted(text);
}

/** Fragments joined by a separator that is itself a fragment. */
export function joinSql(parts: readonly Sql[], separator: Sql): Sql {
  if (!isSql(separator) || !parts.every(isSql))
    throw new TypeError('joinSql: every part and the separator must be validated SQL fragments');
  return trusted(parts.map((part) => part.text).join(separator.text));
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,59}$/;
const RESOURCE_NAME = /^[A-Za-z0-9_.-]{3,256}$/;
/** Printable ASCII without the quote: a literal can never end early. */
const LITERAL_SAFE = /^[\x20-\x26\x28-\x7e]*$/;

/** A column name of the record design (`plant`, `line`, `q`, a measure code...), double-quoted. */
export function identifier(name: string): Sql {
  if (typeof name !== 'string' || !IDENTIFIER.test(name))
    throw new RangeError(`not a column name this adapter uses: ${JSON.stringify(name)}`);
  return trusted(`"${name}"`);
}

/** Checks a Timestream database or table name (3 to 256 of [A-Za-z0-9_.-]). */
export function checkResourceName(what: string, name: unknown): string {
  if (typeof name !== 'string' || !RESOURCE_NAME.test(name))
    throw new RangeError(
      `${what} must be 3 to 256 characters of [A-Za-z0-9_.-], got ${JSON.stringify(name)}`,
    );
  return name;
}

/** `"database"."table"`. */
export function tableRef(databaseName: string, tableName: string): Sql {
  const database = checkResourceName('databaseName', databaseName);
  const table = checkResourceName('tableName', tableName);
  return trusted(`"${database}"."${table}"`);
}

function stringLiteral(value: string): Sql {
  if (!LITERAL_SAFE.test(value))
    throw new RangeError('a SQL string literal must be printable ASCII without quotes');
  return trusted(`'${value}'`);
}

/** A plant id (the contract's pattern, `^[a-z0-9-]{1,64}$`) as a string literal. */
export function plantIdLiteral(plantId: unknown): Sql {
  if (typeof plantId !== 'string' || !PLANT_ID_PATTERN.test(plantId))
    throw new InvalidMetricsQueryError('plantId', plantId, `must match ${PLANT_ID_PATTERN}`);
  return stringLiteral(plantId);
}

/** A line (the contract's pattern, `^[A-Za-z0-9._:-]{1,64}$`) as a string literal. */
export function lineLiteral(line: unknown): Sql {
  if (typeof line !== 'string' || !LINE_PATTERN.test(line))
    throw new InvalidMetricsQueryError('line', line, `must match ${LINE_PATTERN}`);
  return stringLiteral(line);
}

/**
 * A string constant of the code (a LIKE pattern, a measure name, a regular
 * expression built from measure codes). Never for caller input, but safe even
 * so: printable ASCII without quotes only.
 */
export function textConstant(value: string): Sql {
  if (typeof value !== 'string') throw new RangeError('a text constant must be a string');
  return stringLiteral(value);
}

/** A safe integer, as a numeric literal. */
export function integerLiteral(value: number): Sql {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${String(value)}`);
  return trusted(String(value));
}

/**
 * Latest instant a query can name: Timestream keeps time as signed 64-bit
 * nanoseconds, so 2^63 - 1 ns, in whole milliseconds (2262-04-11).
 */
export const MAX_QUERY_TIME_MS = 9_223_372_036_854;

/** `from_milliseconds(<ms>)` for an integer epoch-ms instant in [0, MAX_QUERY_TIME_MS]. */
export function epochMsLiteral(field: string, ms: number): Sql {
  if (!(Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_QUERY_TIME_MS))
    throw new InvalidMetricsQueryError(
      field,
      ms,
      `must be integer epoch milliseconds in [0, ${MAX_QUERY_TIME_MS}]`,
    );
  return trusted(`from_milliseconds(${ms})`);
}
