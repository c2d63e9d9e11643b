/**
 * Local mode's public shape (docs/local-mode.md): the options `startLocalMode`
 * takes, the handle it returns, and the error a start refuses with.
 */
import type { Clock } from '../domain/ports.ts';
import type { Backlog, BacklogBound } from './backlog-bound.ts';

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
