/**
 * A stand-in for Timestream's Query endpoint over stored multi-measure
 * records, behind aws-sdk-client-mock. No Timestream emulator exists, so this
 * evaluates the predicate forms the reader emits, the way Timestream would:
 *
 * - the table of the first `FROM "db"."table"` (unknown: ValidationException);
 * - the first `time >= from_milliseconds(a) AND time < from_milliseconds(b)`,
 *   every `"dimension" = '...'`, `measure_name LIKE 'prefix%'`,
 *   `measure_name = '...'`, `"column" IS NOT NULL`, a parenthesized
 *   disjunction `("a" IS NOT NULL OR "b" IS NOT NULL ...)`, and
 *   `"ticket" IN (SELECT "ticket" ... second time range ...)`;
 * - a quoted column the table has never stored (and that the query does not
 *   define as an alias) is a ValidationException "Column 'x' does not exist",
 *   as for a multi-measure column no record has carried yet;
 * - the outermost SELECT list decides the columns, in its order, typed from
 *   the records (dimensions and measure_name VARCHAR, time TIMESTAMP), with
 *   NULL where a record lacks a measure;
 * - window functions are not evaluated: every row the WHERE clause matches
 *   comes back (the reader reduces in TypeScript as well);
 * - rows come in a seeded random order, optionally with the columns
 *   permuted, in pages of `pageSize` rows after an empty first page (a query
 *   still running), linked by NextToken; a NextToken is only valid with the
 *   same query text, as in Timestream;
 * - `scannedRecords` counts, per query run, the records of its table in its
 *   first time range and plant: what Timestream reads whatever the other
 *   predicates (a stand-in for bytes scanned).
 */
import {
  type ColumnInfo,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  type ScalarType,
  TimestreamQueryClient,
  ValidationException,
} from '@aws-sdk/client-timestream-query';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { callsOf, type RecordRow, type WritePlan } from '../../../lambdas/adapters/timestream/records.ts';
import { prng as seededRandom } from '../../../lambdas/sim/fleet.ts';
import { column, page, timestampText, type Value } from './fixtures.ts';

/** A record as stored: the decoded row plus each measure's type. */
export interface StoredRecord extends RecordRow {
  readonly types: Readonly<Record<string, string>>;
}

export interface QueryFakeOptions {
  readonly databaseName?: string;
  readonly tables: Readonly<Record<string, readonly StoredRecord[]>>;
  /** @default 3 */
  readonly pageSize?: number;
  /** Permute the SELECT list's columns in the answer. @default false */
  readonly permuteColumns?: boolean;
  /** @default 1 */
  readonly seed?: number;
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function validation(message: string): ValidationException {
  return new ValidationException({ message, Message: message, $metadata: { httpStatusCode: 400 } });
}

/** Splits `text` at `separator` where parentheses are balanced. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

interface Projection {
  readonly name: string;
  /** A typed NULL (`CAST(NULL AS T) AS "x"`) rather than a column. */
  readonly nullType?: ScalarType;
}

function projectionOf(query: string): Projection[] {
  if (!query.startsWith('SELECT ')) throw new Error(`fake: not a SELECT: ${query}`);
  const [list] = splitTopLevel(query.slice('SELECT '.length), ' FROM ');
  return splitTopLevel(list ?? '', ', ').map((item) => {
    const quoted = /^"([A-Za-z0-9_]+)"$/.exec(item);
    if (quoted) return { name: quoted[1] as string };
    if (item === 'time' || item === 'measure_name') return { name: item };
    const typedNull = /^CAST\(NULL AS ([A-Z]+)\) AS "([A-Za-z0-9_]+)"$/.exec(item);
    if (typedNull) return { name: typedNull[2] as string, nullType: typedNull[1] as ScalarType };
    throw new Error(`fake: cannot project ${item}`);
  });
}

interface Run {
  readonly query: string;
  readonly pages: QueryCommandOutput[];
}

