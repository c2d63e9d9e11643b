import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  QueryCommand,
  QueryExecutionException,
  ResourceNotFoundException,
  ThrottlingException,
  TimestreamQueryServiceException,
  ValidationException,
} from '@aws-sdk/client-timestream-query';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  decodeQualities,
  encodeQualities,
  familyCode,
} from '../../../lambdas/adapters/timestream/records.ts';
import {
  InvalidMetricsQueryError,
  TimestreamQueryError,
} from '../../../lambdas/adapters/timestream-query/errors.ts';
import { MAX_QUERY_TIME_MS } from '../../../lambdas/adapters/timestream-query/sql.ts';
import {
  DEFAULT_LAST_BEFORE_LOOKBACK_MS,
  qualityIn,
  qualityPattern,
} from '../../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import { METRIC_NAMES, type MetricName } from '../../../lambdas/domain/catalog.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { LINE_PATTERN, PLANT_ID_PATTERN, QUALITIES } from '../../../lambdas/domain/telemetry.ts';
import {
  column,
  DAY,
  MINUTE,
  MOVEMENT_COLUMNS,
  makeReader,
  movement,
  NOW,
  PLANT,
  page,
  queryClient,
  reading,
  readingColumns,
  timestampText,
  type Value,
} from './fixtures.ts';

const client = queryClient();
const mock = mockClient(client);
const reader = makeReader(client);

beforeEach(() => {
  mock.reset();
});

const sent = (): string[] =>
  mock.commandCalls(QueryCommand).map((call) => call.args[0].input.QueryString ?? '');
const tokens = (): Array<string | undefined> =>
  mock.commandCalls(QueryCommand).map((call) => call.args[0].input.NextToken);

const FT = familyCode(['furnace_temperature']);
const FAMILY = familyCode(['waste_feed_rate', 'furnace_temperature', 'flue_gas_o2']);

/** A readings row in readingColumns order: line, measure_name, time, value, q, v. */
function readingRow(
  line: string,
  ts: number,
  value: number,
  q: Value = null,
  v: Value = null,
  family = FT,
): Value[] {
  return [line, family, timestampText(ts), String(value), q, v];
}

const READINGS_SQL =
  `SELECT "line", measure_name, time, "ft", "q", "v" FROM "wte"."readings" ` +
  `WHERE time >= from_milliseconds(1000) AND time < from_milliseconds(2000) AND "plant" = 'kz-ast-01'` +
  ` AND measure_name LIKE 'm.%' AND "ft" IS NOT NULL`;

function lastBeforeSql(
  from: number,
  before: number,
  columns = '"ft", "q", "v"',
  q = '"q"',
  v = '"v"',
): string {
  const plain = `"line", measure_name, time, "ft", "q", "v"`;
  return (
    `SELECT ${plain} FROM (SELECT ${plain}, row_number() OVER (PARTITION BY "line" ORDER BY time DESC) AS recency ` +
    `FROM (SELECT "line", measure_name, time, ${columns}, row_number() OVER (PARTITION BY "line", time ` +
    `ORDER BY coalesce(${v}, 1) DESC, "ft" ASC, CASE WHEN regexp_like(${q}, '(^|,)(ftB)(,|$)') THEN 2 ` +
    `WHEN regexp_like(${q}, '(^|,)(ftU)(,|$)') THEN 1 ELSE 0 END DESC) AS pick FROM "wte"."readings" ` +
    `WHERE time >= from_milliseconds(${from}) AND time < from_milliseconds(${before}) AND "plant" = 'kz-ast-01' ` +
    `AND measure_name LIKE 'm.%' AND "ft" IS NOT NULL) AS versions ` +
    `WHERE pick = 1 AND NOT coalesce(regexp_like("q", '(^|,)(ftB|ftU)(,|$)'), false)) AS good WHERE recency = 1`
  );
}

function movementsSql(wideFrom: number, wideTo: number, from: number, to: number): string {
  return (
    `SELECT "ticket", time, "t", "dir", "mat", "dst", "op", "v" FROM "wte"."movements" ` +
    `WHERE time >= from_milliseconds(${wideFrom}) AND time < from_milliseconds(${wideTo}) ` +
    `AND "plant" = 'kz-ast-01' AND measure_name = 'wb' AND "ticket" IN (SELECT "ticket" FROM "wte"."movements" ` +
    `WHERE time >= from_milliseconds(${from}) AND time < from_milliseconds(${to}) ` +
    `AND "plant" = 'kz-ast-01' AND measure_name = 'wb')`
  );
}

