/**
 * What a Lambda bundle holds, built as lib/constructs/wte-function.ts builds
 * it (bench/bundles.ts): no bench, simulator or local-mode code, and for a
 * function bound to the metrics store, only the chosen store's adapters and
 * SDK clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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

  it('read-only functions on the lake hold neither the Firehose writer and client nor the lake write path', async () => {
    const writePath =
      /^lambdas\/adapters\/(lake\/(firehose-metrics-writer|lake-metrics-store)|write-rules)\.ts$/;
    for (const name of ['scheduler', 'query-api', 'kpi-widget', 'kpi-rollup']) {
      const built = await bundle(entryFile(name), join(dir, `ro-${name}`), 'lake');
      expect(holds(built, /node_modules\/@aws-sdk\/client-firehose\//), name).toBe(false);
      expect(
        inputs(built).filter((input) => writePath.test(input)),
        name,
      ).toEqual([]);
    }
    // The processor writes: it keeps both.
    const processor = await bundle(entryFile('processor'), join(dir, 'rw-processor'), 'lake');
    expect(holds(processor, /node_modules\/@aws-sdk\/client-firehose\//)).toBe(true);
    expect(holds(processor, writePath)).toBe(true);
  }, 120_000);
});
