import { describe, expect, it } from 'vitest';
import { naiveBilledKiB, naiveReadingRequests } from '../../../bench/naive-records.ts';
import {
  billedKiB,
  callsOf,
  decodeQualities,
  encodeQualities,
  familyCode,
  METRIC_CODES,
  metricsOfFamily,
  movementOfRow,
  planBilledKiB,
  planMovementWrites,
  planReadingWrites,
  readingsOfRow,
  recordBytes,
  requestBytes,
  type WriteRecordsBody,
} from '../../../lambdas/adapters/timestream/records.ts';
import { METRIC_NAMES } from '../../../lambdas/domain/catalog.ts';
import type { StoredReading } from '../../../lambdas/domain/ports.ts';
import { correction, MINUTE, messageReadings, movement, NOW, PLANT, reading, shuffled } from './fixtures.ts';

/** A frozen copy of the index table: stored data depends on it, so any change must fail here. */
const PINNED_CODES = [
  ['waste_feed_rate', 0, 'wf'],
  ['furnace_temperature', 1, 'ft'],
  ['steam_flow', 2, 'sf'],
  ['steam_pressure', 3, 'sp'],
  ['steam_temperature', 4, 'st'],
  ['power_gross', 5, 'pg'],
  ['power_export', 6, 'pe'],
  ['heat_export', 7, 'he'],
  ['flue_gas_o2', 8, 'o2'],
  ['boiler_dp', 9, 'dp'],
  ['dust', 10, 'du'],
  ['toc', 11, 'toc'],
  ['hcl', 12, 'hcl'],
  ['hf', 13, 'hf'],
  ['so2', 14, 'so2'],
  ['nox', 15, 'nox'],
  ['co', 16, 'co'],
  ['waste_fed', 17, 'wfc'],
  ['electricity_generated', 18, 'eg'],
  ['electricity_exported', 19, 'ee'],
  ['heat_exported', 20, 'hx'],
  ['mrf_input', 21, 'mi'],
  ['mrf_recovered', 22, 'mr'],
] as const;

/** A record of a call with its common attributes applied, as a row. */
function rowsOf(body: WriteRecordsBody) {
  return body.Records.map((record) => {
    const dimensions: Record<string, string> = {};
    for (const d of [...(body.CommonAttributes?.Dimensions ?? []), ...(record.Dimensions ?? [])])
      dimensions[d.Name ?? ''] = d.Value ?? '';
    const measures: Record<string, string> = {};
    for (const m of record.MeasureValues ?? []) measures[m.Name ?? ''] = m.Value ?? '';
    return { dimensions, time: Number(record.Time), measureName: record.MeasureName ?? '', measures };
  });
}

describe('metric code table', () => {
  it('is pinned: indexes and codes never change', () => {
    for (const [metric, index, code] of PINNED_CODES) expect(METRIC_CODES[metric]).toEqual({ index, code });
    expect(Object.keys(METRIC_CODES)).toHaveLength(PINNED_CODES.length);
  });

  it('covers the whole catalog with unique indexes and unique short codes', () => {
    expect(Object.keys(METRIC_CODES).sort()).toEqual([...METRIC_NAMES].sort());
    const entries = Object.values(METRIC_CODES);
    expect(new Set(entries.map((e) => e.index)).size).toBe(entries.length);
    expect(new Set(entries.map((e) => e.code)).size).toBe(entries.length);
    for (const { code } of entries) {
      expect(code).toMatch(/^[a-z][a-z0-9]{1,2}$/);
      expect(['q', 'v', 'plant', 'line']).not.toContain(code);
    }
  });
});

describe('family codes', () => {
  it('encode the sorted set of metrics, whatever the order', () => {
    expect(familyCode(['waste_feed_rate', 'furnace_temperature'])).toBe('m.3');
    expect(familyCode(['furnace_temperature', 'waste_feed_rate'])).toBe('m.3');
    expect(familyCode(['furnace_temperature'])).toBe('m.2');
    expect(familyCode(['mrf_recovered'])).toBe(`m.${(2 ** 22).toString(36)}`);
  });

  it('tell different metric sets apart and decode back', () => {
    const a = familyCode(['furnace_temperature', 'flue_gas_o2']);
    const b = familyCode(['furnace_temperature']);
    expect(a).not.toBe(b);
    expect(metricsOfFamily(a)).toEqual(['furnace_temperature', 'flue_gas_o2']);
    expect(metricsOfFamily(familyCode(METRIC_NAMES))).toEqual(
      [...METRIC_NAMES].sort((x, y) => METRIC_CODES[x].index - METRIC_CODES[y].index),
    );
  });

  it('refuse what is not a family code', () => {
    expect(metricsOfFamily('wb')).toBeUndefined();
    expect(metricsOfFamily('m.0')).toBeUndefined();
    expect(metricsOfFamily('m.')).toBeUndefined();
    expect(metricsOfFamily(`m.${(2n ** 40n).toString(36)}`)).toBeUndefined();
  });
});