describe('TimestreamMetricsReader SQL', () => {
  it('reads a series of a plant: time range first, plant, reading families, the metric column present', async () => {
    mock.on(QueryCommand).resolves(page(readingColumns('ft'), []));
    await reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000 });
    expect(sent()).toEqual([READINGS_SQL]);
  });

  it('reads a series of one line with a line predicate, and the metric by its own code', async () => {
    mock.on(QueryCommand).resolves(page(readingColumns('wfc'), []));
    await reader.readReadings({
      plantId: PLANT,
      metric: 'waste_fed',
      from: 1000,
      to: 2000,
      line: 'boiler-1',
    });
    expect(sent()).toEqual([
      `SELECT "line", measure_name, time, "wfc", "q", "v" FROM "wte"."readings" ` +
        `WHERE time >= from_milliseconds(1000) AND time < from_milliseconds(2000) AND "plant" = 'kz-ast-01'` +
        ` AND "line" = 'boiler-1' AND measure_name LIKE 'm.%' AND "wfc" IS NOT NULL`,
    ]);
  });

  it('reads the last GOOD reading per line within a bounded lookback, reduced in SQL', async () => {
    mock.on(QueryCommand).resolves(page(readingColumns('ft'), []));
    await reader.readLastBefore(PLANT, 'furnace_temperature', NOW);
    const short = makeReader(client, { lastBeforeLookbackMs: 3_600_000 });
    await short.readLastBefore(PLANT, 'furnace_temperature', NOW);
    expect(sent()).toEqual([
      lastBeforeSql(NOW - DEFAULT_LAST_BEFORE_LOOKBACK_MS, NOW),
      lastBeforeSql(NOW - 3_600_000, NOW),
    ]);
    expect(DEFAULT_LAST_BEFORE_LOOKBACK_MS).toBe(7 * DAY);
  });

  it('reads movements of the tickets weighed in range, with their versions within the horizon around it', async () => {
    mock.on(QueryCommand).resolves(page(MOVEMENT_COLUMNS, []));
    await reader.readMovements(PLANT, NOW - DAY, NOW);
    await makeReader(client, { ticketShiftHorizonMs: 1000 }).readMovements(PLANT, 5000, 6000);
    expect(sent()).toEqual([
      movementsSql(NOW - 8 * DAY, NOW + 7 * DAY, NOW - DAY, NOW),
      movementsSql(4000, 7000, 5000, 6000),
    ]);
  });

  it('turns bounds into the integer bounds that select the same times, clamped to representable times', async () => {
    mock.on(QueryCommand).resolves(page(readingColumns('ft'), []));
    await reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 999.2, to: 1999.5 });
    await reader.readReadings({
      plantId: PLANT,
      metric: 'furnace_temperature',
      from: Number.NEGATIVE_INFINITY,
      to: Number.POSITIVE_INFINITY,
    });
    const [fractional, infinite] = sent();
    expect(fractional).toBe(READINGS_SQL);
    expect(infinite).toContain(
      `time >= from_milliseconds(0) AND time < from_milliseconds(${MAX_QUERY_TIME_MS})`,
    );
  });

  it('sends no query for an empty range', async () => {
    mock.on(QueryCommand).rejects(new Error('no call expected'));
    const base = { plantId: PLANT, metric: 'furnace_temperature' as const };
    expect(await reader.readReadings({ ...base, from: 2000, to: 2000 })).toEqual([]);
    expect(await reader.readReadings({ ...base, from: 2000, to: 1000 })).toEqual([]);
    expect(await reader.readReadings({ ...base, from: 1999.5, to: 2000 })).toEqual([]);
    expect(await reader.readReadings({ ...base, from: -5, to: 0 })).toEqual([]);
    expect(await reader.readLastBefore(PLANT, 'furnace_temperature', 0)).toEqual([]);
    expect(await reader.readMovements(PLANT, NOW, NOW - 1)).toEqual([]);
    expect(sent()).toEqual([]);
  });
});

