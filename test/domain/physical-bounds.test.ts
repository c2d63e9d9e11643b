/**
 * Physical bounds of readings (issue #17 item 3): every metric's limits are
 * checked in its canonical unit after conversion, item by item, with the
 * value's pointer and a detail that names the limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalUnitOf, METRIC_NAMES, METRICS, type MetricName } from '../../lambdas/domain/catalog.ts';
import {
  type ParseResult,
  parseTelemetry,
  parseTelemetryBody,
} from '../../lambdas/domain/parse-telemetry.ts';
import { ProblemType } from '../../lambdas/domain/problem.ts';
import { fromCanonical, type Unit, unitsOf } from '../../lambdas/domain/units.ts';

const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const PLANT = 'kz-ast-01';
const OPTIONS = { now: NOW, plantId: PLANT };
const TS = NOW - 60_000;

const reading = (metric: string, value: unknown, unit?: string, line = 'line-1') => ({
  ts: TS,
  line,
  metric,
  value,
  ...(unit === undefined ? {} : { unit }),
});

/** A message whose first reading is the one under test, followed by a plain valid one. */
function parseOne(metric: string, value: unknown, unit?: string): ParseResult {
  return parseTelemetry(
    {
      schema: 'wte.telemetry.v1',
      messageId: 'gw-1:bounds',
      readings: [reading(metric, value, unit), reading('flue_gas_o2', 7.5, '%', 'line-2')],
    },
    OPTIONS,
  );
}

