/**
 * Result rows of TimestreamMetricsReader's queries as the store's items: a
 * row is checked column by column (./result-rows.ts) and any row this code
 * cannot read is a `TimestreamQueryError` (docs/timestream-reads.md).
 */
import { canonicalUnitOf, METRICS, type MetricName } from '../../domain/catalog.ts';
import { KPI_COUNTER_METRICS } from '../../domain/kpis.ts';
import { BASE_VERSION, type StoredMovement, type StoredReading } from '../../domain/ports.ts';
import { DESTINATIONS, DIRECTIONS, MATERIALS } from '../../domain/telemetry.ts';
import {
  FAMILY_PREFIX,
  METRIC_CODES,
  MOVEMENT_MEASURE_NAME,
  MOVEMENT_MEASURES,
  MOVEMENTS_DIMENSIONS,
  metricsOfFamily,
  movementOfRow,
  QUALITY_MEASURE,
  READINGS_DIMENSIONS,
  VERSION_MEASURE,
} from '../timestream/records.ts';
import { TimestreamQueryError } from './errors.ts';
import { qualityIn } from './query-parts.ts';
import type { ResultRow } from './result-rows.ts';

const TIME_COLUMN = 'time';
const MEASURE_NAME_COLUMN = 'measure_name';

function versionOf(row: ResultRow): number {
  const version = row.optionalInteger(VERSION_MEASURE) ?? BASE_VERSION;
  if (version < BASE_VERSION)
    throw new TimestreamQueryError(`stored version ${version} is below ${BASE_VERSION}`);
  return version;
}

export function readingOf(row: ResultRow, plantId: string, metric: MetricName): StoredReading {
  const measureName = row.text(MEASURE_NAME_COLUMN);
  // A family this code cannot decode (a metric appended by a newer writer) still holds the metric's column.
  const family = metricsOfFamily(measureName);
  if (!measureName.startsWith(FAMILY_PREFIX) || (family !== undefined && !family.includes(metric)))
    throw new TimestreamQueryError(`record ${measureName} does not hold ${metric}`);
  const version = versionOf(row);
  return {
    plantId,
    line: row.text(READINGS_DIMENSIONS[1]),
    metric,
    kind: METRICS[metric].kind,
    ts: row.timeMs(TIME_COLUMN),
    value: row.number(METRIC_CODES[metric].code),
    unit: canonicalUnitOf(metric),
    quality: qualityIn(row.optionalText(QUALITY_MEASURE), metric),
    correction: version > BASE_VERSION,
    version,
  };
}

/** The KPI counter readings one record holds (the counters its family has). */
export function counterReadingsOfRow(row: ResultRow, plantId: string): StoredReading[] {
  const measureName = row.text(MEASURE_NAME_COLUMN);
  const family = metricsOfFamily(measureName);
  if (!measureName.startsWith(FAMILY_PREFIX))
    throw new TimestreamQueryError(`record ${measureName} is not a readings record`);
  const q = row.optionalText(QUALITY_MEASURE);
  const readings: StoredReading[] = [];
  for (const metric of KPI_COUNTER_METRICS) {
    const value = row.optionalNumber(METRIC_CODES[metric].code);
    if (value === undefined) continue;
    if (family !== undefined && !family.includes(metric))
      throw new TimestreamQueryError(`record ${measureName} does not hold ${metric}`);
    const version = versionOf(row);
    readings.push({
      plantId,
      line: row.text(READINGS_DIMENSIONS[1]),
      metric,
      kind: METRICS[metric].kind,
      ts: row.timeMs(TIME_COLUMN),
      value,
      unit: canonicalUnitOf(metric),
      quality: qualityIn(q, metric),
      correction: version > BASE_VERSION,
      version,
    });
  }
  return readings;
}

export function movementOf(row: ResultRow, plantId: string): StoredMovement {
  // Typed reads check each column's type and value before movementOfRow reads the text.
  const measures: Record<string, string> = {
    [MOVEMENT_MEASURES.netTonnes]: String(row.number(MOVEMENT_MEASURES.netTonnes)),
    [MOVEMENT_MEASURES.direction]: row.text(MOVEMENT_MEASURES.direction),
    [MOVEMENT_MEASURES.material]: row.text(MOVEMENT_MEASURES.material),
    [VERSION_MEASURE]: String(versionOf(row)),
  };
  for (const name of [MOVEMENT_MEASURES.destination, MOVEMENT_MEASURES.operationCode]) {
    const value = row.optionalText(name);
    if (value !== undefined) measures[name] = value;
  }
  const movement = movementOfRow({
    dimensions: {
      [MOVEMENTS_DIMENSIONS[0]]: plantId,
      [MOVEMENTS_DIMENSIONS[1]]: row.text(MOVEMENTS_DIMENSIONS[1]),
    },
    time: row.timeMs(TIME_COLUMN),
    measureName: MOVEMENT_MEASURE_NAME,
    measures,
  });
  if (!DIRECTIONS.includes(movement.direction))
    throw new TimestreamQueryError(`stored direction ${JSON.stringify(movement.direction)} is not known`);
  if (!MATERIALS.includes(movement.material))
    throw new TimestreamQueryError(`stored material ${JSON.stringify(movement.material)} is not known`);
  if (movement.destination !== undefined && !DESTINATIONS.includes(movement.destination))
    throw new TimestreamQueryError(`stored destination ${JSON.stringify(movement.destination)} is not known`);
  return movement;
}