describe('TimestreamMetricsReader pagination', () => {
  it('follows NextToken across pages with the same query text and reads each page by its own columns', async () => {
    const reordered = [...readingColumns('ft')].reverse();
    mock
      .on(QueryCommand)
      .resolvesOnce(page(readingColumns('ft'), [], 'token-1'))
      .resolvesOnce(
        page(
          reordered,
          [readingRow('turbine', 1500, 2).reverse(), readingRow('boiler-1', 1200, 1).reverse()],
          'token-2',
        ),
      )
      .resolvesOnce(page(undefined, [readingRow('boiler-1', 1100, 3).reverse()]));
    const readings = await reader.readReadings({
      plantId: PLANT,
      metric: 'furnace_temperature',
      from: 1000,
      to: 2000,
    });
    expect(sent()).toEqual([READINGS_SQL, READINGS_SQL, READINGS_SQL]);
    expect(tokens()).toEqual([undefined, 'token-1', 'token-2']);
    expect(readings.map((r) => [r.line, r.ts, r.value])).toEqual([
      ['boiler-1', 1100, 3],
      ['boiler-1', 1200, 1],
      ['turbine', 1500, 2],
    ]);
  });

  it('gives up after maxPages pages', async () => {
    mock.on(QueryCommand).resolves(page(readingColumns('ft'), [], 'again'));
    const bounded = makeReader(client, { maxPages: 4 });
    await expect(
      bounded.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000 }),
    ).rejects.toThrow(TimestreamQueryError);
    expect(sent()).toHaveLength(4);
  });

  it('fails the whole read when a later page fails, with no partial answer', async () => {
    mock
      .on(QueryCommand)
      .resolvesOnce(page(readingColumns('ft'), [readingRow('boiler-1', 1200, 1)], 'token-1'))
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));
    await expect(
      reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000 }),
    ).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('TimestreamMetricsReader.readReadings rows', () => {
  it('decodes each row into a stored reading: quality from q, version from v, NULLs as GOOD and version 1', async () => {
    mock
      .on(QueryCommand)
      .resolves(
        page(readingColumns('wf'), [
          readingRow('boiler-1', 1100, 14.5, null, null, FAMILY),
          readingRow('boiler-1', 1200, 15, 'wfU,o2B', null, FAMILY),
          readingRow('boiler-1', 1300, 16, 'wfB', '1764000000000', familyCode(['waste_feed_rate'])),
          readingRow('boiler-1', 1400, 17, 'ftB,o2U', null, FAMILY),
        ]),
      );
    const readings = await reader.readReadings({
      plantId: PLANT,
      metric: 'waste_feed_rate',
      from: 1000,
      to: 2000,
    });
    const base = reading({ metric: 'waste_feed_rate', line: 'boiler-1' });
    expect(readings).toEqual([
      { ...base, ts: 1100, value: 14.5, quality: 'GOOD', version: 1, correction: false },
      { ...base, ts: 1200, value: 15, quality: 'UNCERTAIN', version: 1, correction: false },
      { ...base, ts: 1300, value: 16, quality: 'BAD', version: 1_764_000_000_000, correction: true },
      { ...base, ts: 1400, value: 17, quality: 'GOOD', version: 1, correction: false },
    ]);
    expect(readings[0]).toMatchObject({ unit: 't/h', kind: 'gauge', plantId: PLANT });
  });

  it('keeps, per line and time, the highest version, then the smallest value, then the worst quality', async () => {
    const rows: Value[][] = [
      // boiler-1 @1100: a correction in its own record wins over the original.
      readingRow('boiler-1', 1100, 900, null, null, FAMILY),
      readingRow('boiler-1', 1100, 905, 'ftU', '1764000000000'),
      // boiler-1 @1200: two records of one version from separate writes disagree: the smallest value.
      readingRow('boiler-1', 1200, 910, null, null, FAMILY),
      readingRow('boiler-1', 1200, 908, null, null),
      // boiler-1 @1300: same value, different quality: the worst.
      readingRow('boiler-1', 1300, 920, null, null, FAMILY),
      readingRow('boiler-1', 1300, 920, 'ftB', null),
      readingRow('boiler-1', 1300, 920, 'wfB,ftU', null, FAMILY),
      // other line, same time: separate series.
      readingRow('stack', 1100, 1, null, null),
    ];
    const expected = [
      ['boiler-1', 1100, 905, 'UNCERTAIN', 1_764_000_000_000],
      ['stack', 1100, 1, 'GOOD', 1],
      ['boiler-1', 1200, 908, 'GOOD', 1],
      ['boiler-1', 1300, 920, 'BAD', 1],
    ];
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(rows, { minLength: rows.length }), async (order) => {
        mock.reset();
        mock.on(QueryCommand).resolves(page(readingColumns('ft'), order));
        const readings = await reader.readReadings({
          plantId: PLANT,
          metric: 'furnace_temperature',
          from: 1000,
          to: 2000,
        });
        expect(readings.map((r) => [r.line, r.ts, r.value, r.quality, r.version])).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a row whose family does not hold the metric, and reads a family it cannot decode by its column', async () => {
    mock
      .on(QueryCommand)
      .resolves(page(readingColumns('ft'), [readingRow('boiler-1', 1100, 1, null, null, 'm.1')]));
    const query = { plantId: PLANT, metric: 'furnace_temperature' as const, from: 1000, to: 2000 };
    await expect(reader.readReadings(query)).rejects.toThrow(/m\.1 does not hold furnace_temperature/);

    // Bit 40 is no metric yet: a newer writer's family; its ft column is still ft.
    const newer = `m.${((1n << 40n) | 2n).toString(36)}`;
    mock.reset();
    mock
      .on(QueryCommand)
      .resolves(page(readingColumns('ft'), [readingRow('boiler-1', 1100, 7, 'zzB,ftU', null, newer)]));
    expect(await reader.readReadings(query)).toEqual([
      reading({ ts: 1100, value: 7, quality: 'UNCERTAIN', line: 'boiler-1' }),
    ]);
  });

  it('refuses rows it cannot read (wrong types, unknown columns) with TimestreamQueryError', async () => {
    const badValue = readingRow('boiler-1', 1100, 1);
    badValue[3] = 'n/a';
    mock.on(QueryCommand).resolves(page(readingColumns('ft'), [badValue]));
    await expect(
      reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000 }),
    ).rejects.toThrow(TimestreamQueryError);
    mock.reset();
    mock.on(QueryCommand).resolves(page(readingColumns('ft'), [readingRow('boiler-1', 1100, 1, null, '0')]));
    await expect(
      reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000 }),
    ).rejects.toThrow(/version 0/);
  });

  it('reads qualities exactly as records.ts encodes them, in TypeScript and in the SQL pattern', () => {
    const assignment = fc.dictionary(fc.constantFrom(...METRIC_NAMES), fc.constantFrom(...QUALITIES), {
      maxKeys: 8,
    });
    fc.assert(
      fc.property(assignment, fc.constantFrom(...METRIC_NAMES), (qualities, metric: MetricName) => {
        const q = encodeQualities(
          Object.entries(qualities) as Array<[MetricName, (typeof QUALITIES)[number]]>,
        );
        const expected = decodeQualities(q).get(metric) ?? 'GOOD';
        expect(qualityIn(q, metric)).toBe(expected);
        const bad = encodeQualities([[metric, 'BAD']]) as string;
        const uncertain = encodeQualities([[metric, 'UNCERTAIN']]) as string;
        expect(new RegExp(qualityPattern(bad, uncertain)).test(q ?? '')).toBe(expected !== 'GOOD');
        expect(new RegExp(qualityPattern(bad)).test(q ?? '')).toBe(expected === 'BAD');
      }),
      { numRuns: 300 },
    );
  });
});

