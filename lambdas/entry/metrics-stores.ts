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
import type { AlertEngineDeps } from '../app/alert-engine-base.ts';
import { alertStore, dayProgressStore, kpiRollupReader, plantReader, relayLeaseStore } from './aws-stores.ts';
import { lakeReader } from './lake-store.ts';
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
 * The stores of the alert engine over `metrics` (the processor passes the
 * reads of the store it writes, the scheduler `metricsReader`'s), with
 * `plants` when the caller built the whole state store (the processor, whose
 * handler writes it; the scheduler reads plants only). Each entry builds only
 * its own step of the engine from `deps` (the processor `BatchAlertEngine`,
 * the scheduler `ScheduledAlertEngine`), so neither bundles the other's rules.
 */
export function alertStores(
  source: Source,
  metrics: AlertEngineDeps['metrics'],
  plants: AlertEngineDeps['plants'] = plantReader(source),
) {
  const alerts = alertStore(source);
  const deps: AlertEngineDeps = {
    metrics,
    alerts,
    plants,
    days: dayProgressStore(source),
    clock: systemClock,
  };
  return { alerts, relayLease: relayLeaseStore(source), deps };
}
