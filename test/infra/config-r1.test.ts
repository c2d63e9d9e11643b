/**
 * A plant's R1 report inputs in the CDK context (`plants[i].r1`,
 * lib/config-r1.ts): taken with their names and units as documented in
 * docs/report.md, each optional, and refused with the key and the value when
 * out of range, not a date, or unknown.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';

const withR1 = (r1: unknown) =>
  parseConfig({ stage: 'test', plants: JSON.stringify([{ plantId: 'kz-ast-01', r1 }]) });

describe('plant R1 settings in the context', () => {
  it('takes every input, and a plant without them has none', () => {
    const r1 = {
      wasteNcvGJPerT: 9.5,
      importedEnergyGJPerYear: 20_000,
      auxiliaryFuelGJPerYear: 5_000,
      heatingDegreeDays: 5_200,
      permittedOn: '2021-03-15',
      inOperationSince: '2023-01-10',
    };
    expect(withR1(r1).plants[0]?.r1).toEqual(r1);
    expect(withR1({ wasteNcvGJPerT: 10 }).plants[0]?.r1).toEqual({ wasteNcvGJPerT: 10 });
    expect(parseConfig({ stage: 'test', plants: ['kz-ast-01'] }).plants[0]).not.toHaveProperty('r1');
  });

  it.each([
    [{ wasteNcvGJPerT: -1 }, 'plants[0].r1.wasteNcvGJPerT', 'a number from 0 to 100'],
    [{ wasteNcvGJPerT: '9.5' }, 'plants[0].r1.wasteNcvGJPerT', 'a number from 0 to 100'],
    [{ heatingDegreeDays: 20_000 }, 'plants[0].r1.heatingDegreeDays', 'a number from 0 to 10000'],
    [{ permittedOn: '15.03.2021' }, 'plants[0].r1.permittedOn', 'a date YYYY-MM-DD'],
    [{ permittedOn: '2021-13-45' }, 'plants[0].r1.permittedOn', 'a date YYYY-MM-DD'],
    [{ ncv: 9.5 }, 'plants[0].r1.ncv', 'one of wasteNcvGJPerT'],
    ['9.5', 'plants[0].r1', 'an object of R1 inputs'],
  ])('refuses %j naming %s', (r1, key, expectation) => {
    expect(() => withR1(r1)).toThrow(`context "${key}" must be ${expectation}`);
  });
});
