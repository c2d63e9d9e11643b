/**
 * Local mode's composition root: the whole pipeline on 127.0.0.1 with
 * embedded engines over real protocols, wired exactly as the AWS entry
 * points wire the same handlers.
 *
 * | AWS                               | local                                         |
 * | --------------------------------- | --------------------------------------------- |
 * | API Gateway + token authorizer    | Node HTTP server + the same authorizer        |
 * | IoT Core + topic rule             | aedes broker + topic-rule emulation           |
 * | SQS + event source mapping + DLQ  | DurableQueue (journal under the data dir)     |
 * | Timestream                        | DuckDB file                                   |
 * | DynamoDB                          | dynalite (LevelDB under the data dir)         |
 * | SNS                               | console + alerts.jsonl (+ optional webhook)   |
 * | EventBridge schedules             | timers running the scheduler and KPI rollup   |
 * | S3 + CloudFront (operator page)   | `/` built from web/ on first request          |
 *
 * Data dir (owner-only, private-files.ts): `dynamo/`, `metrics.duckdb`, `queue/`, `alerts.jsonl`, `dev-token`,
 * `state-store-credentials` (the key pair the state store demands, local-secrets.ts), `kpi-rollup-ready`.
 */
import { join, resolve } from 'node:path';
import { DEFAULT_LEASE_TTL_MS, relayWithLease } from '../adapters/alerts/leased-relay.ts';
import { LocalAlertPublisher } from '../adapters/alerts/local-alert-publisher.ts';
import { DuckDbMetricsStore } from '../adapters/duckdb/duckdb-metrics-store.ts';
import { DynamoAlertStore } from '../adapters/dynamo/dynamo-alert-store.ts';
import { DynamoDayProgressStore } from '../adapters/dynamo/dynamo-day-progress-store.ts';
import { DynamoRelayLease } from '../adapters/dynamo/dynamo-relay-lease.ts';
import { DynamoStateStore } from '../adapters/dynamo/dynamo-state-store.ts';
import { createStateTable, StateTableMismatchError } from '../adapters/dynamo/state-table.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { AlertEngine } from '../app/alert-engine.ts';
import type { Clock } from '../domain/ports.ts';
import { inProcessAlertStep, makeAlertStepHandler } from '../handlers/alert-step.ts';
import { makeAcknowledgeAlertHandler, makeListAlertsHandler } from '../handlers/alerts-api.ts';
import { makeIngestHandler } from '../handlers/ingest.ts';
import { makeListPlantsHandler } from '../handlers/plants-api.ts';
import { makeProcessorHandler } from '../handlers/processor.ts';
import { makeKpisHandler, makeSeriesHandler } from '../handlers/query-api.ts';
import { makeReportHandler } from '../handlers/report-api.ts';
import { makeSchedulerHandler } from '../handlers/scheduler.ts';
import {
  type Backlog,
  type BacklogBound,
  DEFAULT_BACKLOG_BOUND,
  DEFAULT_MQTT_HOLD_MS,
  overload,
  validBound,
} from './backlog-bound.ts';
import { DurableQueue } from './durable-queue.ts';
import { type RunningDynalite, startDynalite } from './dynalite-server.ts';
import { startHttpServer } from './http-server.ts';
import { authenticateGateway, localAuthorizer } from './local-auth.ts';
import { startLocalKpiRollup } from './local-kpi-rollup.ts';
import {
  DEV_TOKEN_FILE,
  devTokenOf,
  STATE_STORE_CREDENTIALS_FILE,
  stateStoreKeyPairOf,
} from './local-secrets.ts';
import {
  LOCAL_ALERT_CONCURRENCY,
  LOCAL_BATCH_MAX_BYTES,
  LOCAL_BATCH_SIZE,
  LOCAL_CONSUMERS,
  LOCAL_WRITE_CHUNK_READINGS,
} from './local-tuning.ts';
import { startMqttBridge } from './mqtt-bridge.ts';
import { privateDataDir } from './private-files.ts';
import { makeOperatorPageHandler } from './static-assets.ts';

