/**
 * Timestream for LiveAnalytics records for the metrics store: pure and
 * deterministic. The same items, in any order and delivered any number of
 * times, build byte-identical WriteRecords requests, so an at-least-once
 * redelivery is an identical rewrite (a no-op for Timestream), never a
 * conflict.
 *
 * Readings table: one multi-measure record per (plant, line, ts, version) and
 * the set of metrics present there.
 * - Dimensions `plant` and `line`; Time = the reading's ts in milliseconds.
 * - MeasureName = family code of the record's metrics: `m.` + base36 of a
 *   bitmask over METRIC_CODES indexes (`m.3` is waste_feed_rate plus
 *   furnace_temperature). Two messages with different metric sets at the same
 *   (line, ts) build different record identities, so they never collide.
 * - One DOUBLE measure per metric under its short code (METRIC_CODES), the
 *   value rounded to 12 significant digits like `readingFingerprint`, so the
 *   same quantity converted from different units is the same record.
 * - `q` (VARCHAR, only when some quality is not GOOD): `<code><U|B>` per
 *   non-GOOD metric in index order, comma separated (`ftU,o2B`).
 * - `v` (BIGINT, only when the version is not BASE_VERSION): the record
 *   version again, because Timestream queries cannot see `Version`; readers
 *   resolve a metric present in several records by the highest `v`.
 * - Version = the readings' version: a correction goes into its own record.
 *
 * Movements table: one multi-measure record per ticket version.
 * - Dimensions `plant` and `ticket` (the ticket id is part of the identity, so
 *   two tickets weighed at the same instant never collide, and a correction
 *   of the same ticket and ts upserts in place); Time = the ticket's ts.
 * - MeasureName `wb`; measures `t` (net tonnes, DOUBLE), `dir`, `mat`, `dst`
 *   (when present), `op` (when present) as VARCHAR, `v` as above. A
 *   correction that moves the ticket's ts writes a second record; readers keep
 *   the highest `v` per ticket.
 *
 * Records are packed into calls of at most 100 records that share
 * CommonAttributes (MeasureValueType MULTI, TimeUnit MILLISECONDS, and every
 * dimension all records of the call have in common), choosing the split that
 * minimizes billed KiB (see `requestBytes`).
 */
import type { _Record, Dimension, MeasureValue } from '@aws-sdk/client-timestream-write';
import { canonicalUnitOf, isMetricName, METRICS, type MetricName } from '../../domain/catalog.ts';
import { movementFingerprint, movementKey, readingFingerprint } from '../../domain/identity.ts';
import {
  BASE_VERSION,
  type StoredMovement,
  type StoredReading,
  type StoreRejection,
} from '../../domain/ports.ts';
import {
  DESTINATIONS,
  type Destination,
  DIRECTIONS,
  type Direction,
  MATERIALS,
  type Material,
  QUALITIES,
  type Quality,
} from '../../domain/telemetry.ts';

/** Service limits of WriteRecords (performance.md section 1.1). */
export const TIMESTREAM_LIMITS = {
  maxRecordsPerCall: 100,
  maxRecordBytes: 2048,
  maxMeasuresPerRecord: 256,
} as const;

export type RecordLimits = { -readonly [K in keyof typeof TIMESTREAM_LIMITS]: number };

export interface MetricCode {
  /** Bit of the metric in family codes. Fixed forever: never renumber, only append. */
  readonly index: number;
  /** Measure name of the metric's value. Fixed forever. */
  readonly code: string;
}

/**
 * The metric index table. Stored family codes and measure names depend on it:
 * never change an entry or reuse an index; a new catalog metric takes the
 * next free index (23) and a new code.
 */
export const METRIC_CODES: Readonly<Record<MetricName, MetricCode>> = {
  waste_feed_rate: { index: 0, code: 'wf' },
  furnace_temperature: { index: 1, code: 'ft' },
  steam_flow: { index: 2, code: 'sf' },
  steam_pressure: { index: 3, code: 'sp' },
  steam_temperature: { index: 4, code: 'st' },
  power_gross: { index: 5, code: 'pg' },
  power_export: { index: 6, code: 'pe' },
  heat_export: { index: 7, code: 'he' },
  flue_gas_o2: { index: 8, code: 'o2' },
  boiler_dp: { index: 9, code: 'dp' },
  dust: { index: 10, code: 'du' },
  toc: { index: 11, code: 'toc' },
  hcl: { index: 12, code: 'hcl' },
  hf: { index: 13, code: 'hf' },
  so2: { index: 14, code: 'so2' },
  nox: { index: 15, code: 'nox' },
  co: { index: 16, code: 'co' },
  waste_fed: { index: 17, code: 'wfc' },
  electricity_generated: { index: 18, code: 'eg' },
  electricity_exported: { index: 19, code: 'ee' },
  heat_exported: { index: 20, code: 'hx' },
  mrf_input: { index: 21, code: 'mi' },
  mrf_recovered: { index: 22, code: 'mr' },
};

