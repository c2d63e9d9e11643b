/**
 * Local mode's stores under the data dir: the state table on dynalite in its
 * own process (`dynamo/`, demanding the key pair in local-secrets.ts), the
 * metrics in DuckDB (`metrics.duckdb`) and the KPI rollup over both.
 */
import { join } from 'node:path';
import { DuckDbMetricsStore } from '../adapters/duckdb/duckdb-metrics-store.ts';
import { DynamoAlertStore } from '../adapters/dynamo/dynamo-alert-store.ts';
import { DynamoDayProgressStore } from '../adapters/dynamo/dynamo-day-progress-store.ts';
import { DynamoRelayLease } from '../adapters/dynamo/dynamo-relay-lease.ts';
import { DynamoStateStore } from '../adapters/dynamo/dynamo-state-store.ts';
import { createStateTable, StateTableMismatchError } from '../adapters/dynamo/state-table.ts';
import type { Clock } from '../domain/ports.ts';
import type { Closers } from './closers.ts';
import { type RunningDynalite, startDynalite } from './dynalite-server.ts';
import { type LocalKpiRollup, startLocalKpiRollup } from './local-kpi-rollup.ts';
import { type LocalLog, LocalModeError } from './local-mode-types.ts';
import { stateStoreKeyPairOf } from './local-secrets.ts';

export const LOCAL_STATE_TABLE = 'wte-local-state';

export interface LocalStores {
  readonly dynamo: RunningDynalite;
  readonly state: DynamoStateStore;
  readonly alerts: DynamoAlertStore;
  readonly relayLease: DynamoRelayLease;
  readonly days: DynamoDayProgressStore;
  readonly metrics: DuckDbMetricsStore;
  readonly kpiRollup: LocalKpiRollup;
}

export interface LocalStoresOptions {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly log: LocalLog;
  readonly kpiRollupIntervalMs?: number | undefined;
}

/** Opens every store, each added to `closers` as soon as it is open. */
export async function openLocalStores(options: LocalStoresOptions, closers: Closers): Promise<LocalStores> {
  const { dataDir, clock, log } = options;
  const dynamo = await startDynalite({
    path: join(dataDir, 'dynamo'),
    ownProcess: true,
    credentials: await stateStoreKeyPairOf(dataDir),
    // Batches that failed while it restarted are received again; one gone for good fails every batch.
    onRestart: (exit) => log('warn', 'the state store process stopped; started it again', exit),
    onExit: (exit) =>
      log('error', 'the state store process stopped for good; stop local mode and start it again', exit),
  });
  closers.add(dynamo.close);
  await stateTableIn(dynamo, dataDir);
  const tableProps = { client: dynamo.client, tableName: LOCAL_STATE_TABLE };
  const relayLease = new DynamoRelayLease(tableProps);
  // One process per data directory: a lease left by a run that crashed is nobody's now.
  await relayLease.clear();

  const metrics = await DuckDbMetricsStore.open({ path: join(dataDir, 'metrics.duckdb'), clock });
  closers.add(() => metrics.close());
  const kpiRollup = await startLocalKpiRollup({
    client: dynamo.client,
    dataDir,
    metrics,
    clock,
    log,
    intervalMs: options.kpiRollupIntervalMs,
  });
  closers.add(kpiRollup.close);
  return {
    dynamo,
    state: new DynamoStateStore(tableProps),
    alerts: new DynamoAlertStore(tableProps),
    relayLease,
    days: new DynamoDayProgressStore(tableProps),
    metrics,
    kpiRollup,
  };
}

async function stateTableIn(dynamo: RunningDynalite, dataDir: string): Promise<void> {
  try {
    await createStateTable(dynamo.client, LOCAL_STATE_TABLE);
  } catch (error) {
    if (error instanceof StateTableMismatchError) {
      throw new LocalModeError(
        `the state table in ${join(dataDir, 'dynamo')} was made by an older version (${error.message}); ` +
          'stop local mode and delete that directory, or use another --data-dir',
      );
    }
    throw error;
  }
}
