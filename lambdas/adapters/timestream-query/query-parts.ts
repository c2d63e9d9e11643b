/**
 * The SQL fragments of TimestreamMetricsReader's queries, the checks of its
 * arguments, and the `q` quality entries (docs/timestream-reads.md).
 */
import { isMetricName, type MetricName } from '../../domain/catalog.ts';
import { KPI_COUNTER_METRICS } from '../../domain/kpis.ts';
import { BASE_VERSION } from '../../domain/ports.ts';
import type { Quality } from '../../domain/telemetry.ts';
import { once } from '../once.ts';
import {
  encodeQualities,
  FAMILY_PREFIX,
  METRIC_CODES,
  MOVEMENT_MEASURE_NAME,
  MOVEMENT_MEASURES,
  MOVEMENTS_DIMENSIONS,
  QUALITY_MEASURE,
  READINGS_DIMENSIONS,
  VERSION_MEASURE,
} from '../timestream/records.ts';
import { InvalidMetricsQueryError } from './errors.ts';
import {
  identifier,
  integerLiteral,
  joinSql,
  MAX_QUERY_TIME_MS,
  type Sql,
  sql,
  textConstant,
} from './sql.ts';

// The SQL fragments are built by buildSqlParts on the first reader's construction, not at module
// load: a lake bundle evaluates this module's top level too, and esbuild keeps every tagged
// template and call there (docs/bundles.md). Nothing below runs before a reader exists.
// Importers see the values through ESM live bindings once buildSqlParts has run.
let PLANT_DIMENSION: string;
let LINE_DIMENSION: string;
let TICKET_DIMENSION: string;
export let READING_DIMENSIONS: readonly string[];
export let MOVEMENT_ROLES: ColumnRoles;
export let COMMA: Sql;
export let PLANT: Sql;
export let LINE: Sql;
export let TICKET: Sql;
export let Q: Sql;
export let V: Sql;
export let FAMILY_PATTERN: Sql;
export let MOVEMENT_NAME: Sql;
export let COUNTER_CODES: readonly string[];
export let BASE: Sql;
let TYPED_NULL: Readonly<Record<NullableType, Sql>>;

export function buildSqlParts(): void {
  if (COMMA !== undefined) return;
  [PLANT_DIMENSION, LINE_DIMENSION] = READINGS_DIMENSIONS;
  TICKET_DIMENSION = MOVEMENTS_DIMENSIONS[1];
  READING_DIMENSIONS = [PLANT_DIMENSION, LINE_DIMENSION];
  MOVEMENT_ROLES = {
    required: [
      ...MOVEMENTS_DIMENSIONS,
      MOVEMENT_MEASURES.netTonnes,
      MOVEMENT_MEASURES.direction,
      MOVEMENT_MEASURES.material,
    ],
    optional: [MOVEMENT_MEASURES.destination, MOVEMENT_MEASURES.operationCode, VERSION_MEASURE],
  };
  COMMA = sql`, `;
  PLANT = identifier(PLANT_DIMENSION);
  LINE = identifier(LINE_DIMENSION);
  TICKET = identifier(TICKET_DIMENSION);
  Q = identifier(QUALITY_MEASURE);
  V = identifier(VERSION_MEASURE);
  FAMILY_PATTERN = textConstant(`${FAMILY_PREFIX}%`);
  MOVEMENT_NAME = textConstant(MOVEMENT_MEASURE_NAME);
  COUNTER_CODES = KPI_COUNTER_METRICS.map((metric) => METRIC_CODES[metric].code);
  BASE = integerLiteral(BASE_VERSION);
  TYPED_NULL = {
    VARCHAR: sql`CAST(NULL AS VARCHAR)`,
    BIGINT: sql`CAST(NULL AS BIGINT)`,
    DOUBLE: sql`CAST(NULL AS DOUBLE)`,
  };
}

type NullableType = 'VARCHAR' | 'BIGINT' | 'DOUBLE';

/** A measure column as an expression: the column, or a typed NULL while the table does not have it. */
export function measureRef(name: string, type: NullableType, absent: ReadonlySet<string>): Sql {
  return absent.has(name) ? TYPED_NULL[type] : identifier(name);
}

