/**
 * `wte migrate-to-lake`: the AWS clients (given, or built as `wte doctor`
 * builds them, from --region and --profile), the Timestream source and the
 * lake destination, and runs the core (migrate-to-lake.ts).
 * docs/migrate-to-lake.md is the guide.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { DynamoRecentTelemetryStore } from '../lambdas/adapters/dynamo/dynamo-recent-telemetry-store.ts';
import { DynamoStateStore } from '../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { FirehoseMetricsWriter } from '../lambdas/adapters/lake/firehose-metrics-writer.ts';
import { LakeMetricsStore } from '../lambdas/adapters/lake/lake-metrics-store.ts';
import type { LakeReads } from '../lambdas/adapters/lake/tiered-metrics-reader.ts';
import { systemClock } from '../lambdas/adapters/system-clock.ts';
import { TimestreamMetricsReader } from '../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import type { Clock } from '../lambdas/domain/ports.ts';
import { type CliIo, UsageError } from './io.ts';
import { fileCheckpoint } from './migrate-checkpoint.ts';
import { DEFAULT_WINDOW_DAYS, type MigrationDestination, migrateToLake } from './migrate-to-lake.ts';
import { formatMigrationReport, migrationExitCode } from './migrate-to-lake-report.ts';

export const DEFAULT_CHECKPOINT = 'wte-migrate-to-lake.checkpoint.json';

export const MIGRATE_OPTIONS = {
  region: { type: 'string' },
  profile: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  plant: { type: 'string', multiple: true },
  'state-table': { type: 'string' },
  'timestream-database': { type: 'string' },
  'timestream-readings-table': { type: 'string' },
  'timestream-movements-table': { type: 'string' },
  'readings-stream': { type: 'string' },
  'movements-stream': { type: 'string' },
  'recent-table': { type: 'string' },
  'recent-horizon-days': { type: 'string' },
  'window-days': { type: 'string', default: String(DEFAULT_WINDOW_DAYS) },
  checkpoint: { type: 'string', default: DEFAULT_CHECKPOINT },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export const MIGRATE_USAGE = `Usage: wte migrate-to-lake --from DATE --to DATE [--plant ID ... | --state-table NAME]
         --timestream-database NAME --timestream-readings-table NAME --timestream-movements-table NAME
         --readings-stream NAME --movements-stream NAME --recent-table NAME [--recent-horizon-days N]
         [--window-days N] [--checkpoint FILE] [--dry-run] [--json] [--region R] [--profile P]
Copies the metrics history of a Timestream for LiveAnalytics deployment into the lake
(-c metricsStore=lake): for each plant, each window of N days in [--from, --to), each catalog
metric, the latest version of every reading, then the window's weighbridge tickets.
  --from, --to       UTC: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.sss]]Z; --to is exclusive (the switch)
  --plant            repeatable; default: every plant in --state-table (the StateTableName output)
  --timestream-*     the old database and tables (the processor's TIMESTREAM_* variables before the switch,
                     or aws timestream-write list-databases / list-tables)
  --readings-stream, --movements-stream
                     the lake's Firehose streams (the processor's LAKE_READINGS_STREAM and
                     LAKE_MOVEMENTS_STREAM after the switch)
  --recent-table     the lake's recent-telemetry table (the processor's RECENT_TELEMETRY_TABLE): items of the
                     last --recent-horizon-days go there too, as the processor writes them
  --recent-horizon-days
                     the stack's recentHorizonDays (the processor's RECENT_TELEMETRY_HORIZON_DAYS), default 40
  --window-days      1 to 366, default ${DEFAULT_WINDOW_DAYS}: one window of one metric is held in memory at a time
  --checkpoint       default ./${DEFAULT_CHECKPOINT}: the last completed (plant, window); a run resumes
                     after it, and a finished run does nothing again (delete the file to start over)
  --dry-run          reads Timestream (the same queries, the same cost) and counts what would move;
                     writes nothing, leaves the checkpoint alone
Re-running is harmless: items keep their versions and the lake's readers collapse exact copies.
Progress goes to stderr, the summary (readings, movements, refused, queries, cost) to stdout.
Exit codes: 0 done; 1 done, but the lake refused some items (listed with reasons); 2 bad options or a
checkpoint of another run; 3 stopped early (Timestream or Firehose unavailable after retries, or an
error): the checkpoint is intact, run the same command again to resume.
See docs/migrate-to-lake.md for the steps around it.`;

export interface MigrateOptions {
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly plant?: readonly string[] | undefined;
  readonly 'state-table'?: string | undefined;
  readonly 'timestream-database'?: string | undefined;
  readonly 'timestream-readings-table'?: string | undefined;
  readonly 'timestream-movements-table'?: string | undefined;
  readonly 'readings-stream'?: string | undefined;
  readonly 'movements-stream'?: string | undefined;
  readonly 'recent-table'?: string | undefined;
  readonly 'recent-horizon-days'?: string | undefined;
  readonly 'window-days'?: string | undefined;
  readonly checkpoint?: string | undefined;
  readonly 'dry-run'?: boolean | undefined;
  readonly json?: boolean | undefined;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z)?$/;

/** A UTC instant from `YYYY-MM-DD` (midnight) or a `Z` timestamp; anything else is a usage error. */
export function parseUtc(option: string, text: string | undefined): number {
  if (text === undefined)
    throw new UsageError(`--${option} is required (UTC: YYYY-MM-DD or YYYY-MM-DDTHH:MMZ)`);
  const m = DATE.exec(text);
  const ms = m === null ? Number.NaN : Date.parse(m[4] === undefined ? `${text}T00:00:00Z` : text);
  // Date.parse rolls 2026-02-30 over to March: a real date prints back the same day.
  if (m === null || !Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== text.slice(0, 10))
    throw new UsageError(
      `--${option} ${JSON.stringify(text)} is not a UTC date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.sss]]Z`,
    );
  return ms;
}

