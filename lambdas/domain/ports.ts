/**
 * Ports: what the domain needs from the outside world, owned by the domain and implemented by
 * adapters (AWS: Timestream, DynamoDB, SNS, SQS; local: DuckDB, dynalite, JSONL file, in-process
 * queue). No port imports an adapter.
 *
 * Every write port is idempotent: the pipeline delivers at least once, so any
 * call may be repeated, and calls may arrive in any order.
 */

import type { Alert, AlertState, AlertTransition, AlertType } from './alerts/model.ts';
import type { CallOptions } from './deadline.ts';
import type { PlantConfig } from './plant.ts';
import type { Problem, ProblemTypeUri } from './problem.ts';
import type { Movement, Reading, TelemetryMessage } from './telemetry.ts';

/** The injected clock. */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
}

/** How a message reached the pipeline. */
export type IngestSource = 'http' | 'mqtt' | 'replay';

/** The unit of work on the telemetry queue: one validated message (or part of one). */
export interface QueuedTelemetry {
  /** Accepted items only, canonical units; a valid wte.telemetry.v1 message itself. */
  readonly message: TelemetryMessage;
  readonly source: IngestSource;
  /**
   * When the ingress accepted it, epoch ms. The processor re-validates against this instant, so a
   * redelivery normalizes identically; corrections carry it as their version (a later one wins).
   */
  readonly receivedAt: number;
}

/** Telemetry queue (SQS on AWS). Delivery downstream is at least once. */
export interface TelemetryQueue {
  /** Resolves once every item is durably queued; rejects with `UnavailableError` otherwise. */
  enqueue(items: readonly QueuedTelemetry[]): Promise<void>;
}

/** Version of an item that is not a correction. */
export const BASE_VERSION = 1;

/** A reading as stored: the reading plus its version (1, or the receive time for corrections). */
export interface StoredReading extends Reading {
  readonly version: number;
}

/** A weighbridge ticket as stored, with its version. */
export interface StoredMovement extends Movement {
  readonly version: number;
}

/** Why a store refused an item for good (retrying cannot help). */
export type RejectionKind =
  /** Same identity, different content, and no higher version. */
  | 'conflict'
  /** Older than the store accepts, or too far in the future. */
  | 'out-of-window'
  /** Breaks a store limit (size, names). */
  | 'invalid';

export interface StoreRejection<T> {
  readonly item: T;
  readonly kind: RejectionKind;
  /** The store's own words, for the quarantine. */
  readonly reason: string;
}

/** An outcome about a ticket the ledger holds. */
interface HeldTicketOutcome {
  readonly movement: StoredMovement;
  /**
   * The distinct `ts` the ticket held before its current one, oldest first, at most MAX_FORMER_TS
   * (ticket-ledger.ts); absent when it never moved. The processor marks their KPI slots again: a
   * redelivery is the only chance to redo a lost mark of a slot a correction moved the ticket out of.
   */
  readonly formerTs?: readonly number[];
}

/** Outcome of recording a weighbridge ticket in the ledger. */
export type LedgerOutcome =
  /** First time this ticket is seen. */
  | { readonly outcome: 'stored'; readonly movement: StoredMovement }
  /** Same content as stored: a redelivery. */
  | (HeldTicketOutcome & { readonly outcome: 'unchanged' })
  /** A correction replaced the stored content (`formerTs` then includes `previous.ts` if it moved). */
  | (HeldTicketOutcome & { readonly outcome: 'corrected'; readonly previous: StoredMovement })
  /** A correction older than the stored one arrived late; the stored one stays. */
  | (HeldTicketOutcome & { readonly outcome: 'superseded'; readonly current: StoredMovement })
  /** Different content without `correction`: refused, the stored one stays. */
  | (HeldTicketOutcome & { readonly outcome: 'conflict'; readonly current: StoredMovement });

/** A ticket of a batch the ledger could not record this time; its message is retried. */
export interface LedgerFailure {
  readonly outcome: 'failed';
  readonly movement: StoredMovement;
  readonly error: unknown;
}

export type LedgerResult = LedgerOutcome | LedgerFailure;

/** A gateway token as stored: never the secret itself, only its hash. */
export interface GatewayToken {
  readonly tokenId: string;
  readonly gatewayId: string;
  /** Plants this token may write; `*` means every plant (local development only). */
  readonly plants: readonly string[];
  /** SHA-256 of the whole token, hex. */
  readonly secretHash: string;
  readonly createdAt: number;
  readonly revokedAt?: number;
  readonly label?: string;
}

