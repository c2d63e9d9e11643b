/**
 * What the composition modules of the metrics store share: the readers'
 * view, their options and the store the environment chose. Kept apart from
 * the stores' adapters so that importing it adds no adapter to a bundle.
 */
import * as z from 'zod/mini';
import type { CallOptions } from '../domain/deadline.ts';
import type { KpiRollupReader } from '../domain/kpi-rollup.ts';
import type { MetricsStore } from '../domain/metrics-ports.ts';
import type { StoredReading } from '../domain/ports.ts';
import { EnvironmentError, readEnv } from './env.ts';

export type Source = Record<string, string | undefined>;
export type MetricsStoreKind = 'timestream' | 'lake';

/**
 * The store a Lambda bundle holds: lib/constructs/wte-function.ts defines it
 * at bundling, so the other store's adapters and SDK clients stay out of the
 * bundle. Undeclared when run from source (tests, local mode): then
 * `METRICS_STORE` alone decides. Read only as `typeof` + compare, which
 * esbuild folds to a constant (each chooser repeats the expression: esbuild
 * folds it inline, not through a function call).
 */
declare const __WTE_METRICS_STORE__: MetricsStoreKind;

/** What every reader of the metrics store is given (query API, alert engine, widget, rollup). */
export type MetricsReads = Pick<
  MetricsStore,
  'readReadings' | 'readLastBefore' | 'readMovements' | 'readKpiCounterSlots' | 'readGoodHours'
> & {
  /** Every reading of the KPI counters in [from, to), latest version of each: the rollup's raw side. */
  readCounterReadings(
    plantId: string,
    from: number,
    to: number,
    options?: CallOptions,
  ): Promise<StoredReading[]>;
};

export type MetricsWrites = Pick<MetricsStore, 'writeReadings' | 'writeMovements'>;

/** How a store is built, once per cold start: the invocation's deadline comes with each call instead. */
export interface MetricsStoreOptions {
  /** The KPI rollup, for readers that answer KPIs from it. */
  readonly rollup?: KpiRollupReader;
  /** How long one Athena query may take (the query API answers within API Gateway's 29 s). */
  readonly athenaMaxWaitMs?: number;
  /**
   * Reads see every write that finished before them (the lake's recent
   * store read strongly consistent): the alert step judges the batch the
   * processor has just stored. Timestream needs nothing. @default false
   */
  readonly consistentRead?: boolean;
}

export const DAY_MS = 86_400_000;
/** readLastBefore's look back on every store (the Timestream reader's default). */
export const LOOKBACK_MS = 7 * DAY_MS;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `METRICS_STORE`, checked against the store the bundle holds (a mismatch fails the cold start). */
export function metricsStoreKind(source: Source): MetricsStoreKind {
  const kind = readEnv(
    { METRICS_STORE: z._default(z.enum(['timestream', 'lake']), 'timestream') },
    source,
  ).METRICS_STORE;
  if (typeof __WTE_METRICS_STORE__ !== 'undefined' && kind !== __WTE_METRICS_STORE__)
    throw new EnvironmentError(
      `invalid Lambda environment: METRICS_STORE is ${kind}, but this bundle holds the ${__WTE_METRICS_STORE__} store only`,
    );
  return kind;
}