export const READINGS_DIMENSIONS = ['plant', 'line'] as const;
export const MOVEMENTS_DIMENSIONS = ['plant', 'ticket'] as const;
export const FAMILY_PREFIX = 'm.';
export const QUALITY_MEASURE = 'q';
export const VERSION_MEASURE = 'v';
export const MOVEMENT_MEASURE_NAME = 'wb';
export const MOVEMENT_MEASURES = {
  netTonnes: 't',
  direction: 'dir',
  material: 'mat',
  destination: 'dst',
  operationCode: 'op',
} as const;

const QUALITY_LETTER: Readonly<Record<Exclude<Quality, 'GOOD'>, string>> = { UNCERTAIN: 'U', BAD: 'B' };
const LETTER_QUALITY: ReadonlyMap<string, Quality> = new Map([
  ['U', 'UNCERTAIN'],
  ['B', 'BAD'],
]);

const METRIC_BY_INDEX = new Map<number, MetricName>();
const METRIC_BY_CODE = new Map<string, MetricName>();
for (const [metric, { index, code }] of Object.entries(METRIC_CODES) as Array<[MetricName, MetricCode]>) {
  if (
    METRIC_BY_INDEX.has(index) ||
    METRIC_BY_CODE.has(code) ||
    code === QUALITY_MEASURE ||
    code === VERSION_MEASURE
  )
    throw new Error(`METRIC_CODES: index ${index} or code ${code} of ${metric} is not unique`);
  METRIC_BY_INDEX.set(index, metric);
  METRIC_BY_CODE.set(code, metric);
}

/** Family code of a set of metrics: `m.` + base36 of the bitmask of their indexes. Order does not matter. */
export function familyCode(metrics: Iterable<MetricName>): string {
  let mask = 0n;
  for (const metric of metrics) mask |= 1n << BigInt(METRIC_CODES[metric].index);
  return FAMILY_PREFIX + mask.toString(36);
}

/** The metrics of a family code, in index order; `undefined` when it is not one. */
export function metricsOfFamily(measureName: string): MetricName[] | undefined {
  if (!measureName.startsWith(FAMILY_PREFIX)) return undefined;
  const digits = measureName.slice(FAMILY_PREFIX.length);
  if (!/^[1-9a-z][0-9a-z]*$/.test(digits)) return undefined;
  let mask = 0n;
  for (const digit of digits) mask = mask * 36n + BigInt(Number.parseInt(digit, 36));
  const metrics: MetricName[] = [];
  for (let index = 0; mask > 0n; index++, mask >>= 1n) {
    if ((mask & 1n) === 0n) continue;
    const metric = METRIC_BY_INDEX.get(index);
    if (metric === undefined) return undefined;
    metrics.push(metric);
  }
  return metrics;
}

const byIndex = (a: MetricName, b: MetricName) => METRIC_CODES[a].index - METRIC_CODES[b].index;

/** The `q` measure: non-GOOD qualities only, in index order; `undefined` when all are GOOD. */
export function encodeQualities(qualities: Iterable<readonly [MetricName, Quality]>): string | undefined {
  const parts = [...qualities]
    .filter(([, quality]) => quality !== 'GOOD')
    .sort(([a], [b]) => byIndex(a, b))
    .map(
      ([metric, quality]) => METRIC_CODES[metric].code + QUALITY_LETTER[quality as Exclude<Quality, 'GOOD'>],
    );
  return parts.length === 0 ? undefined : parts.join(',');
}

/** Reads a `q` measure back; metrics it does not name are GOOD. */
export function decodeQualities(q: string | undefined): Map<MetricName, Quality> {
  const out = new Map<MetricName, Quality>();
  if (q === undefined || q === '') return out;
  for (const part of q.split(',')) {
    const metric = METRIC_BY_CODE.get(part.slice(0, -1));
    const quality = LETTER_QUALITY.get(part.slice(-1));
    if (metric === undefined || quality === undefined) throw new RangeError(`not a quality entry: ${part}`);
    out.set(metric, quality);
  }
  return out;
}

/**
 * Value text of a DOUBLE measure: 12 significant digits, as in
 * `readingFingerprint`, so "the same content" is the same record text.
 */
