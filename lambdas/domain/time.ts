/**
 * Timestamps and plant-local calendar arithmetic. Pure: the current time is
 * always passed in, never read.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Latest instant JavaScript dates can represent (±100,000,000 days). */
const MAX_EPOCH_MS = 8.64e15;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export type TimestampResult = { ok: true; epochMs: number } | { ok: false; reason: string };

function daysInMonth(year: number, month: number): number {
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/**
 * Parses an RFC 3339 timestamp that carries an offset (`Z` or `±hh:mm`) into
 * epoch milliseconds. Fractions finer than a millisecond are truncated.
 */
export function parseRfc3339(text: string): TimestampResult {
  const match = RFC3339.exec(text);
  if (!match) {
    return { ok: false, reason: 'must be RFC 3339 with an offset, such as 2026-11-24T10:00:00Z' };
  }
  const [, y, mo, d, h, mi, s, frac = '', zulu, sign, oh, om] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: 'has a date that does not exist' };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return { ok: false, reason: 'has a time of day out of range (leap seconds are not accepted)' };
  }
  let offsetMinutes = 0;
  if (!zulu) {
    const offsetHours = Number(oh);
    const offsetMins = Number(om);
    if (offsetHours > 23 || offsetMins > 59) return { ok: false, reason: 'has an offset out of range' };
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return { ok: true, epochMs: utc.getTime() - offsetMinutes * MINUTE_MS };
}

/** Parses a contract timestamp: RFC 3339 with offset, or integer epoch milliseconds. */
export function parseTimestamp(value: unknown): TimestampResult {
  if (typeof value === 'string') return parseRfc3339(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { ok: false, reason: 'epoch milliseconds must be an integer' };
    if (value < 0 || value > MAX_EPOCH_MS) return { ok: false, reason: 'epoch milliseconds out of range' };
    return { ok: true, epochMs: value };
  }
  return { ok: false, reason: 'must be an RFC 3339 string or epoch milliseconds' };
}

export function toIso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** `true` when `timeZone` is an IANA zone name the runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Wall-clock fields of an instant in a time zone. */
export function localParts(epochMs: number, timeZone: string): LocalParts {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** Offset of the zone from UTC at an instant, in milliseconds (Asia/Almaty: +5 h). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const wholeSeconds = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return asUtc - wholeSeconds;
}

/**
 * The instant a local wall-clock time occurs in a zone. Where a transition
 * skips that wall time, the first instant after the gap is returned.
 */
export function zonedTimeToEpoch(
  year: number,
  month: number,
  day: number,
  hour: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  let guess = wall - zoneOffsetMs(wall, timeZone);
  for (let i = 0; i < 3; i++) {
    const next = wall - zoneOffsetMs(guess, timeZone);
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

/** Plant-local hours, days, calendar months and calendar years. */
export type KpiInterval = '1h' | '1d' | '1mo' | '1y';

/** Start of the plant-local hour, day, month or year that contains `epochMs`. */
export function bucketStart(epochMs: number, interval: KpiInterval, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  if (interval === '1h') {
    const intoHour = p.minute * MINUTE_MS + p.second * 1000 + (((epochMs % 1000) + 1000) % 1000);
    return epochMs - intoHour;
  }
  if (interval === '1mo') return firstDayStart(p.year, p.month, timeZone);
  if (interval === '1y') return firstDayStart(p.year, 1, timeZone);
  let midnight = zonedTimeToEpoch(p.year, p.month, p.day, 0, timeZone);
  const m = localParts(midnight, timeZone);
  if (m.day !== p.day || m.month !== p.month || m.year !== p.year) {
    // Midnight does not exist that day (clocks jump forward at 00:00, as in Havana or Santiago):
    // the day begins when they jump, which is `midnight` moved by the change of offset.
    midnight += zoneOffsetMs(epochMs, timeZone) - zoneOffsetMs(midnight, timeZone);
  }
  return midnight <= epochMs ? midnight : epochMs - intoDay(p, epochMs);
}

/** Start of the plant-local day that is the 1st of `month` (noon is on that day in every zone). */
function firstDayStart(year: number, month: number, timeZone: string): number {
  return bucketStart(zonedTimeToEpoch(year, month, 1, 12, timeZone), '1d', timeZone);
}

function intoDay(p: LocalParts, epochMs: number): number {
  return p.hour * HOUR_MS + p.minute * MINUTE_MS + p.second * 1000 + (((epochMs % 1000) + 1000) % 1000);
}

/** End (exclusive) of the bucket that starts at `start`. */
export function bucketEnd(start: number, interval: KpiInterval, timeZone: string): number {
  if (interval === '1h') return start + HOUR_MS;
  const p = localParts(start + 36 * HOUR_MS, timeZone);
  if (interval === '1mo')
    return p.month === 12
      ? firstDayStart(p.year + 1, 1, timeZone)
      : firstDayStart(p.year, p.month + 1, timeZone);
  if (interval === '1y') return firstDayStart(p.year + 1, 1, timeZone);
  // The next day's start, by the same rule as bucketStart (a day whose midnight does not exist
  // begins when the clocks jump), so days tile months and years exactly.
  return bucketStart(start + 36 * HOUR_MS, '1d', timeZone);
}

/** Plant-local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}