export const LOCAL_STATE_TABLE = 'wte-local-state';
export const DEFAULT_HTTP_PORT = 8787;
export const DEFAULT_MQTT_PORT = 1883;
export const DEFAULT_DATA_DIR = '.wte';
export { DEV_TOKEN_FILE, STATE_STORE_CREDENTIALS_FILE };

export type LogLevel = 'info' | 'warn' | 'error';
export type LocalLog = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

export interface LocalModeOptions {
  readonly dataDir: string;
  /** 0 picks a free port. @default DEFAULT_HTTP_PORT */
  readonly httpPort?: number;
  /** 0 picks a free port. @default DEFAULT_MQTT_PORT */
  readonly mqttPort?: number;
  /** Accepted for every plant. @default the one saved in `<dataDir>/dev-token`, or a new random one */
  readonly devToken?: string;
  /** Each transition is also POSTed here. */
  readonly webhookUrl?: string;
  /** How often the scheduled run (stale and stuck sensors, day rules, reminders, relay) runs. @default 60 000 */
  readonly schedulerIntervalMs?: number;
  /** Start with the timer held until `resumeScheduler()`: while a backfill catches up, the wall-clock
   * checks would judge half-loaded days and silent-looking sensors. @default false */
  readonly schedulerPaused?: boolean;
  /** How often the KPI rollup job runs (docs/kpi-rollup.md). @default 60 000 */
  readonly kpiRollupIntervalMs?: number;
  readonly queue?: {
    readonly visibilityTimeoutMs?: number;
    readonly maxReceiveCount?: number;
    readonly batchSize?: number;
    readonly batchingWindowMs?: number;
    /** Batches processed at once, like the event source's maximum concurrency. @default LOCAL_CONSUMERS */
    readonly concurrency?: number;
  };
  /** Backpressure (docs/backpressure.md): over either bound HTTP ingest answers 503 with Retry-After and MQTT
   * withholds the PUBACK for up to `mqttHoldMs`, then refuses. @default DEFAULT_BACKLOG_BOUND, DEFAULT_MQTT_HOLD_MS */
  readonly backlog?: Partial<BacklogBound> & { readonly mqttHoldMs?: number };
  /** Start with the processor held until `resumeProcessor()` (tests of backpressure). @default false */
  readonly processorPaused?: boolean;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Structured log lines. @default none */
  readonly log?: LocalLog;
  /** Where each alert transition's console line goes. @default none */
  readonly alertLine?: (line: string) => void;
}

export interface LocalMode {
  readonly httpUrl: string;
  readonly mqttUrl: string;
  readonly httpPort: number;
  readonly mqttPort: number;
  readonly dataDir: string;
  readonly devToken: string;
  readonly alertsFile: string;
  /** The DynamoDB endpoint of the state store (for `wte token --endpoint`). */
  readonly dynamoEndpoint: string;
  /** The key pair it demands, as AWS shared credentials (`wte token --data-dir` reads it; owner-only). */
  readonly stateStoreCredentialsFile: string;
  readonly stateTable: string;
  /** Runs the scheduled handler now (what the timer does). */
  runScheduler(): Promise<void>;
  /** Runs the KPI rollup job now (what its timer does). */
  runKpiRollup(): Promise<void>;
  /** Starts a timer held by `schedulerPaused` (runs once at once). Idempotent. */
  resumeScheduler(): void;
  /** Resolves once the queue is empty (or `timeoutMs` passed), then relays the outbox. */
  settle(timeoutMs?: number): Promise<boolean>;
  queueStats(): { visible: number; inFlight: number; deadLettered: number };
  /** What was accepted and not yet processed (the quantity the backlog bound limits). */
  backlog(): Backlog;
  /** Starts the processor held by `processorPaused`. Idempotent. */
  resumeProcessor(): void;
  close(): Promise<void>;
}

export class LocalModeError extends Error {
  override readonly name = 'LocalModeError';
}