function accepted(result: ParseResult): number {
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problem)}`);
  expect(result.rejected).toEqual([]);
  const value = result.message.readings[0]?.value;
  if (value === undefined) throw new Error('no reading');
  return value;
}

function refused(result: ParseResult) {
  if (!result.ok) throw new Error(`refused whole: ${JSON.stringify(result.problem)}`);
  // The other reading of the message is kept.
  expect(result.message.readings.map((r) => r.metric)).toEqual(['flue_gas_o2']);
  expect(result.rejected).toHaveLength(1);
  const [rejection] = result.rejected;
  expect(rejection?.pointer).toBe('/readings/0/value');
  return rejection;
}

const expectNear = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));

/** Beyond conversion rounding (1e-12 relative) but as close as a sensor would ever be. */
const nudge = (limit: number) => 1e-9 * Math.max(1, Math.abs(limit));

interface LimitCase {
  readonly metric: MetricName;
  readonly unit: Unit;
}

const EVERY_UNIT: readonly LimitCase[] = METRIC_NAMES.flatMap((metric) =>
  unitsOf(METRICS[metric].quantity).map((unit) => ({ metric, unit })),
);

describe('limits of every metric in every accepted unit', () => {
  it.each(EVERY_UNIT)('$metric in $unit: both limits accepted, just outside refused', ({ metric, unit }) => {
    const { min, max } = METRICS[metric].bounds;
    const canonical = canonicalUnitOf(metric);
    expectNear(accepted(parseOne(metric, fromCanonical(min, unit), unit)), min);
    expectNear(accepted(parseOne(metric, fromCanonical(max, unit), unit)), max);

    const below = refused(parseOne(metric, fromCanonical(min - nudge(min), unit), unit));
    expect(below?.type).toBe(ProblemType.valueOutOfRange);
    expect(below?.detail).toContain(`is below the physical minimum ${min} ${canonical}`);
    expect(below?.detail).toMatch(new RegExp(`^${metric} `));

    const above = refused(parseOne(metric, fromCanonical(max + nudge(max), unit), unit));
    expect(above?.type).toBe(ProblemType.valueOutOfRange);
    expect(above?.detail).toContain(`is above the physical maximum ${max} ${canonical}`);
  });

  it.each(METRIC_NAMES)(
    '%s: -0 is 0, 1e308 and -1e308 are refused, NaN-like strings are not numbers',
    (metric) => {
      const stored = accepted(parseOne(metric, -0));
      expect(Object.is(stored, 0)).toBe(true);
      expect(refused(parseOne(metric, 1e308))?.detail).toContain('above the physical maximum');
      expect(refused(parseOne(metric, -1e308))?.detail).toContain('below the physical minimum');
      for (const text of ['NaN', 'Infinity', '-Infinity', '1e308']) {
        const rejection = refused(parseOne(metric, text));
        expect(rejection?.type).toBe(ProblemType.wrongType);
        expect(rejection?.detail).toBe('must be a finite number');
      }
    },
  );

  it('refuses 1e309 in the JSON text (it parses as Infinity) by pointer', () => {
    const body = `{"schema":"wte.telemetry.v1","messageId":"gw-1:inf","readings":[
      {"ts":${TS},"line":"a","metric":"furnace_temperature","value":1e309},
      {"ts":${TS},"line":"a","metric":"flue_gas_o2","value":7.5}]}`;
    const result = parseTelemetryBody(body, OPTIONS);
    expect(refused(result)?.type).toBe(ProblemType.wrongType);
  });
});

describe('the cases of issue #17, with the limit named in the detail', () => {
  it.each([
    {
      name: '-5000 K is below absolute zero',
      metric: 'furnace_temperature',
      value: -5000,
      unit: 'K',
      detail:
        'furnace_temperature -5000 K (-5273.15 degC) is below the physical minimum -273.15 degC (absolute zero)',
    },
    {
      name: '1e308 degC is above the furnace maximum',
      metric: 'furnace_temperature',
      value: 1e308,
      unit: 'degC',
      detail: 'furnace_temperature 1e+308 degC is above the physical maximum 2000 degC',
    },
    {
      name: 'flue-gas O2 250 %',
      metric: 'flue_gas_o2',
      value: 250,
      unit: '%',
      detail: 'flue_gas_o2 250 % is above the physical maximum 100 %',
    },
    {
      name: '-500 degF is below absolute zero (-459.67 degF)',
      metric: 'steam_temperature',
      value: -500,
      unit: 'degF',
      detail:
        'steam_temperature -500 degF (-295.555555556 degC) is below the physical minimum -273.15 degC (absolute zero)',
    },
    {
      name: '1e308 kg/s overflows to Infinity t/h and is above the maximum',
      metric: 'steam_flow',
      value: 1e308,
      unit: 'kg/s',
      detail: 'steam_flow 1e+308 kg/s (Infinity t/h) is above the physical maximum 2000 t/h',
    },
    {
      name: 'a negative counter',
      metric: 'waste_fed',
      value: -500,
      unit: 'kg',
      detail: 'waste_fed -500 kg (-0.5 t) is below the physical minimum 0 t (a counter is never negative)',
    },
    {
      name: '2 GW of gross power in kW',
      metric: 'power_gross',
      value: 2e6,
      unit: 'kW',
      detail: 'power_gross 2000000 kW (2000 MW) is above the physical maximum 1000 MW',
    },
    {
      name: 'a negative feed rate in kg/s',
      metric: 'waste_feed_rate',
      value: -1,
      unit: 'kg/s',
      detail: 'waste_feed_rate -1 kg/s (-3.6 t/h) is below the physical minimum 0 t/h',
    },
  ])('refuses $name', ({ metric, value, unit, detail }) => {
    const rejection = refused(parseOne(metric, value, unit));
    expect(rejection).toEqual({ pointer: '/readings/0/value', type: ProblemType.valueOutOfRange, detail });
  });

  it.each([
    { metric: 'furnace_temperature', value: 0, unit: 'K', stored: -273.15 },
    { metric: 'furnace_temperature', value: -459.67, unit: 'degF', stored: -273.15 },
    { metric: 'furnace_temperature', value: 2273.15, unit: 'K', stored: 2000 },
    { metric: 'flue_gas_o2', value: 100, unit: '%', stored: 100 },
    { metric: 'flue_gas_o2', value: 0, unit: '%', stored: 0 },
    { metric: 'boiler_dp', value: -250, unit: 'Pa', stored: -2.5 },
    { metric: 'power_export', value: -5000, unit: 'kW', stored: -5 },
    { metric: 'co', value: -0.4, unit: 'mg/Nm3', stored: -0.4 },
    { metric: 'steam_pressure', value: -1.01325, unit: 'bar', stored: -1.01325 },
    { metric: 'electricity_exported', value: 1e9, unit: 'MWh', stored: 1e9 },
  ])(
    'keeps $value $unit of $metric (stored $stored, exactly inside the limits)',
    ({ metric, value, unit, stored }) => {
      const { min, max } = METRICS[metric as MetricName].bounds;
      const got = accepted(parseOne(metric, value, unit));
      expect(got).toBeCloseTo(stored, 9);
      expect(got).toBeGreaterThanOrEqual(min);
      expect(got).toBeLessThanOrEqual(max);
    },
  );

  it('keeps values that are possible but far from normal (a cold furnace, a tiny emission)', () => {
    expect(accepted(parseOne('furnace_temperature', -40))).toBe(-40);
    expect(accepted(parseOne('furnace_temperature', 1999))).toBe(1999);
    expect(accepted(parseOne('hf', 0.001))).toBe(0.001);
  });
});

const caseArb = fc.constantFrom(...EVERY_UNIT);

describe('bounds, property-based', () => {
  it('accepts any value within the bounds in any accepted unit, and stores it within the bounds', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ metric, unit }, share) => {
        const { min, max } = METRICS[metric].bounds;
        const canonical = min + share * (max - min);
        const value = accepted(parseOne(metric, fromCanonical(canonical, unit), unit));
        expect(value).toBeGreaterThanOrEqual(min);
        expect(value).toBeLessThanOrEqual(max);
        expect(Math.abs(value - canonical)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(canonical)));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses any value outside, at its own pointer, keeping every other reading', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.boolean(),
        fc.oneof(
          fc.double({ min: 1e-9, max: 1, noNaN: true }),
          fc.double({ min: 1, max: 1e300, noNaN: true }),
        ),
        fc.nat({ max: 5 }),
        ({ metric, unit }, high, distance, position) => {
          const { min, max } = METRICS[metric].bounds;
          const limit = high ? max : min;
          const beyond = limit + (high ? 1 : -1) * Math.max(distance, 1e-9) * Math.max(1, Math.abs(limit));
          const sent = fromCanonical(beyond, unit);
          fc.pre(Number.isFinite(sent));
          const fine = Array.from({ length: 5 }, (_, i) => reading('flue_gas_o2', i, '%', `line-${i + 2}`));
          fine.splice(position, 0, reading(metric, sent, unit));
          const result = parseTelemetry(
            { schema: 'wte.telemetry.v1', messageId: 'gw-1:p', readings: fine },
            OPTIONS,
          );
          if (!result.ok) throw new Error(JSON.stringify(result.problem));
          expect(result.message.readings).toHaveLength(5);
          expect(result.rejected).toEqual([
            {
              pointer: `/readings/${position}/value`,
              type: ProblemType.valueOutOfRange,
              detail: expect.stringContaining(
                high ? 'above the physical maximum' : 'below the physical minimum',
              ),
            },
          ]);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
