/**
 * Every deployed function that reads or writes metrics is bundled for the
 * store the stack chose (lambdas/entry/metrics-stores.ts folds the choice at
 * bundling, so the other store's adapters and SDK clients stay out), and no
 * other function is built for a store. Infrastructure tests do not bundle, so
 * this reads what each WteFunction was built for, beside its template
 * environment and the imports of its entry module.
 */
import { readFileSync } from 'node:fs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricsStoreKind } from '../../lib/config-store.ts';
import { metricsStoreOf, WteFunction } from '../../lib/constructs/wte-function.ts';
import { buildTestApp, type TestApp } from './support.ts';

interface Built {
  readonly path: string;
  readonly entry: string;
  /** The store its bundle was built for. */
  readonly bundled: MetricsStoreKind | undefined;
  /** The store its environment binds. */
  readonly bound: MetricsStoreKind | undefined;
}

function functionsOf(app: TestApp): Built[] {
  const stack = app.stacks.stateless;
  return stack.node
    .findAll()
    .filter((c): c is WteFunction => c instanceof WteFunction)
    .map((fn) => {
      const cfn = fn.function.node.defaultChild as lambda.CfnFunction;
      const env = stack.resolve(cfn.environment) as { variables?: Record<string, string> } | undefined;
      return {
        path: fn.node.path,
        entry: fn.entry,
        bundled: fn.metricsStore,
        bound: metricsStoreOf({ environment: env?.variables ?? {}, statements: [] }),
      };
    });
}

/** Whether the entry module builds the metrics store's readers or writers (the modules that import its SDK clients). */
const entryUsesMetrics = (entry: string): boolean =>
  /from '\.\/metrics-(stores|writers)\.ts'/.test(
    readFileSync(new URL(`../../lambdas/entry/${entry}.ts`, import.meta.url), 'utf8'),
  );

/** Every function bound to the metrics store: its readers and its one writer, the processor. */
const METRICS_USERS = [
  'Handlers/Kpis',
  'Handlers/Report',
  'Handlers/Series',
  'KpiRollup/Function',
  'PlantKpis/Function',
  'Processing/AlertStep/Function',
  'Processing/Processor',
  'Processing/Scheduler',
];

let apps: Record<MetricsStoreKind, TestApp>;
beforeAll(() => {
  apps = { timestream: buildTestApp(), lake: buildTestApp({ metricsStore: 'lake' }) };
});

describe.each(['timestream', 'lake'] as const)('functions bundled for %s', (store) => {
  it('builds every function bound to the metrics store for that store alone', () => {
    const built = functionsOf(apps[store]);
    const forStore = built.filter((f) => f.bundled !== undefined);
    expect(forStore.map((f) => f.path.replace(/^[^/]+\//, '')).sort()).toEqual(METRICS_USERS);
    for (const f of forStore) expect(f, f.path).toMatchObject({ bundled: store, bound: store });
  });

  it('builds for no store the functions that never touch metrics, and binds them to none', () => {
    const others = functionsOf(apps[store]).filter((f) => f.bundled === undefined);
    expect(others.length).toBeGreaterThan(0);
    for (const f of others) expect(f, f.path).toMatchObject({ bound: undefined });
  });

  it('builds for the store exactly the functions whose entry module builds it', () => {
    for (const f of functionsOf(apps[store]))
      expect(f.bundled !== undefined, `${f.path} (${f.entry})`).toBe(entryUsesMetrics(f.entry));
  });
});