export function doubleText(value: number): string {
  const text = String(value);
  // Fast path: at most 12 significant digits already (the shortest round-trip text has no more
  // digits than characters), so rounding to 12 digits gives the same number and the same text.
  if (text.length <= 12 && !text.includes('e')) return text;
  return String(Number(value.toPrecision(12)));
}

// ---------------------------------------------------------------------------
// Metering
//
// Billed bytes of one WriteRecords request (performance.md section 1.2, after
// the AWS page "Writes" of metering and pricing):
//
//   bytes = size(CommonAttributes) + sum over records of size(record)
//   size(x) = 8 B if x carries a Time
//           + UTF-8 bytes of every dimension name and value
//           + UTF-8 bytes of MeasureName
//           + for each measure value: UTF-8 bytes of its name (multi-measure)
//             + 8 B for DOUBLE, BIGINT or TIMESTAMP, 1 B for BOOLEAN,
//               UTF-8 bytes of the value for VARCHAR
//   billed KiB = ceil(bytes / 1024), per request
//
// Common attributes are counted once per request. Version, TimeUnit and
// value types are not metered.
// ---------------------------------------------------------------------------

/** The part of a WriteRecords request this module builds (the writer adds database and table). */
export interface WriteRecordsBody {
  readonly CommonAttributes?: _Record;
  readonly Records: _Record[];
}

const utf8 = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));

function valueBytes(type: string | undefined, value: string | undefined): number {
  switch (type) {
    case 'DOUBLE':
    case 'BIGINT':
    case 'TIMESTAMP':
      return 8;
    case 'BOOLEAN':
      return 1;
    default:
      return utf8(value);
  }
}

function dimensionBytes(dimension: Dimension): number {
  return utf8(dimension.Name) + utf8(dimension.Value);
}

/** Metered size of a record or of CommonAttributes, as if it stood alone. */
export function recordBytes(record: _Record, inheritedValueType?: string): number {
  let bytes = record.Time === undefined ? 0 : 8;
  for (const dimension of record.Dimensions ?? []) bytes += dimensionBytes(dimension);
  bytes += utf8(record.MeasureName);
  if (record.MeasureValue !== undefined)
    bytes += valueBytes(record.MeasureValueType ?? inheritedValueType, record.MeasureValue);
  for (const measure of record.MeasureValues ?? [])
    bytes += utf8(measure.Name) + valueBytes(measure.Type, measure.Value);
  return bytes;
}

/** Metered bytes of one WriteRecords request, common attributes counted once. */
export function requestBytes(body: WriteRecordsBody): number {
  const common = body.CommonAttributes;
  let bytes = common === undefined ? 0 : recordBytes(common);
  for (const record of body.Records) bytes += recordBytes(record, common?.MeasureValueType);
  return bytes;
}

/** Billed write units (1 KiB each) of one WriteRecords request. */
export function billedKiB(body: WriteRecordsBody): number {
  return Math.ceil(requestBytes(body) / 1024);
}

/**
 * The naive design, for comparison: one single-measure record per reading
 * (dimensions plant, line and quality; the metric's full name as
 * measure name), one reading per WriteRecords call.
 */
export function naiveReadingRequests(readings: readonly StoredReading[]): WriteRecordsBody[] {
  return readings.map((r) => ({
    Records: [
      {
        Dimensions: [
          { Name: 'plant', Value: r.plantId },
          { Name: 'line', Value: r.line },
          { Name: 'quality', Value: r.quality },
        ],
        MeasureName: r.metric,
        MeasureValue: doubleText(r.value),
        MeasureValueType: 'DOUBLE',
        Time: String(r.ts),
        TimeUnit: 'MILLISECONDS',
        Version: r.version,
      },
    ],
  }));
}

/** Billed KiB of the naive design for these readings. */
export function naiveBilledKiB(readings: readonly StoredReading[]): number {
  return naiveReadingRequests(readings).reduce((sum, body) => sum + billedKiB(body), 0);
}

// ---------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------

/** One WriteRecords call: the body and, per record index, the items that record carries. */
export interface PlannedCall<T> {
  readonly body: WriteRecordsBody;
  /** Per record: the items it carries. Every item sent is carried by exactly one record of the plan. */
  readonly items: ReadonlyArray<readonly T[]>;
  /**
   * Per record: items an earlier round carried whose content this record
   * repeats (the other metrics of a record that carries a later variant of
   * one metric). When this record is stored, so is their content.
   */
  readonly repeats: ReadonlyArray<readonly T[]>;
}

