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
import type { Dimension, MeasureValue } from '@aws-sdk/client-timestream-write';
import { movementFingerprint, movementKey, readingFingerprint } from '../../domain/identity.ts';
import {
  BASE_VERSION,
  type StoredMovement,
  type StoredReading,
  type StoreRejection,
} from '../../domain/ports.ts';
import { isWellFormedText, itemChecks } from '../../domain/stored-item-checks.ts';
import { once } from '../once.ts';
import { fastReadingRecords } from './reading-records-fast.ts';
import {
  byIndex,
  doubleText,
  encodeQualities,
  familyCode,
  METRIC_CODES,
  MOVEMENT_MEASURE_NAME,
  MOVEMENT_MEASURES,
  MOVEMENTS_DIMENSIONS,
  QUALITY_MEASURE,
  READINGS_DIMENSIONS,
  type RecordLimits,
  TIMESTREAM_LIMITS,
  VERSION_MEASURE,
} from './record-codes.ts';
import {
  type BuiltRecord,
  compareBuilt,
  compareText,
  fits,
  packCalls,
  packRounds,
  type WritePlan,
} from './record-packing.ts';

export * from './record-bytes.ts';
export * from './record-codes.ts';
export { callsOf, type PlannedCall, planBilledKiB, type WritePlan } from './record-packing.ts';
export * from './record-rows.ts';

function identityOf(dimensions: readonly Dimension[], time: string, measureName: string): string {
  return JSON.stringify([dimensions.map((d) => [d.Name, d.Value]), time, measureName]);
}

function invalid<T>(item: T, reason: string): StoreRejection<T> {
  return { item, kind: 'invalid', reason };
}

/** The checks every store applies (stored-item-checks.ts); built on first use, as read-only bundles import this module. */
const checks = /* @__PURE__ */ once(() => itemChecks());

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

/** No lone surrogate in a plant id or line; readings come a line at a time, so each run of them is checked once. */
function wellFormedTexts(readings: readonly StoredReading[]): boolean {
  let plantId: string | undefined;
  let line: string | undefined;
  for (const r of readings) {
    if (r.plantId !== plantId) {
      if (!isWellFormedText(r.plantId)) return false;
      plantId = r.plantId;
    }
    if (r.line !== line) {
      if (!isWellFormedText(r.line)) return false;
      line = r.line;
    }
  }
  return true;
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
  // The shortcut skips the checks; a text the checks would refuse goes to the general planner.
  const common = wellFormedTexts(readings) ? fastReadingRecords(readings, resolved) : undefined;
  if (common === undefined) return planReadingWritesInGeneral(readings, resolved);
  // One version per place: every record identity is unique, so there is a single round.
  const rounds =
    common.length === 0 ? [] : [packCalls(common.sort(compareBuilt), resolved.maxRecordsPerCall)];
  return { rounds, rejected: [] };
}

/** `planReadingWrites` for any readings: the reference its common-case shortcut (reading-records-fast.ts) follows. */
export function planReadingWritesInGeneral(
  readings: readonly StoredReading[],
  limits?: Partial<RecordLimits>,
): WritePlan<StoredReading> {
  const resolved = resolveLimits(limits);
  const rejected: StoreRejection<StoredReading>[] = [];
  const valid: StoredReading[] = [];
  for (const reading of readings) {
    const refusal = checks().checkReading(reading);
    if (refusal === undefined) valid.push(reading);
    else rejected.push({ item: reading, ...refusal });
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
    const refusal = checks().checkMovement(movement);
    if (refusal === undefined) valid.push(movement);
    else rejected.push({ item: movement, ...refusal });
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