/** An item the pipeline refused after accepting its message, kept for inspection and replay. */
export interface QuarantineEntry {
  /** Deterministic (message, item), so a redelivery does not add a second entry. */
  readonly quarantineId: string;
  readonly plantId: string;
  readonly messageId: string;
  readonly itemKind: 'reading' | 'movement';
  /** JSON pointer of the item in the original message. */
  readonly pointer: string;
  readonly type: ProblemTypeUri;
  readonly reason: string;
  /** The item as received, normalized, for replay. */
  readonly item: StoredReading | StoredMovement;
  readonly quarantinedAt: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; absent on the last page. */
  readonly cursor?: string;
}

/** Plant state store (DynamoDB on AWS, dynalite locally). */
/**
 * The weighbridge ticket ledger, by (plantId, ticketId); the rule is
 * ticket-ledger.ts. On AWS it lives in the state table, locally beside the
 * movements in DuckDB (docs/ticket-ledger.md).
 */
export interface TicketLedger {
  /**
   * Records the tickets of a batch: items of one identity apply one after
   * another in the order given, others in any order. Results come back in
   * the items' order; a ticket the store could not record this time (a
   * throttle) is `failed`, and so is every later item of its identity, so
   * only the messages that carry them are retried. Idempotent: a redelivered
   * batch changes nothing.
   */
  recordMovements(movements: readonly StoredMovement[]): Promise<LedgerResult[]>;
}

export interface StateStore extends TicketLedger {
  getPlant(plantId: string): Promise<PlantConfig | undefined>;
  putPlant(config: PlantConfig): Promise<void>;
  /** Stores `config` unless the plant is already registered; `true` when it was new. Idempotent. */
  registerPlant(config: PlantConfig): Promise<boolean>;
  listPlants(): Promise<PlantConfig[]>;

  putToken(token: GatewayToken): Promise<void>;
  getToken(tokenId: string): Promise<GatewayToken | undefined>;
  listTokens(): Promise<GatewayToken[]>;
  /** Idempotent; `false` when no such token exists. */
  revokeToken(tokenId: string, at: number): Promise<boolean>;

  /** Idempotent by `quarantineId`; retries of throttled writes stop short of the call's deadline. */
  putQuarantine(entries: readonly QuarantineEntry[], options?: CallOptions): Promise<void>;
  listQuarantine(plantId: string | undefined, limit: number, cursor?: string): Promise<Page<QuarantineEntry>>;
  getQuarantine(quarantineId: string): Promise<QuarantineEntry | undefined>;
  deleteQuarantine(quarantineId: string): Promise<void>;
}

/** What the processor writes to the state store (its bundle holds no more of it: docs/bundles.md). */
export type PipelineState = Pick<StateStore, 'registerPlant' | 'putQuarantine'> & TicketLedger;

/**
 * What has arrived of each plant-local day, so a day is judged once it is
 * complete (docs/alert-completeness.md). One record per (plant, day) that has
 * data not yet judged complete, plus the plant's data frontier.
 */
export interface DayArrival {
  readonly plantId: string;
  /** The plant-local day, epoch ms [start, end). */
  readonly start: number;
  readonly end: number;
  /** Latest receive time of data for this day. */
  readonly lastArrivalAt: number;
  /** Some of its data arrived after the day had ended (and settled): the day is judged complete only. */
  readonly late: boolean;
  /** Alert evaluations of this day that failed since it was last settled; the scheduled run owes them. */
  readonly owed: number;
}

export interface PlantProgress {
  /** The latest data time received. */
  readonly frontier?: number;
  /** The latest data time received on time (live, not a backfill): how the stale rule knows a series was reporting. */
  readonly liveFrontier?: number;
  /** The latest receive time of late data (for days already over), any day: how long a backfill has been quiet. */
  readonly lastLateArrivalAt?: number;
  readonly days: readonly DayArrival[];
}