/** A measure column in a SELECT list, always under its own name. */
export function measureColumn(name: string, type: NullableType, absent: ReadonlySet<string>): Sql {
  return absent.has(name) ? sql`${TYPED_NULL[type]} AS ${identifier(name)}` : identifier(name);
}

export function timeFilter(from: Sql, to: Sql): Sql {
  return sql`time >= ${from} AND time < ${to}`;
}

/** The `q` entry that marks `metric` with `quality` (records.ts `encodeQualities`: `<code><letter>`). */
function qualityEntry(metric: MetricName, quality: Exclude<Quality, 'GOOD'>): string {
  const entry = encodeQualities([[metric, quality]]);
  if (entry === undefined || !/^[A-Za-z0-9]+$/.test(entry))
    throw new Error(
      `records.ts encodes ${quality} of ${metric} as ${JSON.stringify(entry)}, not <code><letter>`,
    );
  return entry;
}

// Built on first use (once), like the SQL fragments above.
const qualityEntries = /* @__PURE__ */ once(
  () =>
    new Map(
      (Object.keys(METRIC_CODES) as MetricName[]).map((metric) => [
        metric,
        { BAD: qualityEntry(metric, 'BAD'), UNCERTAIN: qualityEntry(metric, 'UNCERTAIN') },
      ]),
    ),
);

export function entriesOf(metric: MetricName): { BAD: string; UNCERTAIN: string } {
  const entries = qualityEntries().get(metric);
  if (entries === undefined) throw new Error(`no quality entries for ${metric}`);
  return entries;
}

/** The quality of `metric` in a `q` value: entries are comma separated; BAD wins over UNCERTAIN. */
export function qualityIn(q: string | undefined, metric: MetricName): Quality {
  if (q === undefined) return 'GOOD';
  const entries = new Set(q.split(','));
  const { BAD, UNCERTAIN } = entriesOf(metric);
  if (entries.has(BAD)) return 'BAD';
  if (entries.has(UNCERTAIN)) return 'UNCERTAIN';
  return 'GOOD';
}

/** A regular expression matching a `q` value that holds one of `entries` (the SQL twin of `qualityIn`). */
export function qualityPattern(...entries: readonly string[]): string {
  return `(^|,)(${entries.join('|')})(,|$)`;
}

/**
 * An epoch-ms bound as the integer bound that selects the same stored
 * (integer) times: `ts >= x` is `ts >= ceil(x)` and `ts < x` is
 * `ts < ceil(x)`; bounds beyond the representable times clamp.
 */
export function bound(field: string, ms: unknown): number {
  if (typeof ms !== 'number' || Number.isNaN(ms))
    throw new InvalidMetricsQueryError(field, ms, 'must be a number of epoch milliseconds');
  return Math.ceil(Math.min(Math.max(ms, 0), MAX_QUERY_TIME_MS));
}

export function checkMetric(metric: unknown): MetricName {
  if (typeof metric !== 'string' || !isMetricName(metric) || !Object.hasOwn(METRIC_CODES, metric))
    throw new InvalidMetricsQueryError('metric', metric, 'must be a metric of the catalog');
  return metric;
}

/** The measure columns a query names, by role. */
export interface ColumnRoles {
  /** Every matching record has them: while one is missing from the table, there is nothing to find. */
  readonly required: readonly string[];
  /** Some records lack them: while one is missing from the table, it is read as NULL. */
  readonly optional: readonly string[];
  /** At least one must exist: while all are missing, there is nothing to find. */
  readonly anyOf?: readonly string[];
}

/** The columns of a reading of one metric: line, record, time, value, quality, version. */
export function readingColumns(code: string, absent: ReadonlySet<string>): Sql {
  return joinSql(
    [
      LINE,
      sql`measure_name`,
      sql`time`,
      identifier(code),
      measureColumn(QUALITY_MEASURE, 'VARCHAR', absent),
      measureColumn(VERSION_MEASURE, 'BIGINT', absent),
    ],
    COMMA,
  );
}