export async function startLocalMode(options: LocalModeOptions): Promise<LocalMode> {
  const dataDir = resolve(options.dataDir);
  const clock = options.clock ?? systemClock;
  const log: LocalLog = options.log ?? (() => {});
  await privateDataDir(dataDir);
  const devToken = await devTokenOf(dataDir, options.devToken);

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    closers.length = 0;
  };

  try {
    const dynamo: RunningDynalite = await startDynalite({
      path: join(dataDir, 'dynamo'),
      ownProcess: true,
      credentials: await stateStoreKeyPairOf(dataDir),
      // Batches that failed while it restarted are received again; one gone for good fails every batch.
      onRestart: (exit) => log('warn', 'the state store process stopped; started it again', exit),
      onExit: (exit) =>
        log('error', 'the state store process stopped for good; stop local mode and start it again', exit),
    });
    closers.push(dynamo.close);
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
    const tableProps = { client: dynamo.client, tableName: LOCAL_STATE_TABLE };
    const state = new DynamoStateStore(tableProps);
    const alerts = new DynamoAlertStore(tableProps);
    const relayLease = new DynamoRelayLease(tableProps);
    // One process per data directory: a lease left by a run that crashed is nobody's now.
    await relayLease.clear();

    const metrics = await DuckDbMetricsStore.open({ path: join(dataDir, 'metrics.duckdb'), clock });
    closers.push(() => metrics.close());
    const kpiRollup = await startLocalKpiRollup({
      client: dynamo.client,
      dataDir,
      metrics,
      clock,
      log,
      intervalMs: options.kpiRollupIntervalMs,
    });
    closers.push(kpiRollup.close);
    // After the queue (closed below, so it closes first): the relay its last batches started.
    let relaying: Promise<void> | undefined;
    closers.push(async () => {
      await relaying;
    });

    const { concurrency = LOCAL_CONSUMERS, ...queueOptions } = options.queue ?? {};
    const queue = await DurableQueue.open({
      dir: join(dataDir, 'queue'),
      clock,
      batchSize: LOCAL_BATCH_SIZE,
      batchMaxBytes: LOCAL_BATCH_MAX_BYTES,
      ...queueOptions,
    });
    closers.push(() => queue.close());
    const bound = validBound({
      maxAgeMs: options.backlog?.maxAgeMs ?? DEFAULT_BACKLOG_BOUND.maxAgeMs,
      maxBytes: options.backlog?.maxBytes ?? DEFAULT_BACKLOG_BOUND.maxBytes,
    });
    const admit = () => overload(queue.backlog(), bound);

    const publisher = new LocalAlertPublisher({
      dataDir,
      write: options.alertLine ?? (() => {}),
      ...(options.webhookUrl === undefined ? {} : { webhookUrl: options.webhookUrl }),
    });
    // The same leased relay as on AWS, so alerts.jsonl and the webhook get each alert's transitions in
    // order. `acquireWaitMs`: how long to wait for a lease another relay (the timer, a batch) holds.
    const relay = (acquireWaitMs: number) =>
      // The lease runs on wall time, whatever clock the data is judged by.
      relayWithLease({ store: alerts, publisher, lease: relayLease, clock: systemClock, acquireWaitMs });
    const days = new DynamoDayProgressStore(tableProps);
    const engine = new AlertEngine({
      metrics,
      alerts,
      plants: state,
      days,
      clock,
    });

    const mqtt = await startMqttBridge(
      {
        authenticate: (username, token) => authenticateGateway(state, devToken, username, token),
        send: (bodies) => queue.send(bodies),
        admit,
        holdMs: options.backlog?.mqttHoldMs ?? DEFAULT_MQTT_HOLD_MS,
        clock,
        log,
      },
      options.mqttPort ?? DEFAULT_MQTT_PORT,
    );
    closers.push(mqtt.close);

    const processBatch = makeProcessorHandler({
      metrics,
      state,
      ledger: metrics,
      alerts: inProcessAlertStep(makeAlertStepHandler({ engine, log })), // on AWS through a queue: docs/alert-step.md
      rejections: mqtt,
      kpiSlots: kpiRollup.marker,
      log,
      // A local batch holds up to 500 messages of many plants: more are judged at once (their reads queue on
      // DuckDB's lanes, not behind dynalite round trips); writes are one transaction per kind and batch.
      alertConcurrency: LOCAL_ALERT_CONCURRENCY,
      writeChunkReadings: LOCAL_WRITE_CHUNK_READINGS,
    });
    // The outbox relay after each batch runs beside the consumers: a slow webhook must not keep a batch past
    // its visibility timeout. Batches ending while it runs ask for one more pass. No lease wait: dynalite's
    // reads are consistent, so the holder's look after releasing finds this batch's transitions.
    let relayAgain = false;
    const relaySoon = () => {
      if (relaying) {
        relayAgain = true;
        return;
      }
      relaying = (async () => {
        do {
          relayAgain = false;
          const report = await relay(0).catch(() => undefined);
          if (report && report.stoppedBy !== 'done' && report.stoppedBy !== 'held')
            log('warn', 'alert outbox relay stopped; the scheduled run retries', {
              stoppedBy: report.stoppedBy,
            });
        } while (relayAgain);
      })().finally(() => {
        relaying = undefined;
      });
    };
    let processorStarted = false;
    const resumeProcessor = () => {
      if (processorStarted) return;
      processorStarted = true;
      queue.startConsumer(
        async (event) => {
          const response = await processBatch(event);
          relaySoon();
          return response;
        },
        (error) =>
          log('error', 'processor batch failed; it will be redelivered', { error: errorName(error) }),
        concurrency,
      );
    };
    if (!options.processorPaused) resumeProcessor();

    const scheduled = makeSchedulerHandler({
      engine,
      relay: () => relay(DEFAULT_LEASE_TTL_MS + 5000),
      clock,
      log,
    });
    let schedulerRun: Promise<void> = Promise.resolve();
    const runScheduler = () => {
      schedulerRun = schedulerRun.then(() =>
        scheduled().then(
          () => undefined,
          (error: unknown) => log('error', 'scheduled run failed', { error: errorName(error) }),
        ),
      );
      return schedulerRun;
    };
    const interval = options.schedulerIntervalMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const resumeScheduler = () => {
      if (timer) return;
      timer = setInterval(() => void runScheduler(), interval);
      timer.unref();
      // Catch up at once (stale sensors, yesterday's day rules, a pending outbox), then on the timer.
      void runScheduler();
    };
    closers.push(async () => {
      clearInterval(timer);
      await schedulerRun;
    });

    let ready = false;
    const http = await startHttpServer(
      {
        authorizer: localAuthorizer(state, devToken),
        ingest: makeIngestHandler({ queue, clock, log }),
        kpis: makeKpisHandler({ metrics: kpiRollup.reads, plants: state, clock }),
        series: makeSeriesHandler({ metrics: metrics.queries(), plants: state, clock }),
        report: makeReportHandler({ metrics: kpiRollup.reads, plants: state, alerts, clock }),
        listAlerts: makeListAlertsHandler({ alerts, clock }),
        // An acknowledgement goes out at once, like the processor's transitions (no lease wait).
        ackAlert: makeAcknowledgeAlertHandler({ alerts, clock, relay: () => relay(0) }),
        listPlants: makeListPlantsHandler({ plants: state, progress: days }),
        page: makeOperatorPageHandler({ log }),
        admit,
        ready: () => ready,
        status: () => ({ queue: queue.stats() }),
        log,
      },
      options.httpPort ?? DEFAULT_HTTP_PORT,
    );
    // The HTTP server stops first, so nothing is accepted that cannot be queued.
    closers.push(http.close);
    ready = true;
    if (!options.schedulerPaused) resumeScheduler();

    return {
      httpUrl: http.url,
      mqttUrl: mqtt.url,
      httpPort: http.port,
      mqttPort: mqtt.port,
      dataDir,
      devToken,
      alertsFile: publisher.filePath,
      dynamoEndpoint: dynamo.endpoint,
      stateStoreCredentialsFile: join(dataDir, STATE_STORE_CREDENTIALS_FILE),
      stateTable: LOCAL_STATE_TABLE,
      runScheduler,
      runKpiRollup: async () => void (await kpiRollup.run()),
      resumeScheduler,
      settle: async (timeoutMs = 30_000) => {
        const drained = await queue.drained(timeoutMs);
        // Wait for a relay already running, so everything queued is published when settle resolves.
        await relay(timeoutMs);
        return drained;
      },
      queueStats: () => queue.stats(),
      backlog: () => queue.backlog(),
      resumeProcessor,
      close: async () => {
        ready = false;
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}