describe('TimestreamMetricsReader.readLastBefore rows', () => {
  it('answers the last GOOD reading of each line, after the latest version of each reading', async () => {
    mock.on(QueryCommand).resolves(
      page(readingColumns('ft'), [
        readingRow('boiler-1', 1100, 900),
        // @1200 was GOOD, then a correction marked it BAD: the last GOOD is @1100.
        readingRow('boiler-1', 1200, 901, null, null, FAMILY),
        readingRow('boiler-1', 1200, 950, 'ftB', '1764000000000'),
        readingRow('boiler-2', 1000, 880),
        readingRow('boiler-2', 1300, 870, 'ftU'),
        readingRow('stack', 1300, 5, 'ftU'),
      ]),
    );
    const last = await reader.readLastBefore(PLANT, 'furnace_temperature', 2000);
    expect(last.map((r) => [r.line, r.ts, r.value, r.quality])).toEqual([
      ['boiler-1', 1100, 900, 'GOOD'],
      ['boiler-2', 1000, 880, 'GOOD'],
    ]);
  });
});

describe('TimestreamMetricsReader.readMovements rows', () => {
  function movementRow(
    ticket: string,
    ts: number,
    tonnes: string,
    rest: { dir?: string; mat?: string; dst?: Value; op?: Value; v?: Value } = {},
  ): Value[] {
    return [
      ticket,
      timestampText(ts),
      tonnes,
      rest.dir ?? 'in',
      rest.mat ?? 'mixed_waste',
      rest.dst ?? null,
      rest.op ?? null,
      rest.v ?? null,
    ];
  }

  it('keeps the latest version of each ticket and only tickets whose latest ts is in range', async () => {
    const from = NOW - DAY;
    mock.on(QueryCommand).resolves(
      page(MOVEMENT_COLUMNS, [
        movementRow('A', from + 10, '12.34'),
        // B: corrected to 13 t with a new ts inside the range.
        movementRow('B', from + 20, '10'),
        movementRow('B', from + 30, '13', { v: '1764000000000' }),
        // C: corrected, the correction moved it out of the range (after `to`).
        movementRow('C', from + 40, '9'),
        movementRow('C', NOW + 5, '9', { v: '1764000000001' }),
        // D: an outgoing ticket with destination and operation code.
        movementRow('D', from + 10, '4.5', { dir: 'out', mat: 'rejects', dst: 'energy_recovery', op: 'R1' }),
        // E: weighed before the range, corrected into it.
        movementRow('E', from - 50, '3'),
        movementRow('E', from + 50, '3', { v: '1764000000002' }),
        // F: two same-version records from separate writes: the smallest fingerprint (earlier ts) wins.
        movementRow('F', from + 70, '2'),
        movementRow('F', from + 60, '2'),
      ]),
    );
    const movements = await reader.readMovements(PLANT, from, NOW);
    expect(movements).toEqual([
      movement({ ticketId: 'A', ts: from + 10, netTonnes: 12.34 }),
      movement({
        ticketId: 'D',
        ts: from + 10,
        netTonnes: 4.5,
        direction: 'out',
        material: 'rejects',
        destination: 'energy_recovery',
        operationCode: 'R1',
      }),
      movement({ ticketId: 'B', ts: from + 30, netTonnes: 13, version: 1_764_000_000_000, correction: true }),
      movement({ ticketId: 'E', ts: from + 50, netTonnes: 3, version: 1_764_000_000_002, correction: true }),
      movement({ ticketId: 'F', ts: from + 60, netTonnes: 2 }),
    ]);
  });

  it('refuses a stored ticket with a value outside the contract', async () => {
    mock
      .on(QueryCommand)
      .resolves(page(MOVEMENT_COLUMNS, [movementRow('A', NOW - 10, '1', { mat: 'gold' })]));
    await expect(reader.readMovements(PLANT, NOW - DAY, NOW)).rejects.toThrow(/material "gold"/);
  });
});