describe('quality encoding', () => {
  it('is absent when every quality is GOOD', () => {
    expect(encodeQualities([['furnace_temperature', 'GOOD']])).toBeUndefined();
  });

  it('lists non-GOOD qualities in index order and decodes back', () => {
    const q = encodeQualities([
      ['flue_gas_o2', 'BAD'],
      ['steam_flow', 'GOOD'],
      ['furnace_temperature', 'UNCERTAIN'],
    ]);
    expect(q).toBe('ftU,o2B');
    expect(decodeQualities(q)).toEqual(
      new Map([
        ['furnace_temperature', 'UNCERTAIN'],
        ['flue_gas_o2', 'BAD'],
      ]),
    );
    expect(() => decodeQualities('zzU')).toThrow(RangeError);
  });
});

describe('planReadingWrites', () => {
  it('packs one message into one call: a record per line, plant and the record type in common attributes', () => {
    const readings = messageReadings(PLANT, NOW - MINUTE);
    const plan = planReadingWrites(readings);
    expect(plan.rejected).toEqual([]);
    expect(plan.rounds).toHaveLength(1);
    const [call] = callsOf(plan);
    expect(call?.body.CommonAttributes).toEqual({
      Dimensions: [{ Name: 'plant', Value: PLANT }],
      MeasureValueType: 'MULTI',
      TimeUnit: 'MILLISECONDS',
    });
    const records = call?.body.Records ?? [];
    expect(records.map((r) => r.Dimensions)).toEqual([
      [{ Name: 'line', Value: 'boiler-1' }],
      [{ Name: 'line', Value: 'stack' }],
      [{ Name: 'line', Value: 'turbine' }],
    ]);
    expect(records[0]).toEqual({
      Dimensions: [{ Name: 'line', Value: 'boiler-1' }],
      MeasureName: familyCode([
        'waste_feed_rate',
        'furnace_temperature',
        'flue_gas_o2',
        'boiler_dp',
        'steam_flow',
      ]),
      MeasureValues: [
        { Name: 'wf', Type: 'DOUBLE', Value: expect.any(String) },
        { Name: 'ft', Type: 'DOUBLE', Value: expect.any(String) },
        { Name: 'sf', Type: 'DOUBLE', Value: expect.any(String) },
        { Name: 'o2', Type: 'DOUBLE', Value: expect.any(String) },
        { Name: 'dp', Type: 'DOUBLE', Value: expect.any(String) },
      ],
      Time: String(NOW - MINUTE),
      Version: 1,
    });
    expect(call?.items.map((items) => items.length)).toEqual([5, 3, 4]);
  });

  it('puts the line in common attributes when every record of the call shares it', () => {
    const plan = planReadingWrites([
      reading({ ts: NOW - 2 * MINUTE }),
      reading({ ts: NOW - MINUTE, metric: 'flue_gas_o2', value: 6.1 }),
    ]);
    const [call] = callsOf(plan);
    expect(call?.body.CommonAttributes?.Dimensions).toEqual([
      { Name: 'plant', Value: PLANT },
      { Name: 'line', Value: 'boiler-1' },
    ]);
    expect(call?.body.Records.every((r) => r.Dimensions === undefined)).toBe(true);
  });

  it('builds identical requests from the same readings in any order and with duplicates', () => {
    const readings = [...messageReadings(PLANT, NOW - MINUTE), ...messageReadings('kz-shy-02', NOW - MINUTE)];
    const expected = planReadingWrites(readings);
    expect(planReadingWrites(shuffled(readings, 7))).toEqual(expected);
    const withCopies = shuffled([...readings, ...readings.slice(0, 5)], 8);
    expect(callsOf(planReadingWrites(withCopies)).map((c) => c.body)).toEqual(
      callsOf(expected).map((c) => c.body),
    );
  });

  it('writes the same quantity converted from different units as the same record text', () => {
    const a = planReadingWrites([
      reading({ metric: 'electricity_exported', line: 'turbine', value: 18.2505 }),
    ]);
    // 65.7018 GJ in MWh
    const b = planReadingWrites([
      reading({ metric: 'electricity_exported', line: 'turbine', value: 65.7018 / 3.6 }),
    ]);
    expect(65.7018 / 3.6).not.toBe(18.2505);
    expect(callsOf(b)[0]?.body).toEqual(callsOf(a)[0]?.body);
  });

  it('encodes non-GOOD qualities in the q measure', () => {
    const plan = planReadingWrites([
      reading({ quality: 'UNCERTAIN' }),
      reading({ metric: 'flue_gas_o2', value: 6, quality: 'BAD' }),
      reading({ metric: 'boiler_dp', value: 3 }),
    ]);
    const record = callsOf(plan)[0]?.body.Records[0];
    expect(record?.MeasureValues).toContainEqual({ Name: 'q', Value: 'ftU,o2B', Type: 'VARCHAR' });
  });

  it('gives a correction its own record, with the version in Version and in the v measure', () => {
    const original = reading();
    const fixed = correction(original, 915, NOW);
    const other = reading({ metric: 'flue_gas_o2', value: 6.2 });
    const plan = planReadingWrites([original, fixed, other]);
    const records = callsOf(plan).flatMap((c) => c.body.Records);
    expect(records).toHaveLength(2);
    const base = records.find((r) => r.Version === 1);
    const corrected = records.find((r) => r.Version === NOW);
    expect(base?.MeasureName).toBe(familyCode(['furnace_temperature', 'flue_gas_o2']));
    expect(base?.MeasureValues?.some((m) => m.Name === 'v')).toBe(false);
    expect(corrected?.MeasureName).toBe(familyCode(['furnace_temperature']));
    expect(corrected?.MeasureValues).toEqual([
      { Name: 'ft', Value: '915', Type: 'DOUBLE' },
      { Name: 'v', Value: String(NOW), Type: 'BIGINT' },
    ]);
  });

  it('sends versions of the same record identity in successive rounds, lowest first', () => {
    const original = reading();
    const plan = planReadingWrites([
      correction(original, 920, NOW),
      correction(original, 915, NOW - 1),
      original,
    ]);
    expect(plan.rounds.map((round) => round.flatMap((c) => c.body.Records.map((r) => r.Version)))).toEqual([
      [1],
      [NOW - 1],
      [NOW],
    ]);
  });

  it('sends different contents of one identity and version in successive rounds, in fingerprint order, whatever the input order', () => {
    const a = reading({ value: 900 });
    const b = reading({ value: 901 });
    for (const input of [
      [a, b, a],
      [b, a, a],
    ]) {
      const plan = planReadingWrites(input);
      expect(plan.rejected).toEqual([]);
      expect(plan.rounds.map((round) => round.flatMap((c) => c.items))).toEqual([[[a, a]], [[b]]]);
      expect(
        plan.rounds.map((round) => round.flatMap((c) => c.body.Records.map((r) => r.MeasureName))),
      ).toEqual([['m.2'], ['m.2']]);
    }
  });

  it('repeats the last content of the other metrics of a record in later rounds, so every round has its identity', () => {
    const ft1 = reading({ value: 900 });
    const ft2 = reading({ value: 901 });
    const ft3 = reading({ value: 902 });
    const o2 = reading({ metric: 'flue_gas_o2', value: 6.2 });
    const o2b = reading({ metric: 'flue_gas_o2', value: 6.3 });
    const plan = planReadingWrites([ft3, o2b, ft2, o2, ft1]);
    expect(plan.rejected).toEqual([]);
    const rounds = plan.rounds.map((round) => callsOf({ rounds: [round], rejected: [] })[0]);
    expect(rounds.map((call) => call?.body.Records.map((r) => r.MeasureName))).toEqual([
      [familyCode(['furnace_temperature', 'flue_gas_o2'])],
      [familyCode(['furnace_temperature', 'flue_gas_o2'])],
      [familyCode(['furnace_temperature', 'flue_gas_o2'])],
    ]);
    expect(rounds.map((call) => call?.items)).toEqual([[[ft1, o2]], [[ft2, o2b]], [[ft3]]]);
    expect(rounds.map((call) => call?.repeats)).toEqual([[[]], [[]], [[o2b]]]);
    expect(rounds[2]?.body.Records[0]?.MeasureValues).toEqual([
      { Name: 'ft', Value: '902', Type: 'DOUBLE' },
      { Name: 'o2', Value: '6.3', Type: 'DOUBLE' },
    ]);
  });

  it('refuses invalid readings and keeps the others', () => {
    const good = reading();
    const wrongUnit: StoredReading = { ...reading({ metric: 'flue_gas_o2' }), unit: 'degC' };
    const notFinite = reading({ metric: 'boiler_dp', value: Number.NaN });
    const badVersion = reading({ metric: 'steam_flow', version: 0 });
    const plan = planReadingWrites([good, wrongUnit, notFinite, badVersion]);
    expect(plan.rejected.map((r) => [r.item, r.kind])).toEqual([
      [wrongUnit, 'invalid'],
      [notFinite, 'invalid'],
      [badVersion, 'invalid'],
    ]);
    expect(callsOf(plan).flatMap((c) => c.items.flat())).toEqual([good]);
  });

  it('never puts more than 100 records in a call', () => {
    const readings = Array.from({ length: 350 }, (_, i) => reading({ ts: NOW - i * 10_000 }));
    const calls = callsOf(planReadingWrites(readings));
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) expect(call.body.Records.length).toBeLessThanOrEqual(100);
    expect(calls.reduce((n, c) => n + c.body.Records.length, 0)).toBe(350);
  });

  it('splits a family in index order when a record would exceed the record size limit', () => {
    const readings = messageReadings(PLANT, NOW).filter((r) => r.line === 'boiler-1');
    const plan = planReadingWrites(readings, { maxRecordBytes: 80 });
    const records = callsOf(plan).flatMap((c) => rowsOf(c.body));
    expect(records.length).toBeGreaterThan(1);
    const full = callsOf(plan).flatMap((c) =>
      c.body.Records.map((r) => ({
        ...r,
        Dimensions: [...(c.body.CommonAttributes?.Dimensions ?? []), ...(r.Dimensions ?? [])],
      })),
    );
    for (const record of full) expect(recordBytes(record)).toBeLessThanOrEqual(80);
    expect(records.flatMap(readingsOfRow).map((r) => r.metric)).toEqual([
      'waste_feed_rate',
      'furnace_temperature',
      'steam_flow',
      'flue_gas_o2',
      'boiler_dp',
    ]);
    expect(planReadingWrites(shuffled(readings, 3), { maxRecordBytes: 80 })).toEqual(plan);
  });

  it('refuses a reading whose record alone cannot fit the size limit', () => {
    const plan = planReadingWrites([reading()], { maxRecordBytes: 40 });
    expect(plan.rejected).toEqual([
      { item: reading(), kind: 'invalid', reason: expect.stringContaining('40 bytes') },
    ]);
    expect(plan.rounds).toEqual([]);
  });

  it('shares one call across plants when that bills fewer KiB than a call per plant', () => {
    const plan = planReadingWrites([reading(), reading({ plantId: 'kz-shy-02' })]);
    const calls = callsOf(plan);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body.CommonAttributes?.Dimensions).toEqual([{ Name: 'line', Value: 'boiler-1' }]);
    expect(calls[0]?.body.Records.map((r) => r.Dimensions)).toEqual([
      [{ Name: 'plant', Value: PLANT }],
      [{ Name: 'plant', Value: 'kz-shy-02' }],
    ]);
  });

  it('round-trips: the records decode to the readings written', () => {
    const readings = [
      ...messageReadings(PLANT, NOW - MINUTE),
      reading({ quality: 'BAD', ts: NOW - 2 * MINUTE }),
      correction(reading({ ts: NOW - 3 * MINUTE }), 999.25, NOW),
    ];
    const decoded = callsOf(planReadingWrites(readings)).flatMap((c) =>
      rowsOf(c.body).flatMap(readingsOfRow),
    );
    const key = (r: StoredReading) => JSON.stringify([r.line, r.metric, r.ts, r.version]);
    expect(decoded.sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(
      [...readings].sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    );
  });
});

