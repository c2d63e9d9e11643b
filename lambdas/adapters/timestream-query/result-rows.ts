/**
 * Typed access to Timestream Query results. A page carries `ColumnInfo` (name
 * and type of each column) and `Rows`, each a list of `Datum` in column
 * order: a `ScalarValue` (always text: numbers and timestamps too) or
 * `NullValue: true`. Rows are read by column name, never by position, so the
 * order of the SELECT list does not matter; every value is checked against
 * its column's type, and anything unexpected is a `TimestreamQueryError`.
 */
import type { ColumnInfo, Row, ScalarType } from '@aws-sdk/client-timestream-query';
import { TimestreamQueryError } from './errors.ts';

export interface ResultColumn {
  /** `undefined` for array, row and time-series columns, which this adapter never selects. */
  readonly type: ScalarType | undefined;
  readonly index: number;
}

type Cell =
  | { readonly kind: 'null' }
  | { readonly kind: 'scalar'; readonly text: string }
  | { readonly kind: 'other' };

const VARCHAR: ReadonlySet<string> = new Set(['VARCHAR']);
const TIME_TYPES: ReadonlySet<string> = new Set(['TIMESTAMP', 'BIGINT']);
const INTEGER_TYPES: ReadonlySet<string> = new Set(['BIGINT', 'INTEGER']);
const NUMBER_TYPES: ReadonlySet<string> = new Set(['BIGINT', 'INTEGER', 'DOUBLE']);
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
/** Timestream's TIMESTAMP text: `2026-11-24 11:59:00.000000000` (UTC, up to nanoseconds). */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/** Epoch milliseconds of a Timestream TIMESTAMP value (sub-millisecond digits are dropped). */
export function parseTimestamp(text: string): number {
  const match = TIMESTAMP.exec(text);
  if (match === null) throw new TimestreamQueryError(`not a Timestream timestamp: ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  )
    throw new TimestreamQueryError(`not a valid instant: ${JSON.stringify(text)}`);
  const fraction = (match[7] ?? '').padEnd(9, '0');
  return date.getTime() + Math.floor(Number(fraction) / 1e6);
}

/** One result row, read by column name. */
export class ResultRow {
  constructor(
    private readonly columns: ReadonlyMap<string, ResultColumn>,
    private readonly cells: readonly Cell[],
  ) {}

  private cell(name: string, accepted: ReadonlySet<string>): { type: string; text: string } | undefined {
    const column = this.columns.get(name);
    if (column === undefined) throw new TimestreamQueryError(`the result has no column ${name}`);
    if (column.type === undefined || !accepted.has(column.type))
      throw new TimestreamQueryError(
        `column ${name} has type ${column.type ?? 'non-scalar'}, expected ${[...accepted].join(' or ')}`,
      );
    const cell = this.cells[column.index];
    if (cell === undefined || cell.kind === 'other')
      throw new TimestreamQueryError(`column ${name} holds a value that is neither scalar nor null`);
    return cell.kind === 'null' ? undefined : { type: column.type, text: cell.text };
  }

  private required<T>(name: string, value: T | undefined): T {
    if (value === undefined) throw new TimestreamQueryError(`column ${name} is null`);
    return value;
  }

  optionalText(name: string): string | undefined {
    return this.cell(name, VARCHAR)?.text;
  }

  text(name: string): string {
    return this.required(name, this.optionalText(name));
  }

  /** A DOUBLE, BIGINT or INTEGER column as a finite number. */
  optionalNumber(name: string): number | undefined {
    const cell = this.cell(name, NUMBER_TYPES);
    if (cell === undefined) return undefined;
    const value = Number(cell.text);
    if (!DECIMAL.test(cell.text) || !Number.isFinite(value))
      throw new TimestreamQueryError(`column ${name} is not a finite number: ${JSON.stringify(cell.text)}`);
    return value;
  }

  number(name: string): number {
    return this.required(name, this.optionalNumber(name));
  }

  /** A BIGINT or INTEGER column as a safe integer. */
  optionalInteger(name: string): number | undefined {
    const cell = this.cell(name, INTEGER_TYPES);
    if (cell === undefined) return undefined;
    const value = Number(cell.text);
    if (!INTEGER.test(cell.text) || !Number.isSafeInteger(value))
      throw new TimestreamQueryError(`column ${name} is not a safe integer: ${JSON.stringify(cell.text)}`);
    return value;
  }

  /** A TIMESTAMP column, or a BIGINT of epoch milliseconds, as epoch milliseconds. */
  timeMs(name: string): number {
    const cell = this.required(name, this.cell(name, TIME_TYPES));
    if (cell.type === 'TIMESTAMP') return parseTimestamp(cell.text);
    return this.required(name, this.optionalInteger(name));
  }
}

/** The columns of a page, by name; duplicate or unnamed columns are refused (they would be ambiguous). */
export function columnsOf(info: readonly ColumnInfo[]): ReadonlyMap<string, ResultColumn> {
  const columns = new Map<string, ResultColumn>();
  for (const [index, column] of info.entries()) {
    const name = column.Name;
    if (name === undefined || name === '')
      throw new TimestreamQueryError(`result column ${index} has no name`);
    if (columns.has(name)) throw new TimestreamQueryError(`the result has two columns named ${name}`);
    columns.set(name, { type: column.Type?.ScalarType, index });
  }
  return columns;
}

/** The rows of one page; `columns` comes from this page's or an earlier page's ColumnInfo. */
export function resultRows(
  columns: ReadonlyMap<string, ResultColumn> | undefined,
  rows: readonly Row[],
): ResultRow[] {
  if (rows.length === 0) return [];
  if (columns === undefined) throw new TimestreamQueryError('the result has rows but no ColumnInfo');
  return rows.map((row, r) => {
    const data = row.Data ?? [];
    if (data.length !== columns.size)
      throw new TimestreamQueryError(`result row ${r} has ${data.length} values for ${columns.size} columns`);
    const cells: Cell[] = data.map((datum) => {
      if (datum.NullValue === true) return { kind: 'null' };
      if (typeof datum.ScalarValue === 'string') return { kind: 'scalar', text: datum.ScalarValue };
      return { kind: 'other' };
    });
    return new ResultRow(columns, cells);
  });
}