describe('TimestreamMetricsReader input validation', () => {
  const hostile = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: fc.constantFrom("'", '"', '\\', ';', '-', ' ', '\n', 'a', '1', '.', ':', '%', 'A') }),
    fc.stringMatching(PLANT_ID_PATTERN),
    fc.stringMatching(LINE_PATTERN),
    fc.constantFrom(
      "kz' OR '1'='1",
      "kz-ast-01' --",
      "x'); DROP TABLE readings; --",
      "boiler-1' OR line <> '",
    ),
  );

  it('sends no query for a plant id outside the pattern, and puts a valid one in the SQL verbatim', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, fc.constantFrom('readings', 'last', 'movements'), async (plantId, method) => {
        mock.reset();
        mock.on(QueryCommand).resolves(page(readingColumns('ft'), []));
        const run = () =>
          method === 'readings'
            ? reader.readReadings({ plantId, metric: 'furnace_temperature', from: 1000, to: 2000 })
            : method === 'last'
              ? reader.readLastBefore(plantId, 'furnace_temperature', 2000)
              : reader.readMovements(plantId, 1000, 2000);
        if (!PLANT_ID_PATTERN.test(plantId)) {
          await expect(run()).rejects.toBeInstanceOf(InvalidMetricsQueryError);
          expect(sent()).toEqual([]);
          return;
        }
        await run();
        const [query] = sent();
        if (method === 'readings') expect(query).toBe(READINGS_SQL.replace(`'${PLANT}'`, `'${plantId}'`));
        expect(query?.split(`"plant" = '${plantId}'`).length).toBe(method === 'movements' ? 3 : 2);
      }),
      { numRuns: 300 },
    );
  });

  it('sends no query for a line outside the pattern, and puts a valid one in the SQL verbatim', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (line) => {
        mock.reset();
        mock.on(QueryCommand).resolves(page(readingColumns('ft'), []));
        const run = () =>
          reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000, line });
        if (!LINE_PATTERN.test(line)) {
          await expect(run()).rejects.toMatchObject({ name: 'InvalidMetricsQueryError', field: 'line' });
          expect(sent()).toEqual([]);
          return;
        }
        await run();
        expect(sent()).toEqual([
          READINGS_SQL.replace(` AND measure_name LIKE`, ` AND "line" = '${line}' AND measure_name LIKE`),
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('sends no query for a metric outside the catalog or a time that is not a number', async () => {
    mock.on(QueryCommand).resolves(page(readingColumns('ft'), []));
    const metrics = ['__proto__', 'constructor', 'toString', "furnace_temperature' --", 'FT', '', 'ft'];
    for (const metric of metrics) {
      await expect(
        reader.readReadings({ plantId: PLANT, metric: metric as MetricName, from: 1000, to: 2000 }),
      ).rejects.toMatchObject({ name: 'InvalidMetricsQueryError', field: 'metric' });
      await expect(reader.readLastBefore(PLANT, metric as MetricName, 2000)).rejects.toBeInstanceOf(
        InvalidMetricsQueryError,
      );
    }
    const notTimes = [Number.NaN, '1000' as unknown as number, undefined as unknown as number];
    for (const bad of notTimes) {
      await expect(
        reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: bad, to: 2000 }),
      ).rejects.toMatchObject({ field: 'from' });
      await expect(
        reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: bad }),
      ).rejects.toMatchObject({ field: 'to' });
      await expect(reader.readLastBefore(PLANT, 'furnace_temperature', bad)).rejects.toMatchObject({
        field: 'before',
      });
      await expect(reader.readMovements(PLANT, bad, 2000)).rejects.toBeInstanceOf(InvalidMetricsQueryError);
    }
    expect(sent()).toEqual([]);
  });

  it('refuses database and table names that could not be quoted safely, and bad limits', () => {
    for (const databaseName of ['wte"; DROP TABLE x; --', 'we', '', 'a b c', "wte'"])
      expect(() => makeReader(client, { databaseName })).toThrow(RangeError);
    expect(() => makeReader(client, { readingsTableName: 'readings"' })).toThrow(/readingsTableName/);
    expect(() => makeReader(client, { movementsTableName: 'x' })).toThrow(/movementsTableName/);
    expect(() => makeReader(client, { lastBeforeLookbackMs: 0 })).toThrow(/lastBeforeLookbackMs/);
    expect(() => makeReader(client, { ticketShiftHorizonMs: 1.5 })).toThrow(/ticketShiftHorizonMs/);
    expect(() => makeReader(client, { maxPages: -1 })).toThrow(/maxPages/);
  });
});

