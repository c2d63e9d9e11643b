/**
 * The metrics store behind an entry that reads it, seeded with stored
 * readings and tickets: on Timestream the query fake over what the write
 * fake stored (its tables named as TIMESTREAM_* says, so a wrong name is a
 * ValidationException), on the lake the recent telemetry table in dynalite
 * and Athena answering an empty result. Every client is stubbed at its
 * class, since an entry builds its own.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  QueryCommand,
  type QueryCommandInput,
  TimestreamQueryClient,
} from '@aws-sdk/client-timestream-query';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoRecentTelemetryStore } from '../../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { TimestreamMetricsWriter } from '../../lambdas/adapters/timestream/timestream-metrics-writer.ts';
import type { StoredMovement, StoredReading } from '../../lambdas/domain/ports.ts';
import { TimestreamFake } from '../adapters/timestream/timestream-fake.ts';
import { TimestreamQueryFake } from '../adapters/timestream-query/timestream-query-fake.ts';
import type { DynamoBoundary } from './entry-support.ts';
import { LAKE_ENV, TIMESTREAM_ENV } from './entry-support.ts';

export type StoreName = 'timestream' | 'lake';

export interface MetricsBackend {
  /** Timestream queries the entry ran (none on the lake). */
  timestreamQueries(): QueryCommandInput[];
  /** Athena stub (no calls expected for ranges within the recent horizon). */
  readonly athena: ReturnType<typeof mockAthena>;
  restore(): void;
}

const mockAthena = () => mockClient(AthenaClient);
const clock = { now: () => Date.now() };

export async function metricsBackend(
  store: StoreName,
  dynamo: DynamoBoundary,
  data: { readonly readings?: readonly StoredReading[]; readonly movements?: readonly StoredMovement[] },
): Promise<MetricsBackend> {
  const athena = mockAthena();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-entry' });
  athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
  athena
    .on(GetQueryResultsCommand)
    .resolves({ ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } } });
  const readings = data.readings ?? [];
  const movements = data.movements ?? [];
  if (store === 'lake') {
    const recent = new DynamoRecentTelemetryStore({
      client: dynamo.local.client,
      tableName: LAKE_ENV.RECENT_TELEMETRY_TABLE,
      clock,
    });
    if (readings.length > 0) await recent.writeReadings(readings);
    if (movements.length > 0) await recent.writeMovements(movements);
    dynamo.stub.resetHistory();
    return { timestreamQueries: () => [], athena, restore: () => athena.restore() };
  }
  const { TIMESTREAM_DATABASE, TIMESTREAM_READINGS_TABLE, TIMESTREAM_MOVEMENTS_TABLE } = TIMESTREAM_ENV;
  const written = new TimestreamFake({
    clock,
    databaseName: TIMESTREAM_DATABASE,
    tableNames: [TIMESTREAM_READINGS_TABLE, TIMESTREAM_MOVEMENTS_TABLE],
    memoryRetentionMs: 400 * 86_400_000,
  });
  const writer = new TimestreamMetricsWriter({
    client: written.client,
    databaseName: TIMESTREAM_DATABASE,
    readingsTableName: TIMESTREAM_READINGS_TABLE,
    movementsTableName: TIMESTREAM_MOVEMENTS_TABLE,
    clock,
    sleep: async () => {},
    random: () => 0.5,
  });
  if (readings.length > 0) await writer.writeReadings(readings);
  if (movements.length > 0) await writer.writeMovements(movements);
  written.restore();
  const fake = new TimestreamQueryFake({
    databaseName: TIMESTREAM_DATABASE,
    tables: {
      [TIMESTREAM_READINGS_TABLE]: written.records(TIMESTREAM_READINGS_TABLE),
      [TIMESTREAM_MOVEMENTS_TABLE]: written.records(TIMESTREAM_MOVEMENTS_TABLE),
    },
    pageSize: 1000,
  });
  // The entry's own client answers through the fake's (stubbed on the instance, so not this class stub).
  const query = mockClient(TimestreamQueryClient);
  query.on(QueryCommand).callsFake((input: QueryCommandInput) => fake.client.send(new QueryCommand(input)));
  return {
    timestreamQueries: () => fake.requests,
    athena,
    restore: () => {
      query.restore();
      fake.restore();
      athena.restore();
    },
  };
}