/**
 * Calls grouped in rounds. Rounds run one after the other: the records of
 * one record identity go to successive rounds, lowest version first and,
 * within a version, the contents of one item in fingerprint order, so each is
 * applied against what the previous rounds left stored: the highest version
 * ends up stored, a content identical to the stored one is an identical
 * rewrite, and only contents that differ from it are refused. Calls of one
 * round may run concurrently.
 */
export interface WritePlan<T> {
  readonly rounds: ReadonlyArray<ReadonlyArray<PlannedCall<T>>>;
  /**
   * Items refused before sending: invalid, breaking a record limit, or (tickets only) another content of
   * a ticket and version at another time than the first content's, which Timestream could not compare.
   */
  readonly rejected: ReadonlyArray<StoreRejection<T>>;
}

/** Every call of a plan, in order. */
export function callsOf<T>(plan: WritePlan<T>): PlannedCall<T>[] {
  return plan.rounds.flat();
}

/** Billed KiB of every call of a plan. */
export function planBilledKiB(plan: WritePlan<unknown>): number {
  return callsOf(plan).reduce((sum, call) => sum + billedKiB(call.body), 0);
}

interface BuiltRecord<T> {
  /** With every dimension, before common attributes are taken out. */
  readonly record: _Record & { readonly Dimensions: Dimension[]; readonly Version: number };
  readonly items: readonly T[];
  /** Items carried by an earlier round whose content this record repeats (see `PlannedCall.repeats`). */
  readonly repeats: readonly T[];
  /** Dimensions + time + measure name: what Timestream identifies a record by. */
  readonly identity: string;
  /** Which content of its identity and version it carries, in fingerprint order (0 for the first). */
  readonly variant: number;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareBuilt(a: BuiltRecord<unknown>, b: BuiltRecord<unknown>): number {
  const da = a.record.Dimensions;
  const db = b.record.Dimensions;
  for (let i = 0; i < Math.max(da.length, db.length); i++) {
    const order = compareText(da[i]?.Value ?? '', db[i]?.Value ?? '');
    if (order !== 0) return order;
  }
  return (
    Number(a.record.Time) - Number(b.record.Time) ||
    compareText(a.record.MeasureName ?? '', b.record.MeasureName ?? '') ||
    a.record.Version - b.record.Version ||
    a.variant - b.variant
  );
}

function identityOf(dimensions: readonly Dimension[], time: string, measureName: string): string {
  return JSON.stringify([dimensions.map((d) => [d.Name, d.Value]), time, measureName]);
}

function invalid<T>(item: T, reason: string): StoreRejection<T> {
  return { item, kind: 'invalid', reason };
}

function checkCommon(item: { readonly ts: number; readonly version: number }): string | undefined {
  if (!(Number.isSafeInteger(item.ts) && item.ts >= 0))
    return `timestamp must be integer epoch milliseconds, got ${item.ts}`;
  if (!(Number.isSafeInteger(item.version) && item.version >= BASE_VERSION))
    return `version must be an integer >= ${BASE_VERSION}, got ${item.version}`;
  return undefined;
}

const nonEmpty = (text: unknown): boolean => typeof text === 'string' && text.length > 0;

function checkReading(r: StoredReading): string | undefined {
  if (!nonEmpty(r.plantId) || !nonEmpty(r.line)) return 'plantId and line must be non-empty strings';
  if (!isMetricName(r.metric)) return `metric ${JSON.stringify(r.metric)} is not in the catalog`;
  if (r.unit !== canonicalUnitOf(r.metric))
    return `unit ${JSON.stringify(r.unit)} is not the canonical unit ${canonicalUnitOf(r.metric)} of ${r.metric}`;
  if (r.kind !== METRICS[r.metric].kind)
    return `kind ${JSON.stringify(r.kind)} is not the kind of ${r.metric}`;
  if (!QUALITIES.includes(r.quality)) return `quality ${JSON.stringify(r.quality)} is not known`;
  if (!Number.isFinite(r.value)) return `measure value must be a finite number, got ${r.value}`;
  return checkCommon(r);
}

function checkMovement(m: StoredMovement): string | undefined {
  if (!nonEmpty(m.plantId) || !nonEmpty(m.ticketId)) return 'plantId and ticketId must be non-empty strings';
  if (!DIRECTIONS.includes(m.direction)) return `direction ${JSON.stringify(m.direction)} is not known`;
  if (!MATERIALS.includes(m.material)) return `material ${JSON.stringify(m.material)} is not known`;
  if (m.destination !== undefined && !DESTINATIONS.includes(m.destination))
    return `destination ${JSON.stringify(m.destination)} is not known`;
  if (m.operationCode !== undefined && !nonEmpty(m.operationCode)) return 'operationCode must not be empty';
  if (!Number.isFinite(m.netTonnes)) return `netTonnes must be a finite number, got ${m.netTonnes}`;
  return checkCommon(m);
}

/**
 * Identity and version of a valid reading as one text (faster than
 * `readingKey`, which the profile showed): ts and version are integers and
 * a catalog metric has no '|', and the plant id's length comes before it, so
 * two different readings never share a text.
 */
const readingVersionKey = (r: StoredReading): string =>
  `${r.ts}|${r.version}|${r.metric}|${r.plantId.length}|${r.plantId}|${r.line}`;

const movementVersionKey = (m: StoredMovement): string => `${movementKey(m)}|${m.version}`;

/**
 * The contents of each identity and version, in fingerprint order (so the
 * order does not depend on the input's), identical copies grouped: they
 * travel together and share their fate. Several contents of one identity and
 * version are not settled here but sent in successive rounds, so Timestream
 * judges each against what is stored at that moment.
 */
function variantsOf<T>(
  items: readonly T[],
  versionKey: (item: T) => string,
  fingerprint: (item: T) => string,
): T[][][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const id = versionKey(item);
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [item]);
    else group.push(item);
  }
  const out: T[][][] = [];
  for (const group of groups.values()) {
    // Most identities arrive once: fingerprints only matter when one repeats.
    if (group.length === 1) {
      out.push([group]);
      continue;
    }
    const byContent = new Map<string, T[]>();
    for (const item of group) {
      const fp = fingerprint(item);
      const same = byContent.get(fp);
      if (same === undefined) byContent.set(fp, [item]);
      else same.push(item);
    }
    out.push([...byContent.keys()].sort(compareText).map((fp) => byContent.get(fp) as T[]));
  }
  return out;
}