export class TimestreamQueryFake {
  readonly client = new TimestreamQueryClient({
    region: 'local',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  readonly mock: AwsClientStub<TimestreamQueryClient>;
  /** Every request, in order. */
  readonly requests: QueryCommandInput[] = [];
  /** Records in the time range and plant of each query run, summed (see the header). */
  scannedRecords = 0;
  private readonly runs = new Map<string, Run>();
  private readonly random: () => number;
  private runCount = 0;

  constructor(private readonly options: QueryFakeOptions) {
    this.random = seededRandom(options.seed ?? 1);
    this.mock = mockClient(this.client);
    this.mock.on(QueryCommand).callsFake(async (input: QueryCommandInput) => this.answer(input));
  }

  restore(): void {
    this.mock.restore();
  }

  private answer(input: QueryCommandInput): QueryCommandOutput {
    this.requests.push(structuredClone(input));
    const query = input.QueryString ?? '';
    if (input.NextToken !== undefined) {
      const [runId, index] = input.NextToken.split(':');
      const run = this.runs.get(runId ?? '');
      const next = run?.pages[Number(index)];
      if (run === undefined || next === undefined || run.query !== query)
        throw validation('Invalid pagination token');
      return next;
    }
    const rows = this.evaluate(query);
    const pageSize = this.options.pageSize ?? 3;
    const runId = `run${++this.runCount}`;
    const { columns, values } = rows;
    const pages: QueryCommandOutput[] = [page(columns, [], values.length > 0 ? `${runId}:1` : undefined)];
    for (let start = 0; start < values.length; start += pageSize) {
      const last = start + pageSize >= values.length;
      pages.push(
        page(
          columns,
          values.slice(start, start + pageSize),
          last ? undefined : `${runId}:${pages.length + 1}`,
        ),
      );
    }
    this.runs.set(runId, { query, pages });
    return pages[0] as QueryCommandOutput;
  }

  private evaluate(query: string): { columns: ColumnInfo[]; values: Value[][] } {
    const from = /FROM "([^"]+)"\."([^"]+)"/.exec(query);
    const records =
      from?.[1] === (this.options.databaseName ?? 'wte') ? this.options.tables[from[2] ?? ''] : undefined;
    if (records === undefined) throw validation(`Table ${from?.[1]}.${from?.[2]} does not exist`);

    const types = new Map<string, ScalarType>([
      ['time', 'TIMESTAMP'],
      ['measure_name', 'VARCHAR'],
    ]);
    for (const record of records) {
      for (const name of Object.keys(record.dimensions)) types.set(name, 'VARCHAR');
      for (const [name, type] of Object.entries(record.types)) types.set(name, type as ScalarType);
    }
    const aliases = new Set([...query.matchAll(/ AS "([A-Za-z0-9_]+)"/g)].map((m) => m[1] as string));
    const tableRef = /"[^"]+"\."[^"]+"/g;
    for (const [, name] of query.replace(tableRef, '').matchAll(/"([A-Za-z0-9_]+)"/g)) {
      if (!types.has(name as string) && !aliases.has(name as string))
        throw validation(`line 1:8: Column '${name}' does not exist`);
    }

    const ranges = [
      ...query.matchAll(/time >= from_milliseconds\((\d+)\) AND time < from_milliseconds\((\d+)\)/g),
    ].map((m) => [Number(m[1]), Number(m[2])] as const);
    const equalities = [...query.matchAll(/"([A-Za-z0-9_]+)" = '([^']*)'/g)].map((m): [string, string] => [
      m[1] as string,
      m[2] as string,
    ]);
    const like = /measure_name LIKE '([^'%]*)%'/.exec(query)?.[1];
    const measureName = /measure_name = '([^']*)'/.exec(query)?.[1];
    const disjunction = /\(((?:"[A-Za-z0-9_]+" IS NOT NULL OR )*"[A-Za-z0-9_]+" IS NOT NULL)\)/;
    const anyOf = disjunction.exec(query)?.[1];
    const anyNotNull =
      anyOf === undefined ? undefined : [...anyOf.matchAll(/"([A-Za-z0-9_]+)"/g)].map((m) => m[1] as string);
    const notNull = [...query.replace(disjunction, '').matchAll(/"([A-Za-z0-9_]+)" IS NOT NULL/g)].map(
      (m) => m[1] as string,
    );
    const cellOf = (record: StoredRecord, name: string): string | undefined =>
      name === 'measure_name' ? record.measureName : (record.dimensions[name] ?? record.measures[name]);

    const matches = (record: StoredRecord, range: readonly [number, number] | undefined): boolean =>
      range !== undefined &&
      record.time >= range[0] &&
      record.time < range[1] &&
      equalities.every(([name, value]) => cellOf(record, name) === value) &&
      (like === undefined || record.measureName.startsWith(like)) &&
      (measureName === undefined || record.measureName === measureName) &&
      notNull.every((name) => cellOf(record, name) !== undefined) &&
      (anyNotNull === undefined || anyNotNull.some((name) => cellOf(record, name) !== undefined));

    const plant = equalities.find(([name]) => name === 'plant')?.[1];
    const [scanFrom, scanTo] = ranges[0] ?? [0, 0];
    this.scannedRecords += records.filter(
      (r) => r.time >= scanFrom && r.time < scanTo && (plant === undefined || r.dimensions.plant === plant),
    ).length;

    let selected = records.filter((record) => matches(record, ranges[0]));
    if (/"ticket" IN \(SELECT "ticket" /.test(query)) {
      const tickets = new Set(records.filter((r) => matches(r, ranges[1])).map((r) => r.dimensions.ticket));
      selected = selected.filter((r) => tickets.has(r.dimensions.ticket));
    }

    let projection = projectionOf(query);
    if (this.options.permuteColumns) projection = shuffle(projection, this.random);
    const nullAliases = new Map(
      [...query.matchAll(/CAST\(NULL AS ([A-Z]+)\) AS "([A-Za-z0-9_]+)"/g)].map((m) => [
        m[2],
        m[1] as ScalarType,
      ]),
    );
    projection = projection.map((p) =>
      p.nullType === undefined && !types.has(p.name) && nullAliases.has(p.name)
        ? { name: p.name, nullType: nullAliases.get(p.name) as ScalarType }
        : p,
    );
    const columns = projection.map(({ name, nullType }) => {
      const type = nullType ?? types.get(name);
      if (type === undefined) throw validation(`line 1:8: Column '${name}' does not exist`);
      return column(name, type);
    });
    const values = shuffle(selected, this.random).map((record) =>
      projection.map(({ name, nullType }): Value => {
        if (nullType !== undefined) return null;
        if (name === 'time') return timestampText(record.time);
        return cellOf(record, name) ?? null;
      }),
    );
    return { columns, values };
  }
}

