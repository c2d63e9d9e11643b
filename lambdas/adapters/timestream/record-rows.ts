/**
 * Reading records back: the items a stored Timestream record holds (tests,
 * and the shape a query adapter gets per row).
 */
import { canonicalUnitOf, METRICS } from '../../domain/catalog.ts';
import { BASE_VERSION, type StoredMovement, type StoredReading } from '../../domain/ports.ts';
import type { Destination, Direction, Material } from '../../domain/telemetry.ts';
import {
  decodeQualities,
  METRIC_CODES,
  MOVEMENT_MEASURES,
  MOVEMENTS_DIMENSIONS,
  metricsOfFamily,
  QUALITY_MEASURE,
  READINGS_DIMENSIONS,
  VERSION_MEASURE,
} from './record-codes.ts';

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