/** The record of one content (a group of identical copies) per metric; the caller says what it carries. */
function readingRecord(
  contents: ReadonlyArray<readonly StoredReading[]>,
  variant: number,
  items: readonly StoredReading[],
  repeats: readonly StoredReading[],
): BuiltRecord<StoredReading> {
  const first = contents.map((group) => group[0] as StoredReading);
  const head = first[0] as StoredReading;
  const measures: MeasureValue[] = first.map((r) => ({
    Name: METRIC_CODES[r.metric].code,
    Value: doubleText(r.value),
    Type: 'DOUBLE',
  }));
  const q = encodeQualities(first.map((r) => [r.metric, r.quality]));
  if (q !== undefined) measures.push({ Name: QUALITY_MEASURE, Value: q, Type: 'VARCHAR' });
  if (head.version !== BASE_VERSION)
    measures.push({ Name: VERSION_MEASURE, Value: String(head.version), Type: 'BIGINT' });
  const Dimensions = [
    { Name: READINGS_DIMENSIONS[0], Value: head.plantId },
    { Name: READINGS_DIMENSIONS[1], Value: head.line },
  ];
  const Time = String(head.ts);
  const MeasureName = familyCode(first.map((r) => r.metric));
  return {
    record: { Dimensions, MeasureName, MeasureValues: measures, Time, Version: head.version },
    items,
    repeats,
    identity: identityOf(Dimensions, Time, MeasureName),
    variant,
  };
}

/**
 * The records of one chunk of a family (one entry per metric: its contents in
 * fingerprint order), one per round: round k holds the k-th content of each
 * metric, or its last content when it has fewer. Every round thus has the
 * same record identity (same metrics), so Timestream compares it with what
 * the previous rounds stored; a repeated content is carried only once.
 */
function readingRecords(chunk: ReadonlyArray<ReadonlyArray<readonly StoredReading[]>>) {
  let rounds = 0;
  for (const contents of chunk) rounds = Math.max(rounds, contents.length);
  const records: BuiltRecord<StoredReading>[] = [];
  for (let k = 0; k < rounds; k++) {
    const picked: (readonly StoredReading[])[] = [];
    const items: StoredReading[] = [];
    const repeats: StoredReading[] = [];
    for (const contents of chunk) {
      const own = contents[k];
      if (own !== undefined) items.push(...own);
      else repeats.push(...(contents[contents.length - 1] as readonly StoredReading[]));
      picked.push(own ?? (contents[contents.length - 1] as readonly StoredReading[]));
    }
    records.push(readingRecord(picked, k, items, repeats));
  }
  return records;
}

function fits(built: BuiltRecord<unknown>, limits: RecordLimits): boolean {
  return (
    recordBytes(built.record) <= limits.maxRecordBytes &&
    (built.record.MeasureValues?.length ?? 0) <= limits.maxMeasuresPerRecord
  );
}

