import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidMetricsQueryError } from '../../../lambdas/adapters/timestream-query/errors.ts';
import {
  epochMsLiteral,
  identifier,
  integerLiteral,
  isSql,
  joinSql,
  lineLiteral,
  MAX_QUERY_TIME_MS,
  plantIdLiteral,
  type Sql,
  sql,
  tableRef,
  textConstant,
} from '../../../lambdas/adapters/timestream-query/sql.ts';
import { LINE_PATTERN, PLANT_ID_PATTERN } from '../../../lambdas/domain/telemetry.ts';

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Arbitrary strings, with the characters that matter to SQL over-represented. */
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.stringMatching(PLANT_ID_PATTERN),
  fc.stringMatching(LINE_PATTERN),
  fc.string({
    unit: fc.constantFrom("'", '"', '\\', ';', '-', '/', '*', ' ', '\n', '\u0000', 'a', '1', '%', '_'),
  }),
  fc.constantFrom(
    "kz' OR '1'='1",
    "kz'; DROP TABLE readings; --",
    "kz''",
    'kz" --',
    'kz\\',
    'kz-ast-01\n',
    'KZ-AST-01',
    'kz\u2019s',
    'ｋｚ',
    '',
    ' '.repeat(3),
    'a'.repeat(65),
  ),
);

describe('sql template tag', () => {
  it('joins its own text with trusted fragments', () => {
    const query = sql`SELECT ${identifier('line')} FROM ${tableRef('wte', 'readings')} WHERE ${identifier('plant')} = ${plantIdLiteral('kz-ast-01')}`;
    expect(query.text).toBe(`SELECT "line" FROM "wte"."readings" WHERE "plant" = 'kz-ast-01'`);
    expect(isSql(query)).toBe(true);
  });

  it('refuses any interpolated value that is not a fragment it made, whatever its shape', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(() => sql`SELECT ${value as Sql}`).toThrow(TypeError);
      }),
    );
  });

  it('refuses look-alike fragments: copies, prototypes and plain objects with a text', () => {
    const real = identifier('line');
    const forged = [
      { text: "' OR 1=1 --" },
      Object.assign(Object.create(Object.getPrototypeOf(real)), { text: 'x' }),
      { ...real },
      new (real.constructor as new (text: string) => Sql)("' OR 1=1"),
    ];
    for (const fake of forged) {
      expect(isSql(fake)).toBe(false);
      expect(() => sql`SELECT ${fake as Sql}`).toThrow(TypeError);
      expect(() => joinSql([fake as Sql], sql`, `)).toThrow(TypeError);
    }
  });

  it('refuses to be called without a template', () => {
    const strings = Object.assign(['SELECT ', ''], { raw: ['SELECT ', ''] });
    expect(() => sql(strings as unknown as TemplateStringsArray, identifier('x'))).toThrow(TypeError);
    const frozen = Object.freeze(Object.assign(["SELECT '", ''], { raw: ["SELECT '", ''] }));
    expect(() => sql(frozen as unknown as TemplateStringsArray)).toThrow(TypeError);
    expect(() => sql('SELECT 1' as unknown as TemplateStringsArray)).toThrow(TypeError);
  });

  it('joins fragments with a fragment separator', () => {
    expect(joinSql([identifier('a'), identifier('b')], sql`, `).text).toBe('"a", "b"');
    expect(() => joinSql([identifier('a')], ', ' as unknown as Sql)).toThrow(TypeError);
  });
});

describe('validated values', () => {
  it('turns any string into a plant literal only when it matches the plant id pattern', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        if (PLANT_ID_PATTERN.test(value)) expect(plantIdLiteral(value).text).toBe(`'${value}'`);
        else expect(() => plantIdLiteral(value)).toThrow(InvalidMetricsQueryError);
      }),
    );
  });

  it('turns any string into a line literal only when it matches the line pattern', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        if (LINE_PATTERN.test(value)) expect(lineLiteral(value).text).toBe(`'${value}'`);
        else expect(() => lineLiteral(value)).toThrow(InvalidMetricsQueryError);
      }),
    );
  });

  it('names the argument at fault and quotes only a short, escaped part of it', () => {
    const error = caught(() => plantIdLiteral(`x'\n${'y'.repeat(200)}`));
    expect(error).toBeInstanceOf(InvalidMetricsQueryError);
    expect((error as InvalidMetricsQueryError).field).toBe('plantId');
    expect((error as Error).message).toMatch(/^plantId must match .* got "x'\\ny+…"$/);
    expect((error as Error).message.length).toBeLessThan(120);
    expect(() => lineLiteral(42)).toThrow(/line must match/);
  });

  it('never makes a string literal with a quote, a control character or non-ASCII, whatever the input', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        let text: string | undefined;
        try {
          text = textConstant(value).text;
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
          return;
        }
        expect(text).toBe(`'${value}'`);
        expect(value).toMatch(/^[\x20-\x26\x28-\x7e]*$/);
      }),
    );
  });

  it('quotes identifiers and table names only when they cannot hold a quote', () => {
    expect(identifier('ft').text).toBe('"ft"');
    expect(tableRef('wte-prod.db', 'readings_v1').text).toBe('"wte-prod.db"."readings_v1"');
    fc.assert(
      fc.property(hostile, (value) => {
        try {
          const text = identifier(value).text;
          expect(text).toBe(`"${value}"`);
          expect(value).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
        try {
          const text = tableRef(value, 'readings').text;
          expect(text).toBe(`"${value}"."readings"`);
          expect(value).toMatch(/^[A-Za-z0-9_.-]{3,256}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
      }),
    );
  });

  it('writes times as from_milliseconds of a safe integer in range, and refuses anything else', () => {
    expect(epochMsLiteral('from', 1_700_000_000_000).text).toBe('from_milliseconds(1700000000000)');
    expect(epochMsLiteral('to', MAX_QUERY_TIME_MS).text).toBe(`from_milliseconds(${MAX_QUERY_TIME_MS})`);
    for (const bad of [
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      MAX_QUERY_TIME_MS + 1,
      '1' as unknown as number,
    ])
      expect(() => epochMsLiteral('from', bad)).toThrow(InvalidMetricsQueryError);
    expect(integerLiteral(1).text).toBe('1');
    expect(() => integerLiteral(0.5)).toThrow(RangeError);
  });
});
