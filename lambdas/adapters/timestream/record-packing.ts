/**
 * Packing built records into WriteRecords calls: records of one identity in
 * successive rounds, each round split into calls of at most 100 records that
 * share their common dimensions, at the split that bills the fewest KiB.
 */
import type { _Record, Dimension } from '@aws-sdk/client-timestream-write';
import type { StoreRejection } from '../../domain/ports.ts';
import { billedKiB, dimensionBytes, recordBytes, type WriteRecordsBody } from './record-bytes.ts';
import type { RecordLimits } from './record-codes.ts';

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

export interface BuiltRecord<T> {
  /** With every dimension, before common attributes are taken out. */
  readonly record: _Record & { readonly Dimensions: Dimension[]; readonly Version: number };
  readonly items: readonly T[];
  /** Items carried by an earlier round whose content this record repeats (see `PlannedCall.repeats`). */
  readonly repeats: readonly T[];
  /** Dimensions + time + measure name: what Timestream identifies a record by. */
  readonly identity: string;
  /** Which content of its identity and version it carries, in fingerprint order (0 for the first). */
  readonly variant: number;
  /** `recordBytes(record)`, when the builder already measured it. */
  readonly bytes?: number;
}

export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareBuilt(a: BuiltRecord<unknown>, b: BuiltRecord<unknown>): number {
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

export function fits(built: BuiltRecord<unknown>, limits: RecordLimits): boolean {
  return (
    recordBytes(built.record) <= limits.maxRecordBytes &&
    (built.record.MeasureValues?.length ?? 0) <= limits.maxMeasuresPerRecord
  );
}

/** Records of one record identity go to successive rounds: lowest version first, then fingerprint order. */
export function packRounds<T>(built: BuiltRecord<T>[], maxRecordsPerCall: number): PlannedCall<T>[][] {
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
export function packCalls<T>(records: readonly BuiltRecord<T>[], maxRecords: number): PlannedCall<T>[] {
  const n = records.length;
  const dimensionCount = records[0]?.record.Dimensions.length ?? 0;
  const dims = records.map((b) => b.record.Dimensions.map(dimensionBytes));
  // A record's bytes without its dimensions (no copy of the record: the profile showed it).
  const base = records.map(
    (b, i) => (b.bytes ?? recordBytes(b.record)) - (dims[i] as number[]).reduce((x, y) => x + y, 0),
  );
  const dimSums = new Array<number>(dimensionCount);
  const common = new Array<boolean>(dimensionCount);
  const cost: Array<{ kib: number; calls: number; from: number }> = [{ kib: 0, calls: 0, from: 0 }];
  for (let end = 1; end <= n; end++) {
    const last = records[end - 1] as BuiltRecord<T>;
    let best: { kib: number; calls: number; from: number } | undefined;
    let baseSum = 0;
    dimSums.fill(0);
    common.fill(true);
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
