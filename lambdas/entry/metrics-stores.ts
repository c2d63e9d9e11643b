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
import { kpiRollupStore, stateStores } from './aws-stores.ts';
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
  const rollup = options.rollup ?? kpiRollupStore(source);
  const withRollup = { ...options, ...(rollup === undefined ? {} : { rollup }) };
  const kind = metricsStoreKind(source);
  return (typeof __WTE_METRICS_STORE__ === 'undefined' ? kind : __WTE_METRICS_STORE__) === 'lake'
    ? lakeReader(source, withRollup)
    : timestreamReader(source, withRollup);
}

/**
 * The stores of the alert engine; `metrics` when the caller built the store
 * already (the processor, which also writes it). Each entry builds only its
 * own step of the engine from `deps` (the processor `BatchAlertEngine`, the
 * scheduler `ScheduledAlertEngine`), so neither bundles the other's rules.
 */
export function alertStores(
  source: Source,
  options: MetricsStoreOptions & { readonly metrics?: MetricsReads } = {},
) {
  const { state, alerts, relayLease, days } = stateStores(source);
  const deps: AlertEngineDeps = {
    metrics: options.metrics ?? metricsReader(source, options),
    alerts,
    plants: state,
    days,
    clock: systemClock,
  };
  return { state, alerts, relayLease, deps };
}
