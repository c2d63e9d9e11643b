/**
 * Reading back a message in the canonical form that `parseTelemetry` produced
 * (what HTTP ingest and `wte quarantine replay` put on the queue, see
 * queue-codec.ts): epoch-ms times, catalog metrics in their canonical units,
 * values inside their physical bounds, no repeated identity. It was validated
 * when it was accepted, so it is not validated again; only cheap invariants
 * that protect the stores are checked (types, catalog, units, enums, id
 * patterns), and anything else makes the whole message `undefined`.
 */
import { METRICS, type MetricName } from './catalog.ts';
import { BASE_VERSION, type StoredReading } from './ports.ts';
import {
  DESTINATIONS,
  DIRECTIONS,
  LINE_PATTERN,
  MATERIALS,
  MAX_MOVEMENTS,
  MAX_NET_TONNES,
  MAX_READINGS,
  MESSAGE_ID_PATTERN,
  MIN_NET_TONNES,
  type Movement,
  OPERATION_CODE_PATTERN,
  type Quality,
  TELEMETRY_SCHEMA,
  type TelemetryMessage,
  TICKET_ID_PATTERN,
} from './telemetry.ts';
import { CANONICAL_UNIT } from './units.ts';

/** A message whose readings carry the version they are stored with. */
export interface StoredMessage extends TelemetryMessage {
  readonly readings: readonly StoredReading[];
}

/** The version an item is stored with: its receive time for a correction, so a later one wins. */
export const versionOf = (correction: boolean, receivedAt: number): number =>
  correction ? receivedAt : BASE_VERSION;

/** Per catalog metric, what a canonical reading of it carries: one lookup per reading. */
const CANONICAL = new Map(
  (Object.keys(METRICS) as MetricName[]).map((metric) => [
    metric as string,
    { metric, kind: METRICS[metric].kind, unit: CANONICAL_UNIT[METRICS[metric].quantity] },
  ]),
);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The range `parseTimestamp` accepts for epoch milliseconds (what a `Date` can hold). */
const MAX_EPOCH_MS = 8.64e15;

const isEpochMs = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_EPOCH_MS;

const qualityOf = (value: unknown): Quality | undefined =>
  value === undefined || value === 'GOOD'
    ? 'GOOD'
    : value === 'UNCERTAIN' || value === 'BAD'
      ? value
      : undefined;

/**
 * The message, its readings ready to store (`version` from `receivedAt`), or
 * `undefined` when it breaks an invariant of the canonical form.
 */
export function readCanonical(raw: unknown, plantId: string, receivedAt: number): StoredMessage | undefined {
  if (!isObject(raw) || raw.schema !== TELEMETRY_SCHEMA || raw.plantId !== plantId) return undefined;
  const { messageId, sentAt, readings: rawReadings = [], movements: rawMovements = [] } = raw;
  if (typeof messageId !== 'string' || !MESSAGE_ID_PATTERN.test(messageId)) return undefined;
  if (sentAt !== undefined && !isEpochMs(sentAt)) return undefined;
  if (!Array.isArray(rawReadings) || rawReadings.length > MAX_READINGS) return undefined;
  if (!Array.isArray(rawMovements) || rawMovements.length > MAX_MOVEMENTS) return undefined;
  if (rawReadings.length + rawMovements.length === 0) return undefined;
  const readings = readingsOf(rawReadings, plantId, receivedAt);
  const movements = readings && movementsOf(rawMovements, plantId);
  if (readings === undefined || movements === undefined) return undefined;
  return {
    schema: TELEMETRY_SCHEMA,
    messageId,
    plantId,
    ...(sentAt === undefined ? {} : { sentAt }),
    readings,
    movements,
  };
}

function readingsOf(
  raw: readonly unknown[],
  plantId: string,
  receivedAt: number,
): StoredReading[] | undefined {
  const out: StoredReading[] = new Array(raw.length);
  // Readings of one line come together: its pattern is tested once per run of the same line.
  let lastLine = '';
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    if (!isObject(r)) return undefined;
    const { ts, line, metric, value, unit, correction } = r;
    const entry = typeof metric === 'string' ? CANONICAL.get(metric) : undefined;
    const quality = qualityOf(r.quality);
    if (
      entry === undefined ||
      unit !== entry.unit ||
      !isEpochMs(ts) ||
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      quality === undefined ||
      !(correction === undefined || typeof correction === 'boolean') ||
      typeof line !== 'string'
    )
      return undefined;
    if (line !== lastLine) {
      if (!LINE_PATTERN.test(line)) return undefined;
      lastLine = line;
    }
    const corrected = correction === true;
    // Field by field, in one order: every stored reading shares one compact object layout.
    out[i] = {
      plantId,
      line,
      metric: entry.metric,
      kind: entry.kind,
      ts,
      value,
      unit: entry.unit,
      quality,
      correction: corrected,
      version: corrected ? receivedAt : BASE_VERSION,
    };
  }
  return out;
}

const oneOf = <T extends string>(values: readonly T[], value: unknown): value is T =>
  (values as readonly unknown[]).includes(value);

function movementsOf(raw: readonly unknown[], plantId: string): Movement[] | undefined {
  const out: Movement[] = [];
  for (const m of raw) {
    if (!isObject(m)) return undefined;
    const { ticketId, ts, direction, netTonnes, material, destination, operationCode, correction } = m;
    if (
      typeof ticketId !== 'string' ||
      !TICKET_ID_PATTERN.test(ticketId) ||
      !isEpochMs(ts) ||
      !oneOf(DIRECTIONS, direction) ||
      typeof netTonnes !== 'number' ||
      !(netTonnes >= MIN_NET_TONNES && netTonnes <= MAX_NET_TONNES) ||
      !oneOf(MATERIALS, material) ||
      !(destination === undefined ? direction === 'in' : oneOf(DESTINATIONS, destination)) ||
      !(
        operationCode === undefined ||
        (typeof operationCode === 'string' && OPERATION_CODE_PATTERN.test(operationCode))
      ) ||
      !(correction === undefined || typeof correction === 'boolean')
    )
      return undefined;
    out.push({
      plantId,
      ticketId,
      ts,
      direction,
      netTonnes,
      material,
      ...(oneOf(DESTINATIONS, destination) ? { destination } : {}),
      ...(typeof operationCode === 'string' ? { operationCode } : {}),
      correction: correction === true,
    });
  }
  return out;
}
