/** The attribute-value codec: plain data in, the same data out, and a clear refusal for what DynamoDB cannot hold. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromAttributeValue,
  fromItem,
  type Item,
  toAttributeValue,
  toItem,
  UnsupportedValueError,
} from '../../../lambdas/adapters/dynamo/attribute-values.ts';

const SEED = 20_261_124;

/** JSON values whose numbers DynamoDB can hold (zero, or magnitude in [1e-130, 1e126)); -0 comes back as 0. */
const storable = fc.jsonValue().filter(function ok(value: unknown): boolean {
  if (typeof value === 'number') {
    return !Object.is(value, -0) && (value === 0 || (Math.abs(value) >= 1e-130 && Math.abs(value) < 1e126));
  }
  if (Array.isArray(value)) return value.every(ok);
  if (typeof value === 'object' && value !== null) return Object.values(value).every(ok);
  return true;
});

describe('attribute values', () => {
  it('round-trips plain data', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), storable), (data) => {
        expect(fromItem(toItem(data))).toEqual(data);
      }),
      { numRuns: 500, seed: SEED },
    );
  });

  it('leaves out undefined members, as optional fields', () => {
    expect(toItem({ a: 1, b: undefined })).toEqual({ a: { N: '1' } });
  });

  it('keeps a key named __proto__ as data', () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}, "x": "y"}') as object;
    const back = fromItem(toItem(data));
    expect(Object.keys(back)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a number above 1e126', 1e300],
    ['a number below 1e-130', 1e-200],
    ['a bigint', 10n],
    ['undefined in a list', [undefined]],
  ])('refuses %s with the path of the value', (_what, value) => {
    expect(() => toAttributeValue({ reading: { value } })).toThrow(UnsupportedValueError);
    expect(() => toAttributeValue({ reading: { value } })).toThrow(/\$\.reading\.value/);
  });

  it('reads numbers past 2^53 as doubles, not BigInt', () => {
    expect(fromAttributeValue({ N: '100000000000000000000' })).toBe(1e20);
    expect(fromItem({ n: { N: '12345678901234567890123456789012345678' } })).toEqual({
      n: 1.2345678901234568e37,
    });
  });

  it('writes doubles past 2^53 and below 1e-6 as they print', () => {
    expect(toItem({ big: 1e20, small: 1.5e-7 })).toEqual({
      big: { N: '100000000000000000000' },
      small: { N: '1.5e-7' },
    });
  });

  it('keeps a stored key __proto__ as data: nothing read is inherited', () => {
    const item = JSON.parse('{"__proto__": {"M": {"revokedAt": {"N": "1"}}}, "x": {"S": "y"}}') as Item;
    const back = fromItem(item) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['__proto__', 'x']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect('revokedAt' in back).toBe(false);
  });

  it('keeps a member named constructor as a map, whatever it holds', () => {
    const value = { constructor: { name: 'Number' }, n: 1 };
    expect(toItem(value)).toEqual({ constructor: { M: { name: { S: 'Number' } } }, n: { N: '1' } });
    expect(fromItem(toItem(value))).toEqual(value);
  });

  class Reading {
    readonly value = 1;
  }

  it.each([
    ['a set', new Set([1]), 'Set'],
    ['a map', new Map([['a', 1]]), 'Map'],
    ['a date', new Date(0), 'Date'],
    ['binary', new Uint8Array([1]), 'Uint8Array'],
    ['a class instance', new Reading(), 'Reading'],
  ])('refuses %s, which it once stored as a map of its own fields, naming the path', (_what, value, kind) => {
    expect(() => toItem({ reading: { value } })).toThrow(
      new UnsupportedValueError(`$.reading.value has a type DynamoDB items do not hold here: ${kind}`),
    );
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
    ['undefined', undefined],
  ])('refuses %s in a list, naming its index', (_what, value) => {
    expect(() => toItem({ list: [1, value] })).toThrow(UnsupportedValueError);
    expect(() => toItem({ list: [1, value] })).toThrow(/^\$\.list\[1\] has a type/);
  });

  it('refuses a hole in a list, which map would skip', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case
    expect(() => toItem({ list: [1, , 2] })).toThrow(/^\$\.list\[1\] has a type/);
  });

  it('refuses a list where a map of attributes is wanted', () => {
    expect(() => toItem([1, 2])).toThrow(new UnsupportedValueError('$ is not a map of attributes'));
  });
});