function resolveLimits(limits: Partial<RecordLimits> | undefined): RecordLimits {
  const out = { ...TIMESTREAM_LIMITS, ...limits };
  for (const [name, value] of Object.entries(out)) {
    if (!(Number.isSafeInteger(value) && value >= 1))
      throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  }
  if (out.maxRecordsPerCall > TIMESTREAM_LIMITS.maxRecordsPerCall)
    throw new RangeError(`maxRecordsPerCall must be at most 100, got ${out.maxRecordsPerCall}`);
  return out;
}

/**
 * Plans the WriteRecords calls for readings. Deterministic: any permutation
 * of the same readings (and any number of identical copies) gives the same
 * requests. `limits` lowers the service limits (tests use it to force splits).
 */
export function planReadingWrites(
  readings: readonly StoredReading[],
  limits?: Partial<RecordLimits>,
): WritePlan<StoredReading> {
  const resolved = resolveLimits(limits);
  const rejected: StoreRejection<StoredReading>[] = [];
  const valid: StoredReading[] = [];
  for (const reading of readings) {
    const problem = checkReading(reading);
    if (problem === undefined) valid.push(reading);
    else rejected.push(invalid(reading, problem));
  }
  const families = new Map<string, StoredReading[][][]>();
  for (const variants of variantsOf(valid, readingVersionKey, readingFingerprint)) {
    const r = variants[0]?.[0] as StoredReading;
    // Unambiguous without JSON: two numbers, then the plant id's length before the plant id and the line.
    const family = `${r.ts}|${r.version}|${r.plantId.length}|${r.plantId}|${r.line}`;
    const members = families.get(family);
    if (members === undefined) families.set(family, [variants]);
    else members.push(variants);
  }

  const built: BuiltRecord<StoredReading>[] = [];
  const allFit = (chunk: StoredReading[][][]) => readingRecords(chunk).every((b) => fits(b, resolved));
  // Every entry holds at least one content.
  const metricOf = (contents: StoredReading[][]) =>
    ((contents[0] as StoredReading[])[0] as StoredReading).metric;
  for (const members of families.values()) {
    members.sort((a, b) => byIndex(metricOf(a), metricOf(b)));
    const whole = readingRecords(members);
    if (whole.every((b) => fits(b, resolved))) {
      built.push(...whole);
      continue;
    }
    // A content whose record alone breaks a limit can never be stored; the other contents still can.
    const fitting = members
      .map((contents) =>
        contents.filter((copies) => {
          if (fits(readingRecord([copies], 0, copies, []), resolved)) return true;
          for (const item of copies)
            rejected.push(
              invalid(item, `a record of this reading alone exceeds ${resolved.maxRecordBytes} bytes`),
            );
          return false;
        }),
      )
      .filter((contents) => contents.length > 0);
    // Split in index order where a record of some round would break a limit; the same set always splits
    // the same way, and every round of a chunk has the chunk's record identity. A chunk of one metric
    // always fits (its contents were checked alone just above).
    let chunk: StoredReading[][][] = [];
    for (const contents of fitting) {
      if (chunk.length > 0 && !allFit([...chunk, contents])) {
        built.push(...readingRecords(chunk));
        chunk = [];
      }
      chunk.push(contents);
    }
    if (chunk.length > 0) built.push(...readingRecords(chunk));
  }
  return { rounds: packRounds(built, resolved.maxRecordsPerCall), rejected };
}

function movementRecord(copies: readonly StoredMovement[], variant: number): BuiltRecord<StoredMovement> {
  const m = copies[0] as StoredMovement;
  const measures: MeasureValue[] = [
    { Name: MOVEMENT_MEASURES.netTonnes, Value: doubleText(m.netTonnes), Type: 'DOUBLE' },
    { Name: MOVEMENT_MEASURES.direction, Value: m.direction, Type: 'VARCHAR' },
    { Name: MOVEMENT_MEASURES.material, Value: m.material, Type: 'VARCHAR' },
  ];
  if (m.destination !== undefined)
    measures.push({ Name: MOVEMENT_MEASURES.destination, Value: m.destination, Type: 'VARCHAR' });
  if (m.operationCode !== undefined)
    measures.push({ Name: MOVEMENT_MEASURES.operationCode, Value: m.operationCode, Type: 'VARCHAR' });
  if (m.version !== BASE_VERSION)
    measures.push({ Name: VERSION_MEASURE, Value: String(m.version), Type: 'BIGINT' });
  const Dimensions = [
    { Name: MOVEMENTS_DIMENSIONS[0], Value: m.plantId },
    { Name: MOVEMENTS_DIMENSIONS[1], Value: m.ticketId },
  ];
  const Time = String(m.ts);
  return {
    record: {
      Dimensions,
      MeasureName: MOVEMENT_MEASURE_NAME,
      MeasureValues: measures,
      Time,
      Version: m.version,
    },
    items: copies,
    repeats: [],
    identity: identityOf(Dimensions, Time, MOVEMENT_MEASURE_NAME),
    variant,
  };
}

