import {
  type ColumnInfo,
  type QueryCommandOutput,
  type ScalarType,
  TimestreamQueryClient,
} from '@aws-sdk/client-timestream-query';
import {
  TimestreamMetricsReader,
  type TimestreamMetricsReaderProps,
} from '../../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';

export { MINUTE, movement, NOW, PLANT, reading } from '../../support/stored-items.ts';
export const DAY = 86_400_000;

export function queryClient(): TimestreamQueryClient {
  return new TimestreamQueryClient({
    region: 'local',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

export function makeReader(
  client: TimestreamQueryClient,
  props: Partial<TimestreamMetricsReaderProps> = {},
): TimestreamMetricsReader {
  return new TimestreamMetricsReader({
    client,
    databaseName: 'wte',
    readingsTableName: 'readings',
    movementsTableName: 'movements',
    ...props,
  });
}

/** Timestream's TIMESTAMP text for an epoch-ms instant: `2026-11-24 11:59:00.000000000`. */
export function timestampText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}000000`;
}

export type Value = string | null;

export function column(name: string, type: ScalarType): ColumnInfo {
  return { Name: name, Type: { ScalarType: type } };
}

/** One Query page; `null` is a NullValue datum. */
export function page(
  columns: readonly ColumnInfo[] | undefined,
  rows: ReadonlyArray<readonly Value[]>,
  nextToken?: string,
): QueryCommandOutput {
  return {
    $metadata: { httpStatusCode: 200 },
    QueryId: 'query-1',
    ...(columns === undefined ? {} : { ColumnInfo: [...columns] }),
    Rows: rows.map((row) => ({
      Data: row.map((value) => (value === null ? { NullValue: true } : { ScalarValue: value })),
    })),
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  } as QueryCommandOutput;
}

/** The columns readReadings selects for `code`, in its order. */
export function readingColumns(code: string): ColumnInfo[] {
  return [
    column('line', 'VARCHAR'),
    column('measure_name', 'VARCHAR'),
    column('time', 'TIMESTAMP'),
    column(code, 'DOUBLE'),
    column('q', 'VARCHAR'),
    column('v', 'BIGINT'),
  ];
}

/** The columns readMovements selects, in its order. */
export const MOVEMENT_COLUMNS: readonly ColumnInfo[] = [
  column('ticket', 'VARCHAR'),
  column('time', 'TIMESTAMP'),
  column('t', 'DOUBLE'),
  column('dir', 'VARCHAR'),
  column('mat', 'VARCHAR'),
  column('dst', 'VARCHAR'),
  column('op', 'VARCHAR'),
  column('v', 'BIGINT'),
];