describe('planMovementWrites', () => {
  it('writes one record per ticket: plant and ticket dimensions, measure name wb', () => {
    const m = movement({
      direction: 'out',
      destination: 'landfill',
      operationCode: 'D1',
      material: 'bottom_ash',
    });
    const [call] = callsOf(planMovementWrites([m]));
    expect(call?.body).toEqual({
      CommonAttributes: {
        Dimensions: [
          { Name: 'plant', Value: PLANT },
          { Name: 'ticket', Value: 'WB-2026-0001' },
        ],
        MeasureValueType: 'MULTI',
        TimeUnit: 'MILLISECONDS',
      },
      Records: [
        {
          MeasureName: 'wb',
          MeasureValues: [
            { Name: 't', Value: '12.34', Type: 'DOUBLE' },
            { Name: 'dir', Value: 'out', Type: 'VARCHAR' },
            { Name: 'mat', Value: 'bottom_ash', Type: 'VARCHAR' },
            { Name: 'dst', Value: 'landfill', Type: 'VARCHAR' },
            { Name: 'op', Value: 'D1', Type: 'VARCHAR' },
          ],
          Time: String(m.ts),
          Version: 1,
        },
      ],
    });
    expect(
      movementOfRow(rowsOf(call?.body as WriteRecordsBody)[0] as Parameters<typeof movementOfRow>[0]),
    ).toEqual(m);
  });

  it('keeps two tickets weighed at the same instant apart, and a correction carries v', () => {
    const a = movement();
    const b = movement({ ticketId: 'WB-2026-0002' });
    const fixed = { ...a, netTonnes: 12.5, correction: true, version: NOW };
    const plan = planMovementWrites([fixed, b, a]);
    const rows = callsOf(plan).flatMap((c) => rowsOf(c.body));
    expect(rows.map((r) => r.dimensions.ticket)).toEqual(['WB-2026-0001', 'WB-2026-0002', 'WB-2026-0001']);
    expect(plan.rounds).toHaveLength(2);
    expect(rows.map(movementOfRow)).toEqual([a, b, fixed]);
  });
});

