/**
 * The readings records of the common case, built without the general
 * planner's grouping by identity and content (about a quarter of the
 * processor's time went there): every reading valid, one version per
 * (plant, line, ts), each metric at most once there, and every record within
 * the limits. For such readings it builds exactly the records
 * `planReadingWritesInGeneral` builds (records-fast.property.test.ts keeps
 * them in step); for any other it answers `undefined` and leaves them to it.
 */
import { canonicalUnitOf, METRIC_NAMES, METRICS, type MetricKind } from '../../domain/catalog.ts';
import { BASE_VERSION, type StoredReading } from '../../domain/ports.ts';
import type { Unit } from '../../domain/units.ts';
import { once } from '../once.ts';
import { recordBytes } from './record-bytes.ts';
import {
  doubleText,
  FAMILY_PREFIX,
  METRIC_CODES,
  QUALITY_MEASURE,
  READINGS_DIMENSIONS,
  type RecordLimits,
  VERSION_MEASURE,
} from './record-codes.ts';
import type { BuiltRecord } from './record-packing.ts';

interface MetricEntry {
  readonly bit: number;
  readonly index: number;
  readonly code: string;
  readonly unit: Unit;
  readonly kind: MetricKind;
}

/**
 * One lookup per reading gives every rule the planner checks a metric by, and its record layout.
 * Built on the first plan (once per batch, a map lookup after): read-only bundles import this
 * module through the reader and must not build it at load (docs/bundles.md).
 */
const metricEntries = /* @__PURE__ */ once(
  () =>
    new Map<string, MetricEntry>(
      METRIC_NAMES.map((metric) => {
        const { index, code } = METRIC_CODES[metric];
        return [
          metric,
          { bit: 2 ** index, index, code, unit: canonicalUnitOf(metric), kind: METRICS[metric].kind },
        ];
      }),
    ),
);
/** Family masks are plain numbers here (exact below 2^53); beyond that the general planner's BigInt does. */
const masksFit = /* @__PURE__ */ once(() => METRIC_NAMES.every((metric) => METRIC_CODES[metric].index < 31));

const QUALITY_LETTERS: Readonly<Record<string, string>> = { UNCERTAIN: 'U', BAD: 'B' };
const NO_REPEATS: readonly StoredReading[] = Object.freeze([]);

interface Family {
  readonly key: string;
  readonly plantId: string;
  readonly line: string;
  readonly ts: number;
  readonly version: number;
  mask: number;
  lastIndex: number;
  sorted: boolean;
  readonly members: StoredReading[];
  /** The measure name of each member (kept beside it: looking it up again cost as much as the checks). */
  codes: string[];
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The records (one per family, unsorted), or `undefined` when the readings need the general planner. */
export function fastReadingRecords(
  readings: readonly StoredReading[],
  limits: RecordLimits,
): BuiltRecord<StoredReading>[] | undefined {
  if (!masksFit()) return undefined;
  const entries = metricEntries();
  const families = new Map<string, Family>();
  let last: Family | undefined;
  for (const r of readings) {
    const entry = entries.get(r.metric);
    if (
      entry === undefined ||
      !isText(r.plantId) ||
      !isText(r.line) ||
      r.unit !== entry.unit ||
      r.kind !== entry.kind ||
      !(r.quality === 'GOOD' || r.quality === 'UNCERTAIN' || r.quality === 'BAD') ||
      !Number.isFinite(r.value) ||
      !(Number.isSafeInteger(r.ts) && r.ts >= 0) ||
      !(Number.isSafeInteger(r.version) && r.version >= BASE_VERSION)
    )
      return undefined;
    // The readings of one record usually come one after the other: the key is built once per run.
    let family = last;
    if (
      family === undefined ||
      family.ts !== r.ts ||
      family.plantId !== r.plantId ||
      family.line !== r.line
    ) {
      const key = `${r.ts}|${r.plantId.length}|${r.plantId}|${r.line}`;
      family = families.get(key);
      if (family === undefined) {
        family = {
          key,
          plantId: r.plantId,
          line: r.line,
          ts: r.ts,
          version: r.version,
          mask: 0,
          lastIndex: -1,
          sorted: true,
          members: [],
          codes: [],
        };
        families.set(key, family);
      }
      last = family;
    }
    // Another version at the same place, or a metric twice there: rounds and variants, the general case.
    if (family.version !== r.version || (family.mask & entry.bit) !== 0) return undefined;
    family.mask |= entry.bit;
    if (entry.index < family.lastIndex) family.sorted = false;
    family.lastIndex = entry.index;
    family.members.push(r);
    family.codes.push(entry.code);
  }
  const built: BuiltRecord<StoredReading>[] = [];
  for (const family of families.values()) {
    const record = familyRecord(family);
    if (
      record.record.MeasureValues.length > limits.maxMeasuresPerRecord ||
      record.bytes > limits.maxRecordBytes
    )
      return undefined;
    built.push(record);
  }
  return built;
}

const byMetricIndex = (a: StoredReading, b: StoredReading): number =>
  METRIC_CODES[a.metric].index - METRIC_CODES[b.metric].index;

/** The family's record, as `readingRecord` builds it for one content per metric. */
function familyRecord(family: Family): BuiltRecord<StoredReading> & {
  readonly record: { readonly MeasureValues: unknown[] };
  readonly bytes: number;
} {
  const { members } = family;
  if (!family.sorted) {
    members.sort(byMetricIndex);
    family.codes = members.map((r) => METRIC_CODES[r.metric].code);
  }
  const { codes } = family;
  const measures: Array<{ Name: string; Value: string; Type: 'DOUBLE' | 'VARCHAR' | 'BIGINT' }> = [];
  let q = '';
  for (let i = 0; i < members.length; i++) {
    const r = members[i] as StoredReading;
    const code = codes[i] as string;
    measures.push({ Name: code, Value: doubleText(r.value), Type: 'DOUBLE' });
    const letter = QUALITY_LETTERS[r.quality];
    if (letter !== undefined) q = q === '' ? code + letter : `${q},${code}${letter}`;
  }
  if (q !== '') measures.push({ Name: QUALITY_MEASURE, Value: q, Type: 'VARCHAR' });
  if (family.version !== BASE_VERSION)
    measures.push({ Name: VERSION_MEASURE, Value: String(family.version), Type: 'BIGINT' });
  const record = {
    Dimensions: [
      { Name: READINGS_DIMENSIONS[0], Value: family.plantId },
      { Name: READINGS_DIMENSIONS[1], Value: family.line },
    ],
    MeasureName: FAMILY_PREFIX + family.mask.toString(36),
    MeasureValues: measures,
    Time: String(family.ts),
    Version: family.version,
  };
  return {
    record,
    items: members,
    repeats: NO_REPEATS,
    // Unique here (one version per place): the general planner's identity text is needed only for rounds.
    identity: family.key,
    variant: 0,
    bytes: recordBytes(record),
  };
}