/**
 * Applies write plans (records.ts) to a table the way Timestream applies
 * WriteRecords, call after call: a new record identity (dimensions, time,
 * measure name) is stored; a higher version replaces; anything else (an
 * identical rewrite, a lower version, a conflict) leaves the stored record.
 */
export function applyPlans(plans: ReadonlyArray<WritePlan<unknown>>): StoredRecord[] {
  const table = new Map<string, StoredRecord & { readonly version: number }>();
  for (const plan of plans) {
    for (const call of callsOf(plan)) {
      const common = call.body.CommonAttributes;
      for (const record of call.body.Records) {
        const dimensions: Record<string, string> = {};
        for (const d of [...(common?.Dimensions ?? []), ...(record.Dimensions ?? [])])
          dimensions[d.Name as string] = d.Value as string;
        const measures: Record<string, string> = {};
        const types: Record<string, string> = {};
        for (const m of record.MeasureValues ?? []) {
          measures[m.Name as string] = m.Value as string;
          types[m.Name as string] = m.Type as string;
        }
        const stored = {
          dimensions,
          time: Number(record.Time),
          measureName: record.MeasureName as string,
          measures,
          types,
          version: record.Version ?? 1,
        };
        const identity = JSON.stringify([Object.entries(dimensions).sort(), stored.time, stored.measureName]);
        const existing = table.get(identity);
        if (existing === undefined || stored.version > existing.version) table.set(identity, stored);
      }
    }
  }
  return [...table.values()];
}
