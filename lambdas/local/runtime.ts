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
 *
 * The pieces: local-stores.ts (dynalite, DuckDB, KPI rollup), local-pipeline.ts (queue -> processor -> alert
 * step -> relay), scheduler-timer.ts, local-servers.ts (MQTT, HTTP); closers.ts closes them in reverse.
 */
import { join, resolve } from 'node:path';
import { systemClock } from '../adapters/system-clock.ts';
import { AlertEngine } from '../app/alert-engine.ts';
import { Closers } from './closers.ts';
import type { LocalLog, LocalMode, LocalModeOptions } from './local-mode-types.ts';
import { localProcessor, localRelay, openLocalQueue } from './local-pipeline.ts';
import { DEV_TOKEN_FILE, devTokenOf, STATE_STORE_CREDENTIALS_FILE } from './local-secrets.ts';
import { DEFAULT_HTTP_PORT, DEFAULT_MQTT_PORT, startLocalHttp, startLocalMqtt } from './local-servers.ts';
import { LOCAL_STATE_TABLE, openLocalStores } from './local-stores.ts';
import { privateDataDir } from './private-files.ts';
import { schedulerTimer } from './scheduler-timer.ts';

export const DEFAULT_DATA_DIR = '.wte';
export type { LocalLog, LocalMode, LocalModeOptions, LogLevel } from './local-mode-types.ts';
export { LocalModeError } from './local-mode-types.ts';
export {
  DEFAULT_HTTP_PORT,
  DEFAULT_MQTT_PORT,
  DEV_TOKEN_FILE,
  LOCAL_STATE_TABLE,
  STATE_STORE_CREDENTIALS_FILE,
};

export async function startLocalMode(options: LocalModeOptions): Promise<LocalMode> {
  const dataDir = resolve(options.dataDir);
  const clock = options.clock ?? systemClock;
  const log: LocalLog = options.log ?? (() => {});
  await privateDataDir(dataDir);
  const devToken = await devTokenOf(dataDir, options.devToken);
  const closers = new Closers();
  try {
    const stores = await openLocalStores(
      { dataDir, clock, log, kpiRollupIntervalMs: options.kpiRollupIntervalMs },
      closers,
    );
    const relay = localRelay(options, dataDir, stores, log);
    // After the queue (added next, so it closes first): the relay its last batches started.
    closers.add(relay.afterBatch.idle);
    const intake = await openLocalQueue(options, dataDir, clock, closers);
    const { metrics, alerts, state, days } = stores;
    const engine = new AlertEngine({ metrics, alerts, plants: state, days, clock });
    const front = { options, devToken, intake, clock, log };

    const mqtt = await startLocalMqtt(front, stores);
    closers.add(mqtt.close);
    const resumeProcessor = localProcessor({
      queue: intake.queue,
      stores,
      engine,
      rejections: mqtt,
      relay,
      log,
      concurrency: options.queue?.concurrency,
    });
    if (!options.processorPaused) resumeProcessor();

    const scheduler = schedulerTimer({ engine, relay, clock, log, intervalMs: options.schedulerIntervalMs });
    closers.add(scheduler.close);
    let ready = false;
    const http = await startLocalHttp(front, stores, relay, () => ready);
    // The HTTP server stops first, so nothing is accepted that cannot be queued.
    closers.add(http.close);
    ready = true;
    if (!options.schedulerPaused) scheduler.resume();

    return {
      httpUrl: http.url,
      mqttUrl: mqtt.url,
      httpPort: http.port,
      mqttPort: mqtt.port,
      dataDir,
      devToken,
      alertsFile: relay.publisher.filePath,
      dynamoEndpoint: stores.dynamo.endpoint,
      stateStoreCredentialsFile: join(dataDir, STATE_STORE_CREDENTIALS_FILE),
      stateTable: LOCAL_STATE_TABLE,
      runScheduler: scheduler.run,
      runKpiRollup: async () => void (await stores.kpiRollup.run()),
      resumeScheduler: scheduler.resume,
      settle: async (timeoutMs = 30_000) => {
        const drained = await intake.queue.drained(timeoutMs);
        // Wait for a relay already running, so everything queued is published when settle resolves.
        await relay.run(timeoutMs);
        return drained;
      },
      queueStats: () => intake.queue.stats(),
      backlog: () => intake.queue.backlog(),
      resumeProcessor,
      close: async () => {
        ready = false;
        await closers.closeAll();
      },
    };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}