describe('TimestreamMetricsReader errors', () => {
  const query = { plantId: PLANT, metric: 'furnace_temperature' as const, from: 1000, to: 2000 };
  const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });

  it('maps throttling, server faults, network faults and query timeouts to UnavailableError', async () => {
    const transient: unknown[] = [
      new ThrottlingException({ message: 'Rate exceeded', ...meta(400) }),
      new InternalServerException({ message: 'Internal error', ...meta(500) }),
      new TimestreamQueryServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: 'Service unavailable',
        ...meta(503),
      }),
      new QueryExecutionException({ message: 'Query timed out after 60 minutes', ...meta(400) }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ];
    for (const error of transient) {
      mock.reset();
      mock.on(QueryCommand).rejects(error as Error);
      const failure = await reader.readReadings(query).catch((e: unknown) => e);
      expect(failure, String(error)).toBeInstanceOf(UnavailableError);
      expect((failure as UnavailableError).cause).toBe(error);
      expect((failure as Error).message).toContain('wte.readings');
    }
  });

  it('maps every other refusal to TimestreamQueryError carrying the SQL', async () => {
    const permanent: Error[] = [
      new ValidationException({ message: 'line 1:1: mismatched input', ...meta(400) }),
      new AccessDeniedException({ message: 'not authorized', ...meta(403) }),
      new ResourceNotFoundException({ message: 'no such table', ...meta(404) }),
      new QueryExecutionException({ message: 'Division by zero', ...meta(400) }),
      new ConflictException({ message: 'query was cancelled', ...meta(409) }),
    ];
    for (const error of permanent) {
      mock.reset();
      mock.on(QueryCommand).rejects(error);
      const failure = await reader.readReadings(query).catch((e: unknown) => e);
      expect(failure, error.name).toBeInstanceOf(TimestreamQueryError);
      expect((failure as TimestreamQueryError).query).toBe(READINGS_SQL);
      expect((failure as Error).message).toContain(error.name);
      expect((failure as Error).cause).toBe(error);
    }
  });
});

