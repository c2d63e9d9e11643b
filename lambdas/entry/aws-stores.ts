/**
 * The AWS adapters shared by several entry points, built once per cold start
 * from the environment. Only entry points import this module.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod/mini';
import { SnsAlertPublisher } from '../adapters/alerts/sns-alert-publisher.ts';
import { DynamoAlertListing } from '../adapters/dynamo/dynamo-alert-listing.ts';
import { DynamoAlertOutbox } from '../adapters/dynamo/dynamo-alert-outbox.ts';
import { DynamoAlertStore } from '../adapters/dynamo/dynamo-alert-store.ts';
import { DynamoDayArrivals } from '../adapters/dynamo/dynamo-day-arrivals.ts';
import { DynamoDaySettlement } from '../adapters/dynamo/dynamo-day-settlement.ts';
import {
  DynamoKpiRollupReader,
  type DynamoKpiRollupStoreProps,
  DynamoKpiSlotMarker,
} from '../adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { DynamoOpenAlerts } from '../adapters/dynamo/dynamo-open-alerts.ts';
import { DynamoPipelineState } from '../adapters/dynamo/dynamo-pipeline-state.ts';
import { DynamoPlantReader } from '../adapters/dynamo/dynamo-plant-reader.ts';
import { DynamoRelayLease } from '../adapters/dynamo/dynamo-relay-lease.ts';
import { DynamoStateStore } from '../adapters/dynamo/dynamo-state-store.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { DEFAULT_SETTLE_POLICY } from '../domain/kpi-rollup.ts';
import { sharedDynamoClient } from './dynamo-client.ts';
import { readEnv } from './env.ts';
import { tracedClient } from './observability.ts';

type Source = Record<string, string | undefined>;

// One builder per store of the state table: a function bundles only the stores it builds (a
// constructor call is kept even when its result goes unused, so one builder of all would hold them all).
const stateTable = (source: Source) => ({
  client: sharedDynamoClient(),
  tableName: readEnv({ STATE_TABLE_NAME: z.string().check(z.minLength(3)) }, source).STATE_TABLE_NAME,
});

/** Plants, tokens, quarantine, the ticket ledger. */
export const stateStore = (source: Source) => new DynamoStateStore(stateTable(source));
/** The processor's writes: plants on first sight, the ticket ledger, quarantine entries. */
export const pipelineState = (source: Source) => new DynamoPipelineState(stateTable(source));
/** Plants, read only (getPlant, listPlants). */
export const plantReader = (source: Source) => new DynamoPlantReader(stateTable(source));
/** Alerts and their outbox, every method (the alerts API). */
export const alertStore = (source: Source) => new DynamoAlertStore(stateTable(source));
/** The alert step's alerts: the lifecycle and the outbox. */
export const alertOutbox = (source: Source) => new DynamoAlertOutbox(stateTable(source));
/** The scheduled run's alerts: the lifecycle, the outbox and a plant's open alerts (reminders). */
export const openAlertStore = (source: Source) => new DynamoOpenAlerts(stateTable(source));
/** The alert listings alone (the plant report). */
export const alertListing = (source: Source) => new DynamoAlertListing(stateTable(source));
/** The alert step's side of day progress: arrivals and debts. */
export const dayArrivals = (source: Source) => new DynamoDayArrivals(stateTable(source));
/** The scheduled run's side of day progress: progress, settling, debts paid. */
export const daySettlement = (source: Source) => new DynamoDaySettlement(stateTable(source));
/** One outbox relay at a time (docs/alert-delivery.md). */
export const relayLeaseStore = (source: Source) => new DynamoRelayLease(stateTable(source));

/**
 * The KPI rollup table as every role sees it (docs/kpi-rollup.md) when the
 * function is bound to it (KPI_ROLLUP_TABLE set by lib/constructs/kpi-rollup.ts),
 * else `undefined`: KPIs are then computed from raw readings.
 */
function kpiRollupTable(source: Source): DynamoKpiRollupStoreProps | undefined {
  const env = readEnv(
    {
      KPI_ROLLUP_TABLE: z.optional(z.string().check(z.minLength(3))),
      KPI_ROLLUP_SINCE: z.optional(z.coerce.number().check(z.int(), z.nonnegative())),
      KPI_ROLLUP_MOVEMENTS_SINCE: z.optional(z.coerce.number().check(z.int(), z.nonnegative())),
    },
    source,
  );
  if (env.KPI_ROLLUP_TABLE === undefined) return undefined;
  return {
    client: sharedDynamoClient(),
    tableName: env.KPI_ROLLUP_TABLE,
    clock: systemClock,
    rollupSince: env.KPI_ROLLUP_SINCE ?? 0,
    movementsSince: env.KPI_ROLLUP_MOVEMENTS_SINCE,
  };
}

// One builder per role of the rollup table, for the same reason as the state table's stores.

/** The KPI rollup's current slots for readers, when bound (see kpiRollupTable). */
export function kpiRollupReader(source: Source) {
  const props = kpiRollupTable(source);
  return props && new DynamoKpiRollupReader(props);
}

/**
 * The processor's marker of the slots a batch touches, when bound (see
 * kpiRollupTable), with the settle policy its marks carry: only writers read
 * it, so a reader's bundle holds neither the policy nor its variable.
 */
export function kpiSlotMarker(source: Source) {
  const props = kpiRollupTable(source);
  if (props === undefined) return undefined;
  const retentionHours = readEnv(
    { KPI_ROLLUP_MEMORY_RETENTION_HOURS: z.optional(z.coerce.number().check(z.int(), z.positive())) },
    source,
  ).KPI_ROLLUP_MEMORY_RETENTION_HOURS;
  return new DynamoKpiSlotMarker({
    ...props,
    settle: {
      ...DEFAULT_SETTLE_POLICY,
      ...(retentionHours === undefined ? {} : { memoryRetentionMs: retentionHours * 3_600_000 }),
    },
  });
}

export function alertPublisher(source: Source) {
  const env = readEnv({ ALERTS_TOPIC_ARN: z.string().check(z.startsWith('arn:')) }, source);
  return new SnsAlertPublisher({ client: tracedClient(new SNSClient({})), topicArn: env.ALERTS_TOPIC_ARN });
}
