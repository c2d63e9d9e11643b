/**
 * What a Lambda bundle holds, built as lib/constructs/wte-function.ts builds
 * it (bench/bundles.ts): no bench, simulator or local-mode code; for a
 * function bound to the metrics store, only the chosen store's adapters and
 * SDK clients; and only the alert step, schemas and stores the function runs
 * (docs/bundles.md).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, foreignModules, lambdaEntries } from '../../bench/bundles.ts';
import { REPO_ROOT } from '../../bench/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'wte-bundle-contents-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entryFile = (name: string) => join(REPO_ROOT, 'lambdas', 'entry', `${name}.ts`);
const inputs = (built: Awaited<ReturnType<typeof bundle>>) =>
  Object.values(built.metafile.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
  );
const holds = (built: Awaited<ReturnType<typeof bundle>>, pattern: RegExp) =>
  inputs(built).some((input) => pattern.test(input));
const code = (built: Awaited<ReturnType<typeof bundle>>) => readFileSync(built.file, 'utf8');
const bytesIn = (built: Awaited<ReturnType<typeof bundle>>, module: string) =>
  Object.values(built.metafile.outputs).reduce((sum, o) => sum + (o.inputs[module]?.bytesInOutput ?? 0), 0);

/** Each bundle built once for the checks below that share it. */
const cache = new Map<string, ReturnType<typeof bundle>>();
const built = (name: string, store?: 'timestream' | 'lake') => {
  const key = `${name}-${store ?? 'any'}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = bundle(entryFile(name), join(dir, `shared-${key}`), store);
    cache.set(key, pending);
  }
  return pending;
};

/** Message texts only the scheduled rules write (trailing-history and sensor rules). */
const SCHEDULED_RULE_TEXTS = ['warming up', 'No GOOD data from', 'is rising again'];
/** The operation name of the recent store's writes (dynamo-recent-telemetry-store.ts). */
const RECENT_WRITE_OPERATION = 'write recent telemetry';
/** A message of the wire schemas only (telemetry-schemas.ts). */
const WIRE_SCHEMA_TEXT = 'must be 1 to 128 characters of [A-Za-z0-9._:/-]';

describe('Lambda bundles', () => {
  it('hold no bench, simulator or local-mode module, for either metrics store', async () => {
    const entries = await lambdaEntries();
    expect(entries).toContain('processor');
    for (const name of entries)
      for (const store of [undefined, 'timestream', 'lake'] as const) {
        const built = await bundle(entryFile(name), join(dir, `${name}-${store}`), store);
        expect(foreignModules(built.metafile), `${name} (${store ?? 'both stores'})`).toEqual([]);
      }
  }, 240_000);

  it('names the local-mode, simulator and bench modules a bundle would hold', async () => {
    const source = [
      "export { localAuthorizer } from './lambdas/local/local-auth.ts';",
      "export { mixSeed } from './lambdas/sim/random.ts';",
      "export { median } from './bench/stats.ts';",
    ].join('\n');
    const built = await bundle({ source }, join(dir, 'foreign'));
    expect(foreignModules(built.metafile)).toEqual(
      expect.arrayContaining(['lambdas/local/local-auth.ts', 'lambdas/sim/random.ts', 'bench/stats.ts']),
    );
  });

  it('holds Powertools Tracer and the X-Ray SDK only when the stack asks for the Tracer', async () => {
    const tracerModules =
      /(lambdas\/entry\/tracing\.ts|@aws-lambda-powertools\/tracer\/|aws-xray-sdk-core\/)/;
    const plain = await built('ingest');
    const traced = await bundle(entryFile('ingest'), join(dir, 'ingest-traced'), undefined, true);
    expect(holds(plain, tracerModules)).toBe(false);
    for (const module of ['lambdas/entry/tracing.ts', '@aws-lambda-powertools/tracer/', 'aws-xray-sdk-core/'])
      expect(
        inputs(traced).some((input) => input.includes(module)),
        module,
      ).toBe(true);
  });

  it("holds only the chosen store's adapters and SDK clients when built for one", async () => {
    const timestream = await bundle(entryFile('processor'), join(dir, 'p-timestream'), 'timestream');
    const lake = await bundle(entryFile('processor'), join(dir, 'p-lake'), 'lake');
    // The stores share a few SQL and row helpers, so each bundle is judged by the SDK clients it holds.
    const lakeClients = /node_modules\/@aws-sdk\/client-(athena|firehose)\//;
    const timestreamClients = /node_modules\/@aws-sdk\/client-timestream-/;
    expect(holds(timestream, timestreamClients)).toBe(true);
    expect(holds(timestream, lakeClients)).toBe(false);
    expect(holds(lake, lakeClients)).toBe(true);
    expect(holds(lake, timestreamClients)).toBe(false);
  }, 60_000);

  it("holds none of the other store's SQL, record codes or lake checks (its modules' top level is built lazily)", async () => {
    // A module counts as held past a few bytes of residue (a regular expression, an arrow function).
    const bytesOf = (b: Awaited<ReturnType<typeof bundle>>, module: string) =>
      Object.values(b.metafile.outputs).reduce((sum, o) => sum + (o.inputs[module]?.bytesInOutput ?? 0), 0);
    const timestreamOnly = [
      'lambdas/adapters/timestream-query/sql.ts',
      'lambdas/adapters/timestream-query/result-rows.ts',
      'lambdas/adapters/timestream/record-codes.ts',
      'lambdas/adapters/timestream/reading-records-fast.ts',
    ];
    const lakeChecks = ['lambdas/domain/stored-item-checks.ts', 'lambdas/adapters/lake/lake-rows.ts'];
    for (const name of ['scheduler', 'query-api', 'kpi-widget', 'processor']) {
      const lake = await built(name, 'lake');
      for (const module of timestreamOnly)
        expect(bytesOf(lake, module), `${name} (lake): ${module}`).toBeLessThan(100);
    }
    for (const name of ['scheduler', 'query-api', 'kpi-widget']) {
      const timestream = await built(name, 'timestream');
      for (const module of lakeChecks)
        expect(bytesOf(timestream, module), `${name} (timestream): ${module}`).toBeLessThan(100);
    }
  }, 120_000);

  it('read-only functions on the lake hold neither the Firehose writer and client nor the lake write path', async () => {
    const writePath =
      /^lambdas\/adapters\/(lake\/(firehose-metrics-writer|lake-metrics-writer|lake-metrics-store)|write-rules)\.ts$/;
    for (const name of ['scheduler', 'alert-step', 'query-api', 'kpi-widget', 'kpi-rollup']) {
      const built = await bundle(entryFile(name), join(dir, `ro-${name}`), 'lake');
      expect(holds(built, /node_modules\/@aws-sdk\/client-firehose\//), name).toBe(false);
      expect(
        inputs(built).filter((input) => writePath.test(input)),
        name,
      ).toEqual([]);
      // The recent store's reads only: its BatchWriteItem path is the processor's.
      expect(code(built), name).not.toContain(RECENT_WRITE_OPERATION);
    }
    // The processor writes: it keeps both, and reads nothing through the tiered reader or Athena.
    const processor = await bundle(entryFile('processor'), join(dir, 'rw-processor'), 'lake');
    expect(holds(processor, /node_modules\/@aws-sdk\/client-firehose\//)).toBe(true);
    expect(holds(processor, writePath)).toBe(true);
    expect(code(processor)).toContain(RECENT_WRITE_OPERATION);
    expect(holds(processor, /node_modules\/@aws-sdk\/client-athena\//)).toBe(false);
    // Past a few bytes of residue (a regular expression a module defines at its top level).
    for (const reader of ['tiered-metrics-reader', 'lake-metrics-reader', 'lake-metrics-store'])
      expect(bytesIn(processor, `lambdas/adapters/lake/${reader}.ts`), reader).toBeLessThan(100);
  }, 120_000);

  it('the alert step holds the batch rules and none of the scheduled rules; the scheduler not the batch step; the processor no rule', async () => {
    const anyEngine =
      /^lambdas\/app\/(batch-alert-engine|scheduled-alert-engine|alert-engine|alert-engine-base)\.ts$/;
    for (const store of ['timestream', 'lake'] as const) {
      const step = await built('alert-step', store);
      for (const text of SCHEDULED_RULE_TEXTS)
        expect(code(step), `alert-step (${store}): ${text}`).not.toContain(text);
      expect(holds(step, /^lambdas\/app\/batch-alert-engine\.ts$/)).toBe(true);
      // It reads no KPIs: it builds no KPI rollup reader.
      expect(
        holds(step, /^lambdas\/adapters\/dynamo\/dynamo-kpi-rollup-store\.ts$/),
        `alert-step (${store})`,
      ).toBe(false);
      expect(
        holds(step, /^lambdas\/app\/(scheduled-alert-engine|sensor-evaluations|alert-engine)\.ts$/),
      ).toBe(false);
      const scheduler = await built('scheduler', store);
      for (const text of SCHEDULED_RULE_TEXTS)
        expect(code(scheduler), `scheduler (${store}): ${text}`).toContain(text);
      expect(holds(scheduler, /^lambdas\/app\/(batch-alert-engine|alert-engine)\.ts$/)).toBe(false);
      // The processor queues what it touched: no rule, no alert store, no SNS, no metrics reads.
      const processor = await built('processor', store);
      expect(holds(processor, anyEngine), `processor (${store})`).toBe(false);
      expect(holds(processor, /^lambdas\/adapters\/dynamo\/dynamo-alert-store\.ts$/)).toBe(false);
      expect(holds(processor, /node_modules\/@aws-sdk\/client-(sns|timestream-query)\//)).toBe(false);
      expect(holds(processor, /^lambdas\/adapters\/sqs-alert-step-queue\.ts$/)).toBe(true);
    }
  }, 120_000);

  it('only the functions that parse telemetry build its wire schemas', async () => {
    for (const name of ['ingest', 'processor'])
      expect(code(await built(name)), name).toContain(WIRE_SCHEMA_TEXT);
    for (const name of [
      'scheduler',
      'query-api',
      'kpi-widget',
      'kpi-rollup',
      'alerts-api',
      'alerts-ack',
      'plants-api',
      'authorizer',
    ]) {
      expect(code(await built(name)), name).not.toContain(WIRE_SCHEMA_TEXT);
    }
  }, 120_000);

  it('a function holds only the state-table stores it uses', async () => {
    // A store module's top-level key constant may stay (esbuild cannot prove the call pure): a store
    // counts as held when more than that of it is in the bundle.
    const storeBytes = (b: Awaited<ReturnType<typeof bundle>>, name: string) =>
      Object.values(b.metafile.outputs).reduce(
        (sum, o) => sum + (o.inputs[`lambdas/adapters/dynamo/dynamo-${name}.ts`]?.bytesInOutput ?? 0),
        0,
      );
    const holdsStore = (b: Awaited<ReturnType<typeof bundle>>, name: string) => storeBytes(b, name) > 200;
    // Functions that only read plants build the plant reader, not the whole state store.
    for (const name of ['query-api', 'kpi-widget', 'scheduler']) {
      const b = await built(name);
      expect(holdsStore(b, 'plant-reader'), name).toBe(true);
      expect(holdsStore(b, 'state-store'), `${name}: state-store`).toBe(false);
    }
    for (const name of ['query-api', 'kpi-widget', 'plants-api']) {
      const b = await built(name);
      for (const other of ['alert-store', 'day-progress-store', 'relay-lease'])
        expect(holdsStore(b, other), `${name}: ${other}`).toBe(false);
    }
    expect(holdsStore(await built('plants-api'), 'state-store')).toBe(true);
    // The processor builds the pipeline's writes only: no tokens, no quarantine listing.
    const processor = await built('processor');
    expect(holdsStore(processor, 'pipeline-state')).toBe(true);
    expect(holdsStore(processor, 'state-store'), 'processor: state-store').toBe(false);
    const alertsApi = await built('alerts-api');
    expect(holdsStore(alertsApi, 'alert-store')).toBe(true);
    for (const other of ['state-store', 'day-progress-store', 'relay-lease'])
      expect(holdsStore(alertsApi, other), `alerts-api: ${other}`).toBe(false);
  }, 120_000);

  it('a function holds only the KPI rollup roles it uses: the processor marks, readers read, the job all', async () => {
    // The rollup store's DynamoDB operation names, one per role.
    const roles = { mark: 'mark KPI slot', read: 'read KPI slots', roll: 'list pending KPI slots' };
    const rolesOf = async (name: string) => {
      const text = code(await built(name));
      return Object.entries(roles)
        .filter(([, operation]) => text.includes(operation))
        .map(([role]) => role);
    };
    expect(await rolesOf('processor')).toEqual(['mark']);
    for (const name of ['scheduler', 'query-api', 'kpi-widget'])
      expect(await rolesOf(name), name).toEqual(['read']);
    expect(await rolesOf('kpi-rollup')).toEqual(['mark', 'read', 'roll']);
  }, 120_000);

  it('a stored item schema is bundled only where such an item is decoded', async () => {
    // The quarantine entry's schema (stored-items.ts): only the state store lists quarantine; the
    // processor writes entries and never reads one back.
    const QUARANTINE_SCHEMA_TEXT = 'unknown problem type';
    expect(code(await built('plants-api'))).toContain(QUARANTINE_SCHEMA_TEXT);
    for (const name of ['processor', 'scheduler', 'query-api', 'kpi-widget', 'alerts-api', 'alerts-ack'])
      expect(code(await built(name)), name).not.toContain(QUARANTINE_SCHEMA_TEXT);
  }, 120_000);
});