function required(options: MigrateOptions, name: keyof MigrateOptions & string): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export interface CheckedMigrateOptions {
  readonly from: number;
  readonly to: number;
  readonly windowDays: number;
  readonly plants: readonly string[] | undefined;
  readonly stateTable: string | undefined;
  readonly timestream: { database: string; readingsTable: string; movementsTable: string };
  readonly lake: {
    readingsStream: string;
    movementsStream: string;
    recentTable: string;
    recentHorizonMs: number;
  };
}

/** Every option checked before any AWS call. */
export function checkMigrateOptions(options: MigrateOptions): CheckedMigrateOptions {
  const from = parseUtc('from', options.from);
  const to = parseUtc('to', options.to);
  if (from >= to) throw new UsageError(`--from ${options.from} must be before --to ${options.to}`);
  const windowDays = Number(options['window-days'] ?? DEFAULT_WINDOW_DAYS);
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 366)
    throw new UsageError(`--window-days must be a whole number from 1 to 366, not ${options['window-days']}`);
  const recentHorizonDays = Number(options['recent-horizon-days'] ?? 40);
  if (!Number.isInteger(recentHorizonDays) || recentHorizonDays < 1 || recentHorizonDays > 366)
    throw new UsageError(
      `--recent-horizon-days must be a whole number from 1 to 366, not ${options['recent-horizon-days']}`,
    );
  const plants = options.plant !== undefined && options.plant.length > 0 ? options.plant : undefined;
  if (plants === undefined && !options['state-table'])
    throw new UsageError(
      'name the plants: --plant ID (repeatable), or --state-table NAME to migrate every registered plant',
    );
  return {
    from,
    to,
    windowDays,
    plants,
    stateTable: options['state-table'],
    timestream: {
      database: required(options, 'timestream-database'),
      readingsTable: required(options, 'timestream-readings-table'),
      movementsTable: required(options, 'timestream-movements-table'),
    },
    lake: {
      readingsStream: required(options, 'readings-stream'),
      movementsStream: required(options, 'movements-stream'),
      recentTable: required(options, 'recent-table'),
      recentHorizonMs: recentHorizonDays * 86_400_000,
    },
  };
}

export interface LakeDestinationProps {
  readonly firehose: FirehoseClient;
  readonly dynamodb: DynamoDBClient;
  readonly readingsStream: string;
  readonly movementsStream: string;
  readonly recentTable: string;
  /** The stack's `recentHorizonDays` (RECENT_TELEMETRY_HORIZON_DAYS). @default 40 days */
  readonly recentHorizonMs?: number;
  readonly clock?: Clock;
}

