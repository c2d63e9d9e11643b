import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkMovement,
  checkReading,
  encodeRow,
  MAX_LAKE_TS,
  MOVEMENT_COLUMNS,
  MOVEMENT_PARTITION,
  movementOfRow,
  movementRow,
  READING_COLUMNS,
  READING_PARTITION,
  readingOfRow,
  readingRow,
  utcDay,
} from '../../../lambdas/adapters/lake/lake-rows.ts';
import { canonicalUnitOf, METRIC_NAMES, METRICS } from '../../../lambdas/domain/catalog.ts';
import { movementFingerprint } from '../../../lambdas/domain/identity.ts';
import type { StoredMovement, StoredReading } from '../../../lambdas/domain/ports.ts';
import {
  DESTINATIONS,
  DIRECTIONS,
  LINE_PATTERN,
  MATERIALS,
  PLANT_ID_PATTERN,
  QUALITIES,
  TICKET_ID_PATTERN,
} from '../../../lambdas/domain/telemetry.ts';
import { movement, NOW, reading } from '../../support/stored-items.ts';

const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));
const SNAKE = /^[a-z][a-z0-9_]*$/;

/** A value of `metric` within its catalog bounds, at most 12 significant digits (what every store keeps). */
const boundedValue = (metric: (typeof METRIC_NAMES)[number]) => {
  const { min, max } = METRICS[metric].bounds;
  return fc.double({ min, max, noNaN: true }).map((v) => Number(v.toPrecision(12)));
};

const arbReading: fc.Arbitrary<StoredReading> = fc
  .constantFrom(...METRIC_NAMES)
  .chain((metric) =>
    fc.record({
      plantId: fc.stringMatching(PLANT_ID_PATTERN),
      line: fc.stringMatching(LINE_PATTERN),
      metric: fc.constant(metric),
      kind: fc.constant(METRICS[metric].kind),
      ts: fc.integer({ min: 0, max: NOW + 86_400_000 * 365 }),
      value: boundedValue(metric),
      unit: fc.constant(canonicalUnitOf(metric)),
      quality: fc.constantFrom(...QUALITIES),
      version: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER })),
    }),
  )
  .map((r) => ({ ...r, correction: r.version > 1 }));

const arbMovement: fc.Arbitrary<StoredMovement> = fc
  .record(
    {
      plantId: fc.stringMatching(PLANT_ID_PATTERN),
      ticketId: fc.stringMatching(TICKET_ID_PATTERN),
      ts: fc.integer({ min: 0, max: NOW + 86_400_000 * 365 }),
      direction: fc.constantFrom(...DIRECTIONS),
      netTonnes: fc.double({ min: 0.000001, max: 100, noNaN: true }).map((v) => Number(v.toPrecision(12))),
      material: fc.constantFrom(...MATERIALS),
      destination: fc.constantFrom(...DESTINATIONS),
      operationCode: fc.constantFrom('R1', 'D10'),
      version: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER })),
    },
    { requiredKeys: ['plantId', 'ticketId', 'ts', 'direction', 'netTonnes', 'material', 'version'] },
  )
  .map((m) => ({ ...m, correction: m.version > 1 }));