/** Wording of the DuckDB store for the same refusal (after Timestream's RejectedRecords reason). */
function ticketConflictReason(version: number): string {
  return (
    `A record already exists with the same plant and ticket, and record version ${version}. ` +
    'A higher record version must be specified in order to update the measure value.'
  );
}

/** Plans the WriteRecords calls for weighbridge tickets; deterministic like `planReadingWrites`. */
export function planMovementWrites(
  movements: readonly StoredMovement[],
  limits?: Partial<RecordLimits>,
): WritePlan<StoredMovement> {
  const resolved = resolveLimits(limits);
  const rejected: StoreRejection<StoredMovement>[] = [];
  const valid: StoredMovement[] = [];
  for (const movement of movements) {
    const problem = checkMovement(movement);
    if (problem === undefined) valid.push(movement);
    else rejected.push(invalid(movement, problem));
  }
  const built: BuiltRecord<StoredMovement>[] = [];
  for (const variants of variantsOf(valid, movementVersionKey, movementFingerprint)) {
    // Time is part of a Timestream record's identity: contents of one ticket and version at another time
    // than the first content's would land in records of their own, never compared with it. They are
    // refused here (as DuckDB, keyed by ticket alone, refuses them once the first is stored); contents at
    // the first one's time go in successive rounds.
    const ts = variants[0]?.[0]?.ts;
    const sameTime = variants.filter((copies) => {
      if (copies[0]?.ts === ts) return true;
      for (const item of copies)
        rejected.push({ item, kind: 'conflict', reason: ticketConflictReason(item.version) });
      return false;
    });
    for (const [variant, copies] of sameTime.entries()) {
      const record = movementRecord(copies, variant);
      if (fits(record, resolved)) built.push(record);
      else
        for (const item of copies)
          rejected.push(invalid(item, `record exceeds ${resolved.maxRecordBytes} bytes`));
    }
  }
  return { rounds: packRounds(built, resolved.maxRecordsPerCall), rejected };
}

/** Records of one record identity go to successive rounds: lowest version first, then fingerprint order. */
function packRounds<T>(built: BuiltRecord<T>[], maxRecordsPerCall: number): PlannedCall<T>[][] {
  built.sort(compareBuilt);
  const rank = new Map<string, number>();
  const rounds: BuiltRecord<T>[][] = [];
  for (const record of built) {
    const round = rank.get(record.identity) ?? 0;
    rank.set(record.identity, round + 1);
    const members = rounds[round] ?? [];
    members.push(record);
    rounds[round] = members;
  }
  return rounds.map((records) => packCalls(records, maxRecordsPerCall));
}

/**
 * Splits sorted records into contiguous calls of at most `maxRecords`,
 * minimizing total billed KiB and then the number of calls (dynamic
 * programming over split points; O(records x maxRecords)).
 */
function packCalls<T>(records: readonly BuiltRecord<T>[], maxRecords: number): PlannedCall<T>[] {
  const n = records.length;
  const dimensionCount = records[0]?.record.Dimensions.length ?? 0;
  const base = records.map((b) => recordBytes({ ...b.record, Dimensions: [] }));
  const dims = records.map((b) => b.record.Dimensions.map(dimensionBytes));
  const cost: Array<{ kib: number; calls: number; from: number }> = [{ kib: 0, calls: 0, from: 0 }];
  for (let end = 1; end <= n; end++) {
    const last = records[end - 1] as BuiltRecord<T>;
    let best: { kib: number; calls: number; from: number } | undefined;
    let baseSum = 0;
    const dimSums = new Array<number>(dimensionCount).fill(0);
    const common = new Array<boolean>(dimensionCount).fill(true);
    for (let start = end - 1; start >= Math.max(0, end - maxRecords); start--) {
      const record = records[start] as BuiltRecord<T>;
      baseSum += base[start] ?? 0;
      let bytes = baseSum;
      for (let d = 0; d < dimensionCount; d++) {
        dimSums[d] = (dimSums[d] ?? 0) + (dims[start]?.[d] ?? 0);
        common[d] = (common[d] ?? false) && sameDimension(record, last, d);
        bytes += common[d] ? (dims[end - 1]?.[d] ?? 0) : (dimSums[d] ?? 0);
      }
      const before = cost[start] as { kib: number; calls: number };
      const kib = before.kib + Math.ceil(bytes / 1024);
      const calls = before.calls + 1;
      if (best === undefined || kib < best.kib || (kib === best.kib && calls <= best.calls))
        best = { kib, calls, from: start };
    }
    cost[end] = best as { kib: number; calls: number; from: number };
  }
  const calls: PlannedCall<T>[] = [];
  for (let end = n; end > 0; ) {
    const from = (cost[end] as { from: number }).from;
    calls.unshift(callOf(records.slice(from, end)));
    end = from;
  }
  return calls;
}

