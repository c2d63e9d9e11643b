/**
 * Ports: what the domain needs from the outside world, owned by the domain and
 * implemented by adapters (AWS: Timestream, DynamoDB, SNS, SQS; local:
 * DuckDB, dynalite, JSONL file, in-process queue). No port imports an adapter.
 */
import type { MetricName } from './catalog.ts';
import type { PlantConfig } from './plant.ts';
import type { Movement, Reading, TelemetryMessage } from './telemetry.ts';

/** The injected clock. */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
}

/** How a message reached the pipeline. */
export type IngestSource = 'http' | 'mqtt';

/** The unit of work on the telemetry queue: one validated message. */
export interface QueuedTelemetry {
  readonly message: TelemetryMessage;
  readonly source: IngestSource;
  /** When the ingress accepted it, epoch ms. */
  readonly receivedAt: number;
}

/** Telemetry queue (SQS on AWS). Delivery downstream is at least once. */
export interface TelemetryQueue {
  /** Resolves once every item is durably queued; rejects with `UnavailableError` otherwise. */
  enqueue(items: readonly QueuedTelemetry[]): Promise<void>;
}

/** A reading as stored: the reading plus its version (1, or higher for corrections). */
export interface StoredReading extends Reading {
  readonly version: number;
}

export interface WriteOutcome {
  /** Items stored, or identical to what was already stored (redelivery). */
  readonly stored: number;
  /** Items refused because a different value exists and no correction was asked. */
  readonly conflicts: ReadonlyArray<{ readonly reading: StoredReading; readonly reason: string }>;
}

export interface SeriesQuery {
  readonly plantId: string;
  readonly metric: MetricName;
  readonly from: number;
  readonly to: number;
  readonly line?: string;
}

/** Metrics store (Timestream on AWS, DuckDB locally). */
export interface MetricsStore {
  /** Idempotent: rewriting an identical reading is a no-op. */
  writeReadings(readings: readonly StoredReading[]): Promise<WriteOutcome>;
  /** GOOD and non-GOOD readings of one metric in [from, to), in time order. */
  readReadings(query: SeriesQuery): Promise<StoredReading[]>;
  /** The last GOOD reading of each series of `metric` strictly before `before`. */
  readLastBefore(plantId: string, metric: MetricName, before: number): Promise<StoredReading[]>;
}

export type MovementWrite =
  | { readonly outcome: 'stored' | 'unchanged' | 'corrected'; readonly movement: Movement }
  | { readonly outcome: 'conflict'; readonly movement: Movement; readonly existing: Movement };

/** Plant state store (DynamoDB on AWS, dynalite locally). */
export interface StateStore {
  getPlant(plantId: string): Promise<PlantConfig | undefined>;
  putPlant(config: PlantConfig): Promise<void>;
  /** Stores a weighbridge ticket by (plantId, ticketId) with conditional writes. */
  putMovement(movement: Movement): Promise<MovementWrite>;
  listMovements(plantId: string, from: number, to: number): Promise<Movement[]>;
  /** Marks a queue message processed; `false` when it already was (redelivery). */
  markProcessed(plantId: string, messageId: string, expiresAt: number): Promise<boolean>;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';
export type AlertState = 'open' | 'acknowledged' | 'resolved';

/** One alert lifecycle transition, as published (CONTRACT.md section 6). */
export interface AlertTransition {
  readonly alertId: string;
  readonly plantId: string;
  readonly type: string;
  readonly severity: AlertSeverity;
  readonly state: AlertState;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly value: number;
  readonly threshold: number;
  readonly message: string;
  /** Short, human-readable subject line (at most 100 characters). */
  readonly subject: string;
}

/** Alert publisher (SNS on AWS; console, JSONL file and webhook locally). */
export interface AlertPublisher {
  /** Publishes one transition; safe to call again for the same transition. */
  publish(transition: AlertTransition): Promise<void>;
}

/** A dependency is down or throttling: retry later (HTTP 503 with Retry-After). */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
