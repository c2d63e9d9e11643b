import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimestreamQueryError } from '../../../lambdas/adapters/timestream-query/errors.ts';
import {
  columnsOf,
  parseTimestamp,
  resultRows,
} from '../../../lambdas/adapters/timestream-query/result-rows.ts';
import { column, page, timestampText } from './fixtures.ts';

function rowsOf(output: ReturnType<typeof page>) {
  return resultRows(columnsOf(output.ColumnInfo ?? []), output.Rows ?? []);
}

describe('result rows', () => {
  const columns = [
    column('line', 'VARCHAR'),
    column('time', 'TIMESTAMP'),
    column('ft', 'DOUBLE'),
    column('v', 'BIGINT'),
    column('q', 'VARCHAR'),
  ];

  it('reads values by column name and type, NULLs as undefined', () => {
    const [row] = rowsOf(
      page(columns, [['boiler-1', '2026-11-24 11:59:00.250000000', '912.5', null, 'ftU']]),
    );
    expect(row?.text('line')).toBe('boiler-1');
    expect(row?.timeMs('time')).toBe(Date.parse('2026-11-24T11:59:00.250Z'));
    expect(row?.number('ft')).toBe(912.5);
    expect(row?.optionalInteger('v')).toBeUndefined();
    expect(row?.optionalText('q')).toBe('ftU');
  });

  it('does not depend on the order of the columns', () => {
    const values = { line: 'stack', time: timestampText(1_000), ft: '-1.5e3', v: '7', q: null };
    const names = Object.keys(values) as Array<keyof typeof values>;
    fc.assert(
      fc.property(fc.shuffledSubarray(names, { minLength: names.length }), (order) => {
        const info = order.map((name) => columns.find((c) => c.Name === name) ?? column(name, 'VARCHAR'));
        const [row] = rowsOf(page(info, [order.map((name) => values[name])]));
        expect(row?.text('line')).toBe('stack');
        expect(row?.timeMs('time')).toBe(1_000);
        expect(row?.number('ft')).toBe(-1500);
        expect(row?.optionalInteger('v')).toBe(7);
        expect(row?.optionalText('q')).toBeUndefined();
      }),
    );
  });

  it('reads a BIGINT time as epoch milliseconds', () => {
    const [row] = rowsOf(page([column('time', 'BIGINT')], [['1732449540000']]));
    expect(row?.timeMs('time')).toBe(1_732_449_540_000);
  });

  it('refuses values that do not fit their column', () => {
    const bad: Array<[string, () => unknown]> = [
      [
        'missing column',
        () => rowsOf(page(columns, [['a', timestampText(0), '1', '1', null]]))[0]?.text('x'),
      ],
      ['wrong type', () => rowsOf(page(columns, [['a', timestampText(0), '1', '1', null]]))[0]?.text('ft')],
      [
        'not a number',
        () => rowsOf(page(columns, [['a', timestampText(0), 'abc', '1', null]]))[0]?.number('ft'),
      ],
      [
        'infinite',
        () => rowsOf(page(columns, [['a', timestampText(0), 'Infinity', '1', null]]))[0]?.number('ft'),
      ],
      [
        'fraction as BIGINT',
        () => rowsOf(page(columns, [['a', timestampText(0), '1', '1.5', null]]))[0]?.optionalInteger('v'),
      ],
      [
        'unsafe BIGINT',
        () =>
          rowsOf(page(columns, [['a', timestampText(0), '1', '9007199254740993', null]]))[0]?.optionalInteger(
            'v',
          ),
      ],
      [
        'required NULL',
        () => rowsOf(page(columns, [[null, timestampText(0), '1', '1', null]]))[0]?.text('line'),
      ],
      [
        'bad timestamp',
        () =>
          rowsOf(page(columns, [['a', '2026-02-30 00:00:00.000000000', '1', '1', null]]))[0]?.timeMs('time'),
      ],
      ['short row', () => rowsOf(page(columns, [['a']]))],
      ['duplicate column', () => columnsOf([column('a', 'VARCHAR'), column('a', 'BIGINT')])],
      ['unnamed column', () => columnsOf([{ Type: { ScalarType: 'VARCHAR' } }])],
      ['rows without ColumnInfo', () => resultRows(undefined, [{ Data: [{ ScalarValue: 'x' }] }])],
      [
        'non-scalar datum',
        () => resultRows(columnsOf([column('a', 'VARCHAR')]), [{ Data: [{ ArrayValue: [] }] }])[0]?.text('a'),
      ],
    ];
    for (const [what, run] of bad) expect(run, what).toThrow(TimestreamQueryError);
  });

  it('parses Timestream timestamps to the millisecond, dropping finer digits', () => {
    expect(parseTimestamp('1970-01-01 00:00:00.000000000')).toBe(0);
    expect(parseTimestamp('2026-11-24 11:59:00.123999999')).toBe(Date.parse('2026-11-24T11:59:00.123Z'));
    expect(parseTimestamp('2026-11-24 11:59:00')).toBe(Date.parse('2026-11-24T11:59:00Z'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(parseTimestamp(timestampText(ms))).toBe(ms);
      }),
    );
    expect(() => parseTimestamp('yesterday')).toThrow(TimestreamQueryError);
  });
});