function sameDimension(a: BuiltRecord<unknown>, b: BuiltRecord<unknown>, d: number): boolean {
  const x = a.record.Dimensions[d];
  const y = b.record.Dimensions[d];
  return x !== undefined && y !== undefined && x.Name === y.Name && x.Value === y.Value;
}

function callOf<T>(records: readonly BuiltRecord<T>[]): PlannedCall<T> {
  const first = records[0] as BuiltRecord<T>;
  const common = first.record.Dimensions.filter((_dim, d) =>
    records.every((r) => sameDimension(r, first, d)),
  );
  const commonNames = new Set(common.map((dim) => dim.Name));
  const CommonAttributes: _Record = { MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS' };
  if (common.length > 0) CommonAttributes.Dimensions = common;
  return {
    body: {
      CommonAttributes,
      Records: records.map(({ record }) => {
        const own = record.Dimensions.filter((dim) => !commonNames.has(dim.Name));
        const { Dimensions: _all, ...rest } = record;
        return own.length > 0 ? { Dimensions: own, ...rest } : rest;
      }),
    },
    items: records.map((r) => r.items),
    repeats: records.map((r) => r.repeats),
  };
}

// ---------------------------------------------------------------------------
// Reading records back (tests, and the shape a query adapter gets per row)
// ---------------------------------------------------------------------------

/** A stored record, as a query returns it: every value as text. */
export interface RecordRow {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly time: number;
  readonly measureName: string;
  readonly measures: Readonly<Record<string, string>>;
}

/** The readings one readings-table record holds. */
export function readingsOfRow(row: RecordRow): StoredReading[] {
  const metrics = metricsOfFamily(row.measureName);
  if (metrics === undefined) throw new RangeError(`not a reading family: ${row.measureName}`);
  const plantId = row.dimensions[READINGS_DIMENSIONS[0]];
  const line = row.dimensions[READINGS_DIMENSIONS[1]];
  if (plantId === undefined || line === undefined)
    throw new RangeError('reading record without plant or line');
  const qualities = decodeQualities(row.measures[QUALITY_MEASURE]);
  const version = Number(row.measures[VERSION_MEASURE] ?? BASE_VERSION);
  return metrics.map((metric) => {
    const text = row.measures[METRIC_CODES[metric].code];
    if (text === undefined) throw new RangeError(`record ${row.measureName} lacks ${metric}`);
    return {
      plantId,
      line,
      metric,
      kind: METRICS[metric].kind,
      ts: row.time,
      value: Number(text),
      unit: canonicalUnitOf(metric),
      quality: qualities.get(metric) ?? 'GOOD',
      correction: version !== BASE_VERSION,
      version,
    };
  });
}

/** The ticket one movements-table record holds. */
export function movementOfRow(row: RecordRow): StoredMovement {
  const plantId = row.dimensions[MOVEMENTS_DIMENSIONS[0]];
  const ticketId = row.dimensions[MOVEMENTS_DIMENSIONS[1]];
  const m = row.measures;
  const tonnes = m[MOVEMENT_MEASURES.netTonnes];
  if (plantId === undefined || ticketId === undefined || tonnes === undefined)
    throw new RangeError('movement record without plant, ticket or tonnes');
  const version = Number(m[VERSION_MEASURE] ?? BASE_VERSION);
  const destination = m[MOVEMENT_MEASURES.destination] as Destination | undefined;
  const operationCode = m[MOVEMENT_MEASURES.operationCode];
  return {
    plantId,
    ticketId,
    ts: row.time,
    direction: m[MOVEMENT_MEASURES.direction] as Direction,
    netTonnes: Number(tonnes),
    material: m[MOVEMENT_MEASURES.material] as Material,
    ...(destination === undefined ? {} : { destination }),
    ...(operationCode === undefined ? {} : { operationCode }),
    correction: version !== BASE_VERSION,
    version,
  };
}