describe('lake rows', () => {
  it('maps a reading to its identity, version, content and UTC-day partition', () => {
    const r = reading({ ts: Date.parse('2026-11-24T23:59:59.999Z'), version: 7, correction: true });
    expect(readingRow(r)).toEqual({
      plant_id: 'kz-ast-01',
      line: 'boiler-1',
      metric: 'furnace_temperature',
      ts: r.ts,
      day: '2026-11-24',
      value: 912.5,
      unit: r.unit,
      quality: 'GOOD',
      version: 7,
    });
    expect(readingRow({ ...r, ts: r.ts + 1 }).day).toBe('2026-11-25');
  });

  it('maps a movement with nulls for absent members and its fingerprint', () => {
    const m = movement();
    expect(movementRow(m)).toEqual({
      plant_id: 'kz-ast-01',
      ticket_id: 'WB-2026-0001',
      ts: m.ts,
      day: '2026-11-24',
      direction: 'in',
      net_tonnes: 12.34,
      material: 'mixed_waste',
      destination: null,
      operation_code: null,
      version: 1,
      fingerprint: movementFingerprint(m),
    });
  });

  it('stores values at 12 significant digits, as Timestream and DuckDB do', () => {
    expect(readingRow(reading({ value: 0.1 + 0.2 })).value).toBe(0.3);
  });

  it('declares lower-case snake_case columns in the order rows carry them, partitions among them', () => {
    expect(Object.keys(readingRow(reading()))).toEqual(READING_COLUMNS.map((c) => c.name));
    expect(Object.keys(movementRow(movement()))).toEqual(MOVEMENT_COLUMNS.map((c) => c.name));
    for (const c of [...READING_COLUMNS, ...MOVEMENT_COLUMNS]) expect(c.name).toMatch(SNAKE);
    for (const p of READING_PARTITION) expect(READING_COLUMNS.map((c) => c.name)).toContain(p);
    for (const p of MOVEMENT_PARTITION) expect(MOVEMENT_COLUMNS.map((c) => c.name)).toContain(p);
  });

  it('gives the UTC date at the edges of a day and of the epoch', () => {
    expect(utcDay(0)).toBe('1970-01-01');
    expect(utcDay(86_399_999)).toBe('1970-01-01');
    expect(utcDay(86_400_000)).toBe('1970-01-02');
  });

  it('accepts timestamps up to the last millisecond of year 9999 and refuses the next', () => {
    expect(MAX_LAKE_TS).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    expect(checkReading(reading({ ts: MAX_LAKE_TS }))).toBeUndefined();
    expect(checkReading(reading({ ts: MAX_LAKE_TS + 1 }))?.kind).toBe('invalid');
    expect(checkMovement(movement({ ts: MAX_LAKE_TS + 1 }))?.kind).toBe('invalid');
  });

  it('refuses what DuckDB refuses: off-catalog metric, wrong unit, non-finite value, bad version, lone surrogate', () => {
    expect(checkReading({ ...reading(), metric: 'nope' as never })?.kind).toBe('invalid');
    expect(checkReading(reading({ unit: 'kPa' as never }))?.kind).toBe('invalid');
    expect(checkReading(reading({ value: Number.POSITIVE_INFINITY }))?.kind).toBe('invalid');
    expect(checkReading(reading({ version: 0 }))?.kind).toBe('invalid');
    expect(checkReading(reading({ line: 'a\uD800' }))?.kind).toBe('invalid');
    expect(checkReading(reading({ ts: -1 }))?.kind).toBe('invalid');
    expect(checkMovement(movement({ netTonnes: Number.NaN }))?.kind).toBe('invalid');
    expect(checkMovement(movement({ operationCode: '' }))?.kind).toBe('invalid');
    expect(checkReading(reading())).toBeUndefined();
    expect(checkMovement(movement())).toBeUndefined();
  });

  it('maps readings deterministically and losslessly through the JSON record (property)', () => {
    fc.assert(
      fc.property(arbReading, (r) => {
        expect(checkReading(r)).toBeUndefined();
        const bytes = encodeRow(readingRow(r));
        expect(encodeRow(readingRow({ ...r }))).toEqual(bytes);
        expect(readingOfRow(decode(bytes))).toEqual(r);
        expect(decode(bytes).day).toBe(new Date(r.ts).toISOString().slice(0, 10));
      }),
      { numRuns: 300 },
    );
  });

  it('maps movements deterministically and losslessly through the JSON record (property)', () => {
    fc.assert(
      fc.property(arbMovement, (m) => {
        expect(checkMovement(m)).toBeUndefined();
        const bytes = encodeRow(movementRow(m));
        expect(encodeRow(movementRow({ ...m }))).toEqual(bytes);
        expect(movementOfRow(decode(bytes))).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });
});
