/**
 * The read half of the metrics store on Timestream for LiveAnalytics, with
 * the DuckDB adapter's semantics (duckdb-metrics-store.ts) over the record
 * design of the write side (../timestream/records.ts).
 *
 * Record design, as read back:
 * - readings: one multi-measure record per (plant, line, ts, version, family
 *   of metrics); a metric's value is the column named after its code
 *   (METRIC_CODES), NULL in records of other families; `q` lists the
 *   non-GOOD qualities, `v` the version when it is not 1. A reading can sit
 *   in several records (a correction in its own record, or two messages with
 *   different metric sets at the same instant), so readers keep, per (line,
 *   ts), the highest `v`. Two records of one version that disagree only arise
 *   from separate writes, which DuckDB settles first-come-first-kept (the
 *   later one is a conflict) but Timestream stores side by side; the reader
 *   then keeps the smallest value and, for equal values, the worst quality: a
 *   deterministic choice, the same in SQL (readLastBefore) and in TypeScript.
 * - movements: one record per ticket version; a correction that moves the
 *   ticket's ts leaves the older record in place, so readers keep the highest
 *   `v` per ticket (equal versions: the smallest movement fingerprint, as the
 *   writers order variants).
 *
 * SQL is built by ./sql.ts only, from validated values (no caller string
 * reaches the text; invalid arguments throw `InvalidMetricsQueryError` before
 * any call). Results are read by column name and type (./result-rows.ts).
 *
 * Cost (docs/reference/aws-limits.md section 1.2: queries are billed in TCU time, per
 * second with a 30 s minimum per query, so both the work a query does and the
 * number of queries count):
 * - every query names one plant and a closed time range, and the time
 *   predicate comes first with literal `from_milliseconds(<int>)` bounds and
 *   no function around `time`, so Timestream prunes to the partitions of that
 *   range before anything else; the plant dimension narrows it further;
 * - one query per call (NextToken pages continue the same run, they do not
 *   start a new one); an empty range sends no query at all;
 * - only the columns needed are selected, and there is no ORDER BY (sorting
 *   happens here, on rows already fetched);
 * - readLastBefore looks back a bounded window (`lastBeforeLookbackMs`, 7
 *   days by default) instead of "everything before", which for a line that
 *   went quiet would scan the table's whole history, and reduces to one row
 *   per line in SQL;
 * - readMovements scans the small movements table `ticketShiftHorizonMs`
 *   around the range (see below).
 *
 * KPI rollup (docs/kpi-rollup.md). KPIs over weeks or months are not
 * computed from raw readings: with `rollup` set, `readKpiCounterSlots` reads
 * per-slot counter summaries (15 minutes, lambdas/domain/kpi-rollup.ts) from
 * the rollup table (DynamoDB), and only the slots that are not current there
 * (the open slot and the unsettled ones, 20 to 35 minutes back; slots of
 * late data until they settle, 6 h 20 min for the magnetic store; slots
 * older than the rollup) from raw readings, in one query per range of such
 * slots (`readCounterReadings`, all four counters at once, at most
 * `maxRawRanges` queries). The lookback
 * of the first bucket's predecessor comes from the same summaries. Not a
 * Timestream scheduled query: one cannot reproduce counterSteps exactly
 * (version resolution, exact sums, resets across its window) and handles late
 * data only by re-running fixed windows ("catch-up" runs or manual
 * executions, per the Timestream guide on late-arriving data); here the
 * processor marks the slots a write touches and the scheduled job re-rolls
 * exactly those, after they settle (Timestream reads are eventually
 * consistent; magnetic-store writes become queryable within 6 hours).
 *
 * What a 30-day daily KPI request of one plant costs (the fleet of
 * docs/reference/aws-limits.md section 9: 500 sensors per plant in 10 lines at 10 s, so
 * 86,400 readings records per plant and day; a scanned record costs about
 * 31 B for one counter column with time, line and measure_name, about 55 B
 * with all four counters; [model]: Timestream does not document its scan
 * layout):
 * - raw: 9 queries (4 counters over 30 days, 4 predecessors over the 7-day
 *   lookback, the movements): 4 x 2.59 M records x 31 B + 4 x 0.60 M x 31 B
 *   = about 0.40 GB scanned;
 * - rollup: 2 queries (the unsettled tail, 2 to 4 slots: at most 3,600
 *   records, 0.2 MB; the movements, about 0.3 MB) plus one DynamoDB query
 *   of 37 x 96 = 3,552 slot items of about 0.5 KB (1.8 MB, about 440 read
 *   units, $0.00006 at $0.125 per million);
 * - under TCU pricing each query occupies at least 4 TCUs, billed per second
 *   with a 30 s minimum: one request is at least 4 TCU x 30 s = 120
 *   TCU-seconds either way; beyond that minimum TCU time grows with the
 *   data processed [model], and the raw path processes about 800 times as
 *   much (0.40 GB against 0.5 MB), which is what counts under load (the
 *   alert engine computes daily KPIs after every batch); under the older
 *   per-byte pricing ($0.01 per GB, 10 MB minimum per query) the request
 *   costs $0.0041 against $0.0002.
 *
 * Where the answer can differ from DuckDB's, by design:
 * - arguments outside the contract (plant id, line, metric, NaN times) throw
 *   `InvalidMetricsQueryError` where DuckDB would find nothing;
 * - readLastBefore ignores readings older than the lookback;
 * - readMovements resolves a ticket's versions among the records within
 *   `ticketShiftHorizonMs` of the range: a correction that moved a ticket's
 *   ts further than that is not seen;
 * - the choice between same-version records of separate writes (above).
 *
 * A multi-measure column exists in a table only once some record carried it
 * (`v` only after the first correction, `q` after the first non-GOOD
 * reading), and Timestream refuses a query naming an unknown column with a
 * ValidationException ("Column 'v' does not exist"; wording [unverified]).
 * The reader then reruns the query with a typed NULL in its place, or answers
 * with no rows when the missing column is one every matching record has.
 *
 * Errors: throttling, 5xx, network faults and query timeouts are the domain's
 * `UnavailableError`; any other refusal (ValidationException,
 * AccessDeniedException, ResourceNotFoundException, ...) is a
 * `TimestreamQueryError`. The composition root creates the client once at
 * module scope; SDK retries (standard mode) cover brief throttling.
 */