describe('metering', () => {
  it('counts 8 B per timestamp, UTF-8 names and values, 8 B per double, common attributes once', () => {
    const body: WriteRecordsBody = {
      CommonAttributes: {
        Dimensions: [{ Name: 'plant', Value: 'kz-ast-01' }],
        MeasureValueType: 'MULTI',
        TimeUnit: 'MILLISECONDS',
      },
      Records: [
        {
          Dimensions: [{ Name: 'line', Value: 'boiler-1' }],
          MeasureName: 'm.2',
          MeasureValues: [
            { Name: 'ft', Value: '912.5', Type: 'DOUBLE' },
            { Name: 'q', Value: 'ftU', Type: 'VARCHAR' },
          ],
          Time: '1795514390000',
          Version: 1,
        },
        {
          Dimensions: [{ Name: 'line', Value: 'turbine' }],
          MeasureName: 'm.2',
          MeasureValues: [{ Name: 'ft', Value: '1', Type: 'DOUBLE' }],
          Time: '1795514390000',
        },
      ],
    };
    // common 5+9; record 1: 8 + 4+8 + 3 + (2+8) + (1+3); record 2: 8 + 4+7 + 3 + (2+8)
    expect(requestBytes(body)).toBe(14 + 37 + 32);
    expect(billedKiB(body)).toBe(1);
  });

  it('rounds each request up to whole KiB', () => {
    const body = (valueLength: number): WriteRecordsBody => ({
      Records: [
        {
          Dimensions: [{ Name: 'p', Value: 'x' }],
          MeasureName: 'n',
          MeasureValue: 'a'.repeat(valueLength),
          MeasureValueType: 'VARCHAR',
          Time: '1',
        },
      ],
    });
    expect(requestBytes(body(1024 - 11))).toBe(1024);
    expect(billedKiB(body(1024 - 11))).toBe(1);
    expect(billedKiB(body(1024 - 10))).toBe(2);
  });

  it('bills the naive design one KiB per reading', () => {
    const readings = messageReadings(PLANT, NOW);
    expect(naiveReadingRequests(readings)).toHaveLength(readings.length);
    // 8 + plant 5+9 + line 4+8 + quality 7+4 + 'waste_feed_rate' 15 + 8
    expect(requestBytes(naiveReadingRequests([readings[0] as StoredReading])[0] as WriteRecordsBody)).toBe(
      68,
    );
    expect(naiveBilledKiB(readings)).toBe(readings.length);
    expect(planBilledKiB(planReadingWrites(readings))).toBe(1);
  });
});
