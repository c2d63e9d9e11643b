/**
 * The metrics store the stack chose at synth (`METRICS_STORE`: `timestream`,
 * the default, or `lake`) as its readers see it, and the alert engine's
 * stores over it, built from the environment once per cold start. Only entry points that
 * read metrics import this module (the others keep its SDK clients out of
 * their bundles); the processor, which also writes, adds metrics-writers.ts.
 *
 * On the lake, every reader is tiered (docs/recent-telemetry.md, and
 * lake-store.ts): ingest, alert evaluation and the latest values never wait
 * on Athena or on Firehose's buffer.
 */
import { systemClock } from '../adapters/system-clock.ts';
import type { BatchAlertDeps, ScheduledAlertDeps } from '../app/alert-engine-base.ts';
import {
  alertOutbox,
  dayArrivals,
  daySettlement,
  kpiRollupReader,
  openAlertStore,
  plantReader,
  relayLeaseStore,
} from './aws-stores.ts';
import { lakeReader, plainLakeReader } from './lake-store.ts';
import {
  type MetricsReads,
  type MetricsStoreKind,
  type MetricsStoreOptions,
  metricsStoreKind,
  type Source,
} from './metrics-reads.ts';
import { timestreamReader } from './timestream-store.ts';

export type { MetricsReads, MetricsStoreOptions } from './metrics-reads.ts';
export { metricsStoreKind } from './metrics-reads.ts';

/** @see metrics-reads.ts */
declare const __WTE_METRICS_STORE__: MetricsStoreKind;

/**
 * The alert step's reads: strongly consistent (it judges what the processor
 * has just stored) and without the KPI rollup, which it never reads, so its
 * bundle holds none of the rollup's code.
 */
export function alertStepReader(source: Source, options: MetricsStoreOptions = {}): MetricsReads {
  const kind = metricsStoreKind(source);
  return (typeof __WTE_METRICS_STORE__ === 'undefined' ? kind : __WTE_METRICS_STORE__) === 'lake'
    ? plainLakeReader(source, { ...options, consistentRead: true })
    : timestreamReader(source, options);
}

/** The readers' view of the chosen store, with the KPI rollup when the function is bound to it. */
export function metricsReader(source: Source, options: MetricsStoreOptions = {}): MetricsReads {
  const rollup = options.rollup ?? kpiRollupReader(source);
  const withRollup = { ...options, ...(rollup === undefined ? {} : { rollup }) };
  const kind = metricsStoreKind(source);
  return (typeof __WTE_METRICS_STORE__ === 'undefined' ? kind : __WTE_METRICS_STORE__) === 'lake'
    ? lakeReader(source, withRollup)
    : timestreamReader(source, withRollup);
}

/**
 * The alert step's stores over `metrics` (the reads it built, strongly
 * consistent): the alert lifecycle with the outbox, the days' arrivals, the
 * plant reader, and the relay lease. The step builds `BatchAlertEngine` from
 * `deps`; each step's stores hold only the methods it calls (docs/bundles.md).
 */
export function batchAlertStores(source: Source, metrics: BatchAlertDeps['metrics']) {
  const alerts = alertOutbox(source);
  const deps: BatchAlertDeps = {
    metrics,
    alerts,
    plants: plantReader(source),
    days: dayArrivals(source),
    clock: systemClock,
  };
  return { alerts, relayLease: relayLeaseStore(source), deps };
}

/**
 * The scheduled run's stores over `metrics` (metricsReader's): the alert
 * lifecycle with the outbox and the plants' open alerts (reminders), the days'
 * settlement, the plant reader, and the relay lease, for
 * `ScheduledAlertEngine`.
 */
export function scheduledAlertStores(source: Source, metrics: ScheduledAlertDeps['metrics']) {
  const alerts = openAlertStore(source);
  const deps: ScheduledAlertDeps = {
    metrics,
    alerts,
    plants: plantReader(source),
    days: daySettlement(source),
  };
  return { alerts, relayLease: relayLeaseStore(source), deps };
}
