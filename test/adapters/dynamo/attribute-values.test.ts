/** The attribute-value codec: plain data in, the same data out, and a clear refusal for what DynamoDB cannot hold. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromItem,
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
});