describe('TimestreamMetricsReader columns a table does not have yet', () => {
  const missing = (name: string) =>
    new ValidationException({
      message: `line 1:8: Column '${name}' does not exist`,
      $metadata: { httpStatusCode: 400 },
    });

  it('reruns with a typed NULL for an optional column and reads the rows', async () => {
    const columns = readingColumns('ft');
    mock
      .on(QueryCommand)
      .rejectsOnce(missing('v'))
      .resolvesOnce(page(columns, [readingRow('boiler-1', 1100, 900, 'ftU')]));
    const readings = await reader.readReadings({
      plantId: PLANT,
      metric: 'furnace_temperature',
      from: 1000,
      to: 2000,
    });
    expect(sent()).toEqual([
      READINGS_SQL,
      READINGS_SQL.replace('"q", "v"', '"q", CAST(NULL AS BIGINT) AS "v"'),
    ]);
    expect(readings).toEqual([reading({ ts: 1100, value: 900, quality: 'UNCERTAIN' })]);
  });

  it('puts typed NULLs in the window of readLastBefore too', async () => {
    mock
      .on(QueryCommand)
      .rejectsOnce(missing('q'))
      .rejectsOnce(missing('v'))
      .resolvesOnce(page(readingColumns('ft'), [readingRow('boiler-1', 1100, 900)]));
    const last = await reader.readLastBefore(PLANT, 'furnace_temperature', 2000);
    const from = 2000 - DEFAULT_LAST_BEFORE_LOOKBACK_MS;
    expect(sent()).toEqual([
      lastBeforeSql(Math.max(0, from), 2000),
      lastBeforeSql(0, 2000, '"ft", CAST(NULL AS VARCHAR) AS "q", "v"', 'CAST(NULL AS VARCHAR)'),
      lastBeforeSql(
        0,
        2000,
        '"ft", CAST(NULL AS VARCHAR) AS "q", CAST(NULL AS BIGINT) AS "v"',
        'CAST(NULL AS VARCHAR)',
        'CAST(NULL AS BIGINT)',
      ),
    ]);
    expect(last.map((r) => [r.line, r.ts])).toEqual([['boiler-1', 1100]]);
  });

  it('answers no rows when the metric column itself does not exist yet', async () => {
    mock.on(QueryCommand).rejectsOnce(missing('ft'));
    expect(
      await reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000 }),
    ).toEqual([]);
    mock.reset();
    mock.on(QueryCommand).rejectsOnce(missing('dst')).rejectsOnce(missing('t'));
    expect(await reader.readMovements(PLANT, 1000, 2000)).toEqual([]);
    expect(sent()).toHaveLength(2);
    expect(sent()[1]).toContain('CAST(NULL AS VARCHAR) AS "dst"');
  });

  it('does not loop: an unknown or repeated missing column is a TimestreamQueryError', async () => {
    mock.on(QueryCommand).rejects(missing('zz'));
    await expect(
      reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000 }),
    ).rejects.toThrow(TimestreamQueryError);
    expect(sent()).toHaveLength(1);
    mock.reset();
    mock.on(QueryCommand).rejects(missing('q'));
    await expect(
      reader.readReadings({ plantId: PLANT, metric: 'furnace_temperature', from: 1000, to: 2000 }),
    ).rejects.toThrow(/Column 'q' does not exist/);
    expect(sent()).toHaveLength(2);
  });
});

describe('TimestreamMetricsReader time text', () => {
  it('reads TIMESTAMP columns with nanosecond digits to the millisecond', async () => {
    const row = readingRow('boiler-1', 0, 1);
    row[2] = '2026-11-24 11:59:00.123000000';
    mock
      .on(QueryCommand)
      .resolves(page([column('line', 'VARCHAR'), ...readingColumns('ft').slice(1)], [row]));
    const [r] = await reader.readReadings({
      plantId: PLANT,
      metric: 'furnace_temperature',
      from: 0,
      to: NOW,
    });
    expect(r?.ts).toBe(NOW - MINUTE + 123);
  });
});