import { QueryCommand, type TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import {
  checkRollupLookback,
  DEFAULT_MAX_RAW_RANGES,
  misplacedSlotBound,
  readKpiCounterSlots,
} from '../../app/kpi-counter-slots.ts';
import { canonicalUnitOf, isMetricName, METRICS, type MetricName } from '../../domain/catalog.ts';
import type { KpiCounterSlots, KpiRollupReader } from '../../domain/kpi-rollup.ts';
import { KPI_COUNTER_METRICS, type KpiCounterMetric } from '../../domain/kpis.ts';
import {
  BASE_VERSION,
  type MetricsStore,
  type SeriesQuery,
  type StoredMovement,
  type StoredReading,
  UnavailableError,
} from '../../domain/ports.ts';
import { DESTINATIONS, DIRECTIONS, MATERIALS, type Quality } from '../../domain/telemetry.ts';
import { lastGoodPerLine, latestMovements, latestReadings } from '../latest-versions.ts';
import { once } from '../once.ts';
import { positiveOption } from '../options.ts';
import {
  encodeQualities,
  FAMILY_PREFIX,
  METRIC_CODES,
  MOVEMENT_MEASURE_NAME,
  MOVEMENT_MEASURES,
  MOVEMENTS_DIMENSIONS,
  metricsOfFamily,
  movementOfRow,
  QUALITY_MEASURE,
  READINGS_DIMENSIONS,
  VERSION_MEASURE,
} from '../timestream/records.ts';
import { isTransient } from '../timestream/timestream-metrics-writer.ts';
import { InvalidMetricsQueryError, TimestreamQueryError } from './errors.ts';
import { columnsOf, type ResultRow, resultRows } from './result-rows.ts';
import {
  checkResourceName,
  epochMsLiteral,
  identifier,
  integerLiteral,
  joinSql,
  lineLiteral,
  MAX_QUERY_TIME_MS,
  plantIdLiteral,
  type Sql,
  sql,
  tableRef,
  textConstant,
} from './sql.ts';

const DAY_MS = 86_400_000;

/** How far back readLastBefore looks. */
export const DEFAULT_LAST_BEFORE_LOOKBACK_MS = 7 * DAY_MS;
/** How far a ticket correction may move the ticket's ts and still be seen by readMovements. */
export const DEFAULT_TICKET_SHIFT_HORIZON_MS = 7 * DAY_MS;
/** Pages of one query before the reader gives up (a 1 MB page each: far beyond any answer here). */
export const DEFAULT_MAX_PAGES = 1000;

/** The rollup merge is shared with the lake reader (lambdas/app/kpi-counter-slots.ts). */
export { DEFAULT_MAX_RAW_RANGES, rawRanges } from '../../app/kpi-counter-slots.ts';
/** Kept for the modules that import them from here (they are store-neutral: ../latest-versions.ts). */
export { lastGoodPerLine, latestMovements, latestReadings } from '../latest-versions.ts';

export interface TimestreamMetricsReaderProps {
  /** Created once by the composition root. */
  readonly client: TimestreamQueryClient;
  /** 3 to 256 characters of [A-Za-z0-9_.-]. */
  readonly databaseName: string;
  readonly readingsTableName: string;
  readonly movementsTableName: string;
  /** readLastBefore ignores readings older than `before` minus this. @default 7 days */
  readonly lastBeforeLookbackMs?: number;
  /** readMovements sees ticket corrections that moved the ts by at most this. @default 7 days */
  readonly ticketShiftHorizonMs?: number;
  /** @default 1000 */
  readonly maxPages?: number;
  /**
   * The KPI rollup (kpi-rollup.ts). With it the reader offers
   * `readKpiCounterSlots`: current slots from the rollup, the others from raw
   * readings. `lastBeforeLookbackMs` must then be a multiple of 15 minutes.
   * @default none: KPIs are computed from raw readings
   */
  readonly rollup?: KpiRollupReader;
  /** Raw reads (queries) one `readKpiCounterSlots` may make at most; nearby slot ranges merge. @default 4 */
  readonly maxRawRanges?: number;
}

const TIME_COLUMN = 'time';
const MEASURE_NAME_COLUMN = 'measure_name';

// The SQL fragments are built by buildSqlParts on the first reader's construction, not at module
// load: a lake bundle evaluates this module's top level too, and esbuild keeps every tagged
// template and call there (docs/bundles.md). Nothing below runs before a reader exists.
let PLANT_DIMENSION: string;
let LINE_DIMENSION: string;
let TICKET_DIMENSION: string;
let READING_DIMENSIONS: readonly string[];
let MOVEMENT_ROLES: ColumnRoles;
let COMMA: Sql;
let PLANT: Sql;
let LINE: Sql;
let TICKET: Sql;
let Q: Sql;
let V: Sql;
let FAMILY_PATTERN: Sql;
let MOVEMENT_NAME: Sql;
let COUNTER_CODES: readonly string[];
let BASE: Sql;
let TYPED_NULL: Readonly<Record<NullableType, Sql>>;

function buildSqlParts(): void {
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
function measureRef(name: string, type: NullableType, absent: ReadonlySet<string>): Sql {
  return absent.has(name) ? TYPED_NULL[type] : identifier(name);
}

/** A measure column in a SELECT list, always under its own name. */
function measureColumn(name: string, type: NullableType, absent: ReadonlySet<string>): Sql {
  return absent.has(name) ? sql`${TYPED_NULL[type]} AS ${identifier(name)}` : identifier(name);
}

function timeFilter(from: Sql, to: Sql): Sql {
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

function entriesOf(metric: MetricName): { BAD: string; UNCERTAIN: string } {
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
function bound(field: string, ms: unknown): number {
  if (typeof ms !== 'number' || Number.isNaN(ms))
    throw new InvalidMetricsQueryError(field, ms, 'must be a number of epoch milliseconds');
  return Math.ceil(Math.min(Math.max(ms, 0), MAX_QUERY_TIME_MS));
}

function checkMetric(metric: unknown): MetricName {
  if (typeof metric !== 'string' || !isMetricName(metric) || !Object.hasOwn(METRIC_CODES, metric))
    throw new InvalidMetricsQueryError('metric', metric, 'must be a metric of the catalog');
  return metric;
}

interface ErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
}

const shapeOf = (error: unknown): ErrorShape => (typeof error === 'object' && error !== null ? error : {});

/** Wording after Presto/Trino, whose SQL front end Timestream uses [unverified]. */
const MISSING_COLUMN = /column '"?([A-Za-z0-9_]+)"?' (?:does not exist|cannot be resolved)/i;

/** The column a ValidationException says the table does not have, if that is what it says. */
export function missingColumnOf(error: unknown): string | undefined {
  const e = shapeOf(error);
  if (e.name !== 'ValidationException') return undefined;
  return MISSING_COLUMN.exec(String(e.message))?.[1];
}

/** Throttling, 5xx, network faults, and queries that ran out of time: worth retrying later. */
export function isUnavailable(error: unknown): boolean {
  const e = shapeOf(error);
  if (isTransient(error)) return true;
  return e.name === 'QueryExecutionException' && /timed? ?out|timeout/i.test(String(e.message));
}

/** The measure columns a query names, by role. */
interface ColumnRoles {
  /** Every matching record has them: while one is missing from the table, there is nothing to find. */
  readonly required: readonly string[];
  /** Some records lack them: while one is missing from the table, it is read as NULL. */
  readonly optional: readonly string[];
  /** At least one must exist: while all are missing, there is nothing to find. */
  readonly anyOf?: readonly string[];
}

export class TimestreamMetricsReader
  implements Pick<MetricsStore, 'readReadings' | 'readLastBefore' | 'readMovements' | 'readKpiCounterSlots'>
{
  /** Present only with a rollup (see the header): kpi-query.ts reads raw readings otherwise. */
  readonly readKpiCounterSlots?: (plantId: string, from: number, to: number) => Promise<KpiCounterSlots>;
  private readonly readings: Sql;
  private readonly movements: Sql;
  private readonly lookbackMs: number;
  private readonly horizonMs: number;
  private readonly maxPages: number;
  private readonly maxRawRanges: number;

  constructor(private readonly props: TimestreamMetricsReaderProps) {
    buildSqlParts();
    checkResourceName('databaseName', props.databaseName);
    checkResourceName('readingsTableName', props.readingsTableName);
    checkResourceName('movementsTableName', props.movementsTableName);
    this.readings = tableRef(props.databaseName, props.readingsTableName);
    this.movements = tableRef(props.databaseName, props.movementsTableName);
    this.lookbackMs = positiveOption(
      'lastBeforeLookbackMs',
      props.lastBeforeLookbackMs,
      DEFAULT_LAST_BEFORE_LOOKBACK_MS,
      true,
    );
    this.horizonMs = positiveOption(
      'ticketShiftHorizonMs',
      props.ticketShiftHorizonMs,
      DEFAULT_TICKET_SHIFT_HORIZON_MS,
      true,
    );
    this.maxPages = positiveOption('maxPages', props.maxPages, DEFAULT_MAX_PAGES, true);
    this.maxRawRanges = positiveOption('maxRawRanges', props.maxRawRanges, DEFAULT_MAX_RAW_RANGES, true);
    const rollup = props.rollup;
    if (rollup !== undefined) {
      checkRollupLookback(this.lookbackMs);
      this.readKpiCounterSlots = (plantId, from, to) => this.counterSlots(rollup, plantId, from, to);
    }
  }

  /**
   * Every reading of the KPI counters in [from, to) (every quality, latest
   * version of each), in one query: the raw side of the KPI rollup.
   */
  async readCounterReadings(plantId: string, from: number, to: number): Promise<StoredReading[]> {
    const plant = plantIdLiteral(plantId);
    const lo = bound('from', from);
    const hi = bound('to', to);
    if (lo >= hi) return [];
    const rows = await this.select(
      this.props.readingsTableName,
      { required: READING_DIMENSIONS, optional: [QUALITY_MEASURE, VERSION_MEASURE], anyOf: COUNTER_CODES },
      (absent) => {
        const present = COUNTER_CODES.filter((code) => !absent.has(code));
        const columns = joinSql(
          [
            LINE,
            sql`measure_name`,
            sql`time`,
            ...COUNTER_CODES.map((code) => measureColumn(code, 'DOUBLE', absent)),
            measureColumn(QUALITY_MEASURE, 'VARCHAR', absent),
            measureColumn(VERSION_MEASURE, 'BIGINT', absent),
          ],
          COMMA,
        );
        const anyCounter = joinSql(
          present.map((code) => sql`${identifier(code)} IS NOT NULL`),
          sql` OR `,
        );
        return sql`SELECT ${columns} FROM ${this.readings} WHERE ${timeFilter(epochMsLiteral('from', lo), epochMsLiteral('to', hi))} AND ${PLANT} = ${plant} AND measure_name LIKE ${FAMILY_PATTERN} AND (${anyCounter})`;
      },
    );
    const perMetric = new Map<KpiCounterMetric, StoredReading[]>(KPI_COUNTER_METRICS.map((m) => [m, []]));
    for (const reading of this.convert(rows, (row) => counterReadingsOfRow(row, plantId)).flat())
      perMetric.get(reading.metric as KpiCounterMetric)?.push(reading);
    return [...perMetric.values()].flatMap(latestReadings);
  }

  /** Checks the arguments before any call, then merges the rollup with raw reads, tickets too (kpi-counter-slots.ts). */
  private async counterSlots(
    rollup: KpiRollupReader,
    plantId: string,
    from: number,
    to: number,
  ): Promise<KpiCounterSlots> {
    plantIdLiteral(plantId);
    const misplaced = misplacedSlotBound(from, to, MAX_QUERY_TIME_MS);
    if (misplaced) throw new InvalidMetricsQueryError(misplaced.field, misplaced.value, misplaced.reason);
    return readKpiCounterSlots(
      {
        rollup,
        readCounterReadings: (p, lo, hi) => this.readCounterReadings(p, lo, hi),
        readMovements: (p, lo, hi) => this.readMovements(p, lo, hi),
        ticketHorizonMs: this.horizonMs,
        lookbackMs: this.lookbackMs,
        maxRawRanges: this.maxRawRanges,
      },
      plantId,
      from,
      to,
    );
  }

  async readReadings(query: SeriesQuery): Promise<StoredReading[]> {
    const plant = plantIdLiteral(query.plantId);
    const line = query.line === undefined ? undefined : lineLiteral(query.line);
    const metric = checkMetric(query.metric);
    const from = bound('from', query.from);
    const to = bound('to', query.to);
    if (from >= to) return [];
    const code = METRIC_CODES[metric].code;
    const lineFilter = line === undefined ? sql`` : sql` AND ${LINE} = ${line}`;
    const rows = await this.select(
      this.props.readingsTableName,
      { required: [...READING_DIMENSIONS, code], optional: [QUALITY_MEASURE, VERSION_MEASURE] },
      (absent) =>
        sql`SELECT ${readingColumns(code, absent)} FROM ${this.readings} WHERE ${timeFilter(epochMsLiteral('from', from), epochMsLiteral('to', to))} AND ${PLANT} = ${plant}${lineFilter} AND measure_name LIKE ${FAMILY_PATTERN} AND ${identifier(code)} IS NOT NULL`,
    );
    return latestReadings(this.convert(rows, (row) => readingOf(row, query.plantId, metric)));
  }

  async readLastBefore(plantId: string, metric: MetricName, before: number): Promise<StoredReading[]> {
    const plant = plantIdLiteral(plantId);
    const checked = checkMetric(metric);
    const to = bound('before', before);
    if (to <= 0) return [];
    const from = Math.max(0, to - this.lookbackMs);
    const code = METRIC_CODES[checked].code;
    const value = identifier(code);
    const { BAD, UNCERTAIN } = entriesOf(checked);
    const plain = joinSql([LINE, sql`measure_name`, sql`time`, value, Q, V], COMMA);
    const rows = await this.select(
      this.props.readingsTableName,
      { required: [...READING_DIMENSIONS, code], optional: [QUALITY_MEASURE, VERSION_MEASURE] },
      (absent) => {
        const q = measureRef(QUALITY_MEASURE, 'VARCHAR', absent);
        const v = measureRef(VERSION_MEASURE, 'BIGINT', absent);
        // Same order as readingWins: the record that holds the reading's current content ranks 1.
        const severity = sql`CASE WHEN regexp_like(${q}, ${textConstant(qualityPattern(BAD))}) THEN 2 WHEN regexp_like(${q}, ${textConstant(qualityPattern(UNCERTAIN))}) THEN 1 ELSE 0 END`;
        const versions = sql`SELECT ${readingColumns(code, absent)}, row_number() OVER (PARTITION BY ${LINE}, time ORDER BY coalesce(${v}, ${BASE}) DESC, ${value} ASC, ${severity} DESC) AS pick FROM ${this.readings} WHERE ${timeFilter(epochMsLiteral('from', from), epochMsLiteral('before', to))} AND ${PLANT} = ${plant} AND measure_name LIKE ${FAMILY_PATTERN} AND ${value} IS NOT NULL`;
        const good = sql`SELECT ${plain}, row_number() OVER (PARTITION BY ${LINE} ORDER BY time DESC) AS recency FROM (${versions}) AS versions WHERE pick = 1 AND NOT coalesce(regexp_like(${Q}, ${textConstant(qualityPattern(BAD, UNCERTAIN))}), false)`;
        return sql`SELECT ${plain} FROM (${good}) AS good WHERE recency = 1`;
      },
    );
    // The SQL already did this; doing it again makes the answer independent of how far the engine went.
    return lastGoodPerLine(this.convert(rows, (row) => readingOf(row, plantId, checked)));
  }

  async readMovements(plantId: string, from: number, to: number): Promise<StoredMovement[]> {
    const plant = plantIdLiteral(plantId);
    const lo = bound('from', from);
    const hi = bound('to', to);
    if (lo >= hi) return [];
    const wideFrom = Math.max(0, lo - this.horizonMs);
    const wideTo = Math.min(MAX_QUERY_TIME_MS, hi + this.horizonMs);
    const rows = await this.select(this.props.movementsTableName, MOVEMENT_ROLES, (absent) => {
      const columns = joinSql(
        [
          TICKET,
          sql`time`,
          identifier(MOVEMENT_MEASURES.netTonnes),
          identifier(MOVEMENT_MEASURES.direction),
          identifier(MOVEMENT_MEASURES.material),
          measureColumn(MOVEMENT_MEASURES.destination, 'VARCHAR', absent),
          measureColumn(MOVEMENT_MEASURES.operationCode, 'VARCHAR', absent),
          measureColumn(VERSION_MEASURE, 'BIGINT', absent),
        ],
        COMMA,
      );
      const inRange = sql`SELECT ${TICKET} FROM ${this.movements} WHERE ${timeFilter(epochMsLiteral('from', lo), epochMsLiteral('to', hi))} AND ${PLANT} = ${plant} AND measure_name = ${MOVEMENT_NAME}`;
      return sql`SELECT ${columns} FROM ${this.movements} WHERE ${timeFilter(epochMsLiteral('from', wideFrom), epochMsLiteral('to', wideTo))} AND ${PLANT} = ${plant} AND measure_name = ${MOVEMENT_NAME} AND ${TICKET} IN (${inRange})`;
    });
    return latestMovements(this.convert(rows, (row) => movementOf(row, plantId))).filter(
      (m) => m.ts >= lo && m.ts < hi,
    );
  }

  private convert<T>(rows: readonly ResultRow[], convert: (row: ResultRow) => T): T[] {
    return rows.map((row, index) => {
      try {
        return convert(row);
      } catch (error) {
        if (error instanceof TimestreamQueryError) throw error;
        throw new TimestreamQueryError(
          `result row ${index} is not a stored item: ${String(error)}`,
          undefined,
          {
            cause: error,
          },
        );
      }
    });
  }

  /**
   * Runs the query `build` makes, rebuilding it without a measure column the
   * table turns out not to have (see the header); while a required column
   * is missing, the answer is no rows, without a query.
   */
  private async select(
    tableName: string,
    roles: ColumnRoles,
    build: (absent: ReadonlySet<string>) => Sql,
  ): Promise<ResultRow[]> {
    const absent = new Set<string>();
    for (;;) {
      if (roles.required.some((column) => absent.has(column))) return [];
      if (roles.anyOf?.every((column) => absent.has(column))) return [];
      const query = build(absent);
      try {
        return await this.pages(query);
      } catch (error) {
        const column = missingColumnOf(error);
        const known =
          column !== undefined &&
          [...roles.required, ...roles.optional, ...(roles.anyOf ?? [])].includes(column);
        if (column === undefined || !known || absent.has(column))
          throw this.translate(error, query, tableName);
        absent.add(column);
      }
    }
  }

  /** Every page of one query run, following NextToken with the same query text. */
  private async pages(query: Sql): Promise<ResultRow[]> {
    const rows: ResultRow[] = [];
    let columns: ReturnType<typeof columnsOf> | undefined;
    let nextToken: string | undefined;
    for (let page = 1; ; page++) {
      if (page > this.maxPages)
        throw new TimestreamQueryError(`the query returned more than ${this.maxPages} pages`, query.text);
      const output = await this.props.client.send(
        new QueryCommand(
          nextToken === undefined
            ? { QueryString: query.text }
            : { QueryString: query.text, NextToken: nextToken },
        ),
      );
      if (output.ColumnInfo !== undefined) columns = columnsOf(output.ColumnInfo);
      rows.push(...resultRows(columns, output.Rows ?? []));
      nextToken = output.NextToken;
      if (nextToken === undefined || nextToken === '') return rows;
    }
  }

  private translate(error: unknown, query: Sql, tableName: string): Error {
    if (error instanceof TimestreamQueryError || error instanceof UnavailableError) return error;
    const e = shapeOf(error);
    const where = `${this.props.databaseName}.${tableName}`;
    const what = `${String(e.name)}: ${String(e.message)}`;
    if (isUnavailable(error))
      return new UnavailableError(`Timestream query on ${where} is unavailable (${what})`, 5, {
        cause: error,
      });
    return new TimestreamQueryError(`Timestream refused the query on ${where} (${what})`, query.text, {
      cause: error,
    });
  }
}

function readingColumns(code: string, absent: ReadonlySet<string>): Sql {
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

function versionOf(row: ResultRow): number {
  const version = row.optionalInteger(VERSION_MEASURE) ?? BASE_VERSION;
  if (version < BASE_VERSION)
    throw new TimestreamQueryError(`stored version ${version} is below ${BASE_VERSION}`);
  return version;
}

function readingOf(row: ResultRow, plantId: string, metric: MetricName): StoredReading {
  const measureName = row.text(MEASURE_NAME_COLUMN);
  // A family this code cannot decode (a metric appended by a newer writer) still holds the metric's column.
  const family = metricsOfFamily(measureName);
  if (!measureName.startsWith(FAMILY_PREFIX) || (family !== undefined && !family.includes(metric)))
    throw new TimestreamQueryError(`record ${measureName} does not hold ${metric}`);
  const version = versionOf(row);
  return {
    plantId,
    line: row.text(LINE_DIMENSION),
    metric,
    kind: METRICS[metric].kind,
    ts: row.timeMs(TIME_COLUMN),
    value: row.number(METRIC_CODES[metric].code),
    unit: canonicalUnitOf(metric),
    quality: qualityIn(row.optionalText(QUALITY_MEASURE), metric),
    correction: version > BASE_VERSION,
    version,
  };
}

/** The KPI counter readings one record holds (the counters its family has). */
function counterReadingsOfRow(row: ResultRow, plantId: string): StoredReading[] {
  const measureName = row.text(MEASURE_NAME_COLUMN);
  const family = metricsOfFamily(measureName);
  if (!measureName.startsWith(FAMILY_PREFIX))
    throw new TimestreamQueryError(`record ${measureName} is not a readings record`);
  const q = row.optionalText(QUALITY_MEASURE);
  const readings: StoredReading[] = [];
  for (const metric of KPI_COUNTER_METRICS) {
    const value = row.optionalNumber(METRIC_CODES[metric].code);
    if (value === undefined) continue;
    if (family !== undefined && !family.includes(metric))
      throw new TimestreamQueryError(`record ${measureName} does not hold ${metric}`);
    const version = versionOf(row);
    readings.push({
      plantId,
      line: row.text(LINE_DIMENSION),
      metric,
      kind: METRICS[metric].kind,
      ts: row.timeMs(TIME_COLUMN),
      value,
      unit: canonicalUnitOf(metric),
      quality: qualityIn(q, metric),
      correction: version > BASE_VERSION,
      version,
    });
  }
  return readings;
}

function movementOf(row: ResultRow, plantId: string): StoredMovement {
  // Typed reads check each column's type and value before movementOfRow reads the text.
  const measures: Record<string, string> = {
    [MOVEMENT_MEASURES.netTonnes]: String(row.number(MOVEMENT_MEASURES.netTonnes)),
    [MOVEMENT_MEASURES.direction]: row.text(MOVEMENT_MEASURES.direction),
    [MOVEMENT_MEASURES.material]: row.text(MOVEMENT_MEASURES.material),
    [VERSION_MEASURE]: String(versionOf(row)),
  };
  for (const name of [MOVEMENT_MEASURES.destination, MOVEMENT_MEASURES.operationCode]) {
    const value = row.optionalText(name);
    if (value !== undefined) measures[name] = value;
  }
  const movement = movementOfRow({
    dimensions: { [MOVEMENTS_DIMENSIONS[0]]: plantId, [TICKET_DIMENSION]: row.text(TICKET_DIMENSION) },
    time: row.timeMs(TIME_COLUMN),
    measureName: MOVEMENT_MEASURE_NAME,
    measures,
  });
  if (!DIRECTIONS.includes(movement.direction))
    throw new TimestreamQueryError(`stored direction ${JSON.stringify(movement.direction)} is not known`);
  if (!MATERIALS.includes(movement.material))
    throw new TimestreamQueryError(`stored material ${JSON.stringify(movement.material)} is not known`);
  if (movement.destination !== undefined && !DESTINATIONS.includes(movement.destination))
    throw new TimestreamQueryError(`stored destination ${JSON.stringify(movement.destination)} is not known`);
  return movement;
}
