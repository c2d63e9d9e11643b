/**
 * The validity rules every metrics store (Timestream, DuckDB, the lake)
 * applies to each stored reading and movement, refused per item so one bad
 * item never fails a batch. One definition, so every store refuses the same
 * items with the same words; a store adds only the latest timestamp it can hold.
 */
import { canonicalUnitOf, isMetricName, METRICS } from './catalog.ts';
import { BASE_VERSION, type RejectionKind, type StoredMovement, type StoredReading } from './ports.ts';
import { DESTINATIONS, DIRECTIONS, MATERIALS, QUALITIES } from './telemetry.ts';

/** Why an item cannot be stored (the store's own words for the quarantine). */
export interface ItemRefusal {
  readonly kind: RejectionKind;
  readonly reason: string;
}

/** A latest timestamp a store can hold, and how its refusal words it (e.g. `in years 1970-9999`). */
export interface TimestampLimit {
  readonly latest: number;
  readonly words: string;
}

export interface ItemChecks {
  checkReading(r: StoredReading): ItemRefusal | undefined;
  checkMovement(m: StoredMovement): ItemRefusal | undefined;
}

const invalid = (reason: string): ItemRefusal => ({ kind: 'invalid', reason });
const nonEmpty = (value: unknown): boolean => typeof value === 'string' && value.length > 0;
/** A lone surrogate would be stored as U+FFFD, silently merging distinct identities. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** No lone surrogate: a store can keep the text as it is (a fast path checks this before skipping `itemChecks`). */
export const isWellFormedText = (text: string): boolean => !LONE_SURROGATE.test(text);

function checkText(field: string, value: string | undefined): ItemRefusal | undefined {
  if (value !== undefined && !isWellFormedText(value))
    return invalid(`${field} must be well-formed Unicode, got ${JSON.stringify(value)}`);
  return undefined;
}

/** The checks of a store whose timestamps end at `limit` (none: any safe integer from 0). */
export function itemChecks(limit?: TimestampLimit): ItemChecks {
  const latest = limit?.latest ?? Number.MAX_SAFE_INTEGER;
  const words = limit ? ` ${limit.words}` : '';
  const checkCommon = (item: { readonly ts: number; readonly version: number }): ItemRefusal | undefined => {
    if (!(Number.isSafeInteger(item.ts) && item.ts >= 0 && item.ts <= latest))
      return invalid(`timestamp must be integer epoch milliseconds${words}, got ${item.ts}`);
    if (!(Number.isSafeInteger(item.version) && item.version >= BASE_VERSION))
      return invalid(`version must be an integer >= ${BASE_VERSION}, got ${item.version}`);
    return undefined;
  };
  return {
    checkReading(r) {
      if (!nonEmpty(r.plantId) || !nonEmpty(r.line))
        return invalid('plantId and line must be non-empty strings');
      if (!isMetricName(r.metric)) return invalid(`metric ${JSON.stringify(r.metric)} is not in the catalog`);
      if (r.unit !== canonicalUnitOf(r.metric))
        return invalid(
          `unit ${JSON.stringify(r.unit)} is not the canonical unit ${canonicalUnitOf(r.metric)} of ${r.metric}`,
        );
      if (r.kind !== METRICS[r.metric].kind)
        return invalid(`kind ${JSON.stringify(r.kind)} is not the kind of ${r.metric}`);
      if (!QUALITIES.includes(r.quality)) return invalid(`quality ${JSON.stringify(r.quality)} is not known`);
      if (!Number.isFinite(r.value)) return invalid(`measure value must be a finite number, got ${r.value}`);
      return checkCommon(r) ?? checkText('plantId', r.plantId) ?? checkText('line', r.line);
    },
    checkMovement(m) {
      if (!nonEmpty(m.plantId) || !nonEmpty(m.ticketId))
        return invalid('plantId and ticketId must be non-empty strings');
      if (!DIRECTIONS.includes(m.direction))
        return invalid(`direction ${JSON.stringify(m.direction)} is not known`);
      if (!MATERIALS.includes(m.material))
        return invalid(`material ${JSON.stringify(m.material)} is not known`);
      if (m.destination !== undefined && !DESTINATIONS.includes(m.destination))
        return invalid(`destination ${JSON.stringify(m.destination)} is not known`);
      if (m.operationCode !== undefined && !nonEmpty(m.operationCode))
        return invalid('operationCode must not be empty');
      if (!Number.isFinite(m.netTonnes))
        return invalid(`netTonnes must be a finite number, got ${m.netTonnes}`);
      return (
        checkCommon(m) ??
        checkText('plantId', m.plantId) ??
        checkText('ticketId', m.ticketId) ??
        checkText('operationCode', m.operationCode)
      );
    },
  };
}