/** Day arrivals and the data frontier (DynamoDB on AWS, dynalite locally). */
export interface DayProgressStore {
  /**
   * Records that data of `days` arrived at `receivedAt` (the latest arrival
   * wins, `late` sticks) and moves the plant's frontier, the latest data time
   * received, to `frontier` when that is later; when `frontier` arrived on
   * time (`live`), the live frontier too; when any day is late, the plant's
   * last late arrival to `receivedAt` when that is later. Idempotent.
   */
  recordArrival(
    plantId: string,
    days: ReadonlyArray<{ readonly start: number; readonly end: number; readonly late: boolean }>,
    receivedAt: number,
    frontier: number,
    live: boolean,
  ): Promise<void>;
  /** Asks the scheduled run to evaluate these days again: the alert step failed after their data was stored. */
  owe(plantId: string, days: ReadonlyArray<{ readonly start: number; readonly end: number }>): Promise<void>;
  /** The plant's frontiers (undefined before any such data) and its days not yet settled, oldest first. */
  progress(plantId: string): Promise<PlantProgress>;
  /** Forgets the day if nothing arrived and nothing was owed since `seen` was read; `false` otherwise. */
  settle(seen: DayArrival): Promise<boolean>;
  /** Clears what the day owed if nothing more was owed since `seen` was read; `false` otherwise. */
  paid(seen: DayArrival): Promise<boolean>;
}

/** Alert publisher (SNS on AWS; console, JSONL file and webhook locally). */
export interface AlertPublisher {
  /** Publishes one transition; throws `UnavailableError` when the channel is throttling or down. */
  publish(transition: AlertTransition): Promise<void>;
}

/**
 * Alert lifecycle state and the transition outbox (DynamoDB on AWS, dynalite
 * locally). Single-item conditional writes only.
 */
export interface AlertStore {
  /** The open or acknowledged alert of (plant, type, subject), if any. */
  getActive(plantId: string, type: AlertType, subject: string): Promise<Alert | undefined>;
  /** The latest alert of (plant, type, subject), resolved included: the one the lifecycle continues from. */
  getCurrent(plantId: string, type: AlertType, subject: string): Promise<Alert | undefined>;
  getAlert(alertId: string): Promise<Alert | undefined>;
  /**
   * Stores `next` as the alert of its (plant, type, subject) only if the stored
   * one's sequence is still `expectedSequence` (0: none yet), and in the same
   * single-item write queues `transition` (when given) in the outbox; `false`
   * when another writer got there first (re-read and decide again).
   */
  applyTransition(next: Alert, expectedSequence: number, transition?: AlertTransition): Promise<boolean>;
  listAlerts(query: {
    plantId?: string;
    state?: AlertState;
    limit: number;
    cursor?: string;
  }): Promise<Page<Alert>>;
  /** Outbox transitions not yet published, oldest first. */
  pendingTransitions(limit: number): Promise<AlertTransition[]>;
  /** Idempotent. */
  markPublished(transitionId: string): Promise<void>;
}

/** A held relay lease: who holds it, which grant (a counter raised at every acquire), until when (epoch ms). */
export interface LeaseGrant {
  readonly owner: string;
  readonly token: number;
  readonly expiresAt: number;
}

/**
 * The outbox relay's lease (docs/alert-delivery.md): at most one relay
 * publishes at a time, so each alert's transitions leave in order. Times
 * come from the caller's clock; every change is one conditional write.
 */
export interface RelayLease {
  /** Takes the lease until `now + ttlMs` if nobody holds it or the holder's expired; else who holds it until when. */
  acquire(
    owner: string,
    now: number,
    ttlMs: number,
  ): Promise<{ readonly granted: LeaseGrant } | { readonly heldUntil: number }>;
  /** Extends a grant that is still this one (same owner and token); `undefined` once it is not. */
  renew(grant: LeaseGrant, now: number, ttlMs: number): Promise<LeaseGrant | undefined>;
  /** Gives the grant up; nothing happens when it is no longer this one. */
  release(grant: LeaseGrant): Promise<void>;
}

/** A problem-details notice for a gateway on MQTT, about one message or one item of it. */
export type RejectionNotice = Problem & { readonly messageId?: string };

/**
 * Tells MQTT gateways what was refused (`wte/v1/{plantId}/rejected`: IoT Core
 * on AWS, the embedded broker locally). Best effort: a notice is advisory and
 * never holds up processing.
 */
export interface RejectionPublisher {
  publish(plantId: string, notice: RejectionNotice): Promise<void>;
}

/** A dependency is down or throttling: retry later (HTTP 503 with Retry-After; SQS redelivery). */
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

/**
 * A store refused a query for good (retrying cannot help): its answer would
 * be larger than the store hands back at once (`tooLarge`: the caller can
 * narrow the range), or a configuration error (permissions, a missing table).
 */
export class QueryRefusedError extends Error {
  override readonly name: string = 'QueryRefusedError';
  constructor(
    message: string,
    readonly tooLarge = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