/** The migration only writes: a read of the lake through this destination is a bug. */
const NO_LAKE_READS: LakeReads = {
  readReadings: () => Promise.reject(new Error('migrate-to-lake does not read the lake')),
  readLastBefore: () => Promise.reject(new Error('migrate-to-lake does not read the lake')),
  readMovements: () => Promise.reject(new Error('migrate-to-lake does not read the lake')),
  readCounterReadings: () => Promise.reject(new Error('migrate-to-lake does not read the lake')),
};

/**
 * What the processor writes with `-c metricsStore=lake`, through the same
 * store (lambdas/adapters/lake/lake-metrics-store.ts), so history lands where
 * new data does: readings checked against the recent telemetry table (an
 * overlap with what the processor already wrote is an identical rewrite, not
 * sent again), then the Iceberg tables through Firehose, then, for items
 * within the recent horizon, that table (older ones would only cost writes).
 */
export function lakeDestination(props: LakeDestinationProps): MigrationDestination {
  const clock = props.clock ?? systemClock;
  const writer = new FirehoseMetricsWriter({
    client: props.firehose,
    readingsStreamName: props.readingsStream,
    movementsStreamName: props.movementsStream,
    clock,
    sleep: (ms) => sleep(ms),
    random: Math.random,
  });
  const recent = new DynamoRecentTelemetryStore({
    client: props.dynamodb,
    tableName: props.recentTable,
    clock,
    ...(props.recentHorizonMs === undefined ? {} : { horizonMs: props.recentHorizonMs }),
  });
  return new LakeMetricsStore({ writer, recent, lake: NO_LAKE_READS, clock, recentOnlyWithinHorizon: true });
}

/** The AWS clients the migration uses; tests pass their own (aws-sdk-client-mock). */
export interface MigrateClients {
  readonly timestream: TimestreamQueryClient;
  readonly dynamodb: DynamoDBClient;
  readonly firehose: FirehoseClient;
}

/**
 * From --region and --profile, as `wte doctor` builds its clients. The
 * Firehose writer and the core retry themselves; Timestream and DynamoDB
 * keep the SDK's retries.
 */
export function migrateClientsFrom(options: Pick<MigrateOptions, 'region' | 'profile'>): MigrateClients {
  const base = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  return {
    timestream: new TimestreamQueryClient({ ...base, requestHandler: { requestTimeout: 120_000 } }),
    dynamodb: new DynamoDBClient({ ...base, requestHandler: { requestTimeout: 30_000 } }),
    firehose: new FirehoseClient({ ...base, maxAttempts: 1, requestHandler: { requestTimeout: 30_000 } }),
  };
}

/** `clients` default to `migrateClientsFrom(options)`, built once the options are checked. */
export async function migrateToLakeCommand(
  io: CliIo,
  options: MigrateOptions,
  clients?: MigrateClients,
): Promise<number> {
  const checked = checkMigrateOptions(options);
  const { timestream, dynamodb, firehose } = clients ?? migrateClientsFrom(options);
  const plants =
    checked.plants ??
    (await new DynamoStateStore({ client: dynamodb, tableName: checked.stateTable ?? '' }).listPlants()).map(
      (p) => p.plantId,
    );
  if (plants.length === 0) throw new UsageError(`the state table ${checked.stateTable} lists no plant`);
  const report = await migrateToLake(
    {
      plants,
      from: checked.from,
      to: checked.to,
      windowDays: checked.windowDays,
      dryRun: options['dry-run'] === true,
    },
    {
      source: new TimestreamMetricsReader({
        client: timestream,
        databaseName: checked.timestream.database,
        readingsTableName: checked.timestream.readingsTable,
        movementsTableName: checked.timestream.movementsTable,
      }),
      destination: lakeDestination({
        firehose,
        dynamodb,
        ...checked.lake,
      }),
      checkpoint: fileCheckpoint(options.checkpoint ?? DEFAULT_CHECKPOINT),
      progress: (line) => io.err(line),
      sleep: (ms) => sleep(ms),
      random: Math.random,
    },
  );
  io.out(options.json ? JSON.stringify(report, null, 2) : formatMigrationReport(report));
  return migrationExitCode(report);
}
