/**
 * Lambda bundles as CDK builds them, and their module init time against a
 * baseline that only imports (and constructs) the same AWS SDK clients.
 *
 * - The entries are the `entry: '<name>'` values of lib/ (read as text: bench
 *   code does not import the CDK app), bundled with the esbuild options of
 *   lib/constructs/wte-function.ts, i.e. CDK's NodejsFunction command line:
 *   `esbuild --bundle <entry> --target=node22 --platform=node --format=esm
 *   --minify --sourcemap --sources-content=false --main-fields=module,main
 *   --banner:js=<require shim>`, nothing external (the SDK is bundled).
 * - A function bound to the metrics store is bundled once per store, with
 *   the `define` lib/constructs/wte-function.ts sets for `metricsStore`
 *   (`processor` holds Timestream, the default; `processor (lake)` the lake).
 * - The SDK clients of a bundle are the `@aws-sdk/client-*` packages with
 *   code in its output (a client imported but tree-shaken away is not in
 *   its baseline); the baseline is built with the same options.
 * - No bench, simulator or local-mode module may be in a bundle
 *   (`foreignModules`, checked here and by test/bench/bundle-contents.test.ts).
 * - Init: `await import(bundle)` timed inside a fresh node process with the
 *   environment the function gets (every variable its entry reads, with
 *   plausible values) and NODE_OPTIONS=--enable-source-maps as the stack
 *   sets it; bundle and baseline alternate, median of the runs.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_ENV_NAMES } from '../lambdas/entry/env-names.ts';
import { REPO_ROOT, run, type Scratch } from './processes.ts';
import { median } from './stats.ts';

/** lib/constructs/wte-function.ts: the require shim of every ESM bundle. */
const REQUIRE_BANNER =
  "import { createRequire as __wteCreateRequire } from 'node:module'; const require = __wteCreateRequire(import.meta.url);";

/** lib/constructs/wte-function.ts FUNCTION_RUNTIME (nodejs24.x bundles with CDK's target for it). */
export const CDK_BUNDLING = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner: { js: REQUIRE_BANNER },
  logLevel: 'warning',
} as const;

/** What a Lambda bundle must never hold: bench, simulator and local-mode code and their engines. */
const FOREIGN_MODULES = [
  /^bench\//,
  /^lambdas\/sim\//,
  /^lambdas\/local\//,
  /node_modules\/(@duckdb\/|dynalite\/|aedes\/|mqtt\/)/,
];

export const METRICS_STORES = ['timestream', 'lake'] as const;
export type MetricsStoreKind = (typeof METRICS_STORES)[number];

export interface BundleFigures {
  /** The entry, with ` (lake)` for the lake's bundle of a function bound to the metrics store. */
  readonly name: string;
  readonly entry: string;
  /** The metrics store the bundle holds; undefined for functions not bound to one. */
  readonly metricsStore?: MetricsStoreKind;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  readonly sdkClients: readonly string[];
  readonly baselineBytes: number;
  /** bytes - baselineBytes: what our code and its dependencies add to the SDK clients. */
  readonly overBaselineBytes: number;
  /** Modules of FOREIGN_MODULES found in the bundle (none expected). */
  readonly foreignModules: readonly string[];
  /** Median import time, ms. */
  readonly initMs: number;
  readonly baselineInitMs: number;
  /** Median over the runs of (bundle init / baseline init timed right after it). */
  readonly initVsBaseline: number;
  readonly initRuns: readonly number[];
  readonly baselineInitRuns: readonly number[];
  /** Largest contributors to the bundle, by package (bytes in the output). */
  readonly topPackages: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
}

/** Function entries of the CDK app, from the source text of lib/. */
export async function lambdaEntries(): Promise<string[]> {
  const names = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.ts'))
        for (const match of (await readFile(path, 'utf8')).matchAll(/\bentry: '([a-z0-9-]+)'/g))
          names.add(match[1] as string);
    }
  };
  await walk(join(REPO_ROOT, 'lib'));
  return [...names].sort();
}

/** Every variable the entry points read through `readEnv`, with a plausible value. */
export async function lambdaEnvironment(): Promise<Record<string, string>> {
  const env: Record<string, string> = { AWS_REGION: 'eu-central-1' };
  // Every variable the CDK app may set (lambdas/entry/env-names.ts) but NODE_OPTIONS, set below.
  for (const name of LAMBDA_ENV_NAMES) {
    if (name === 'NODE_OPTIONS') continue;
    env[name] = name.endsWith('_ARN')
      ? 'arn:aws:sns:eu-central-1:123456789012:wte-bench'
      : /_(URL|ENDPOINT)$/.test(name)
        ? 'https://example.amazonaws.com/123456789012/wte-bench'
        : /_(SINCE|HOURS|SECONDS|MINUTES|DAYS|MS|COUNT|SIZE)$/.test(name)
          ? '24'
          : `wte-${name.toLowerCase().replaceAll('_', '-')}`;
  }
  // The lake's catalog is named by its prefix (lambdas/entry/metrics-stores.ts checks it).
  env.LAKE_CATALOG = 's3tablescatalog/wte-bench';
  // A choice, not a name: the default store (runBundleBench sets the lake's for its bundles).
  env.METRICS_STORE = 'timestream';
  return env;
}

/** Inputs with code in the output (metafile.inputs also lists what tree shaking removed). */
function usedInputs(metafile: Metafile): string[] {
  return Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
  );
}

function sdkClientsOf(metafile: Metafile): string[] {
  const clients = new Set<string>();
  for (const input of usedInputs(metafile)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match) clients.add(`@aws-sdk/${match[1]}`);
  }
  return [...clients].sort();
}

/** Bench, simulator or local-mode modules (and their engines) with code in a bundle. */
export function foreignModules(metafile: Metafile): string[] {
  return usedInputs(metafile).filter((input) => FOREIGN_MODULES.some((pattern) => pattern.test(input)));
}

/** Whether an entry reads or writes metrics, so it is bundled once per store. */
/** A function bound to the metrics store: it reads it (metrics-stores.ts) or writes it (metrics-writers.ts). */
function usesMetricsStore(metafile: Metafile): boolean {
  const inputs = Object.keys(metafile.inputs);
  return (
    inputs.includes('lambdas/entry/metrics-stores.ts') || inputs.includes('lambdas/entry/metrics-writers.ts')
  );
}

function topPackages(metafile: Metafile, count = 6): Array<{ name: string; bytes: number }> {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      const name = match
        ? (match[1] as string)
        : input.startsWith('lambdas/')
          ? 'lambdas/ (our code)'
          : input;
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

/** The client class a package exports (`DynamoDBClient` for `@aws-sdk/client-dynamodb`). */
async function clientClassOf(pkg: string): Promise<string> {
  const module = (await import(pkg)) as Record<string, unknown>;
  const name = Object.keys(module).find(
    (key) =>
      key.endsWith('Client') &&
      typeof module[key] === 'function' &&
      typeof (module[key] as { prototype?: { send?: unknown } }).prototype?.send === 'function',
  );
  if (!name) throw new Error(`no client class in ${pkg}`);
  return name;
}

export interface Built {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  readonly metafile: Metafile;
}

/**
 * Bundles an entry file, or source text resolved from the repository root;
 * `metricsStore` and `tracer` (Powertools Tracer, off by default; docs/tracing.md)
 * as lib/constructs/wte-function.ts defines them.
 */
export async function bundle(
  entry: string | { readonly source: string },
  outDir: string,
  metricsStore?: MetricsStoreKind,
  tracer = false,
): Promise<Built> {
  const file = join(outDir, 'index.mjs');
  const result = await build({
    ...CDK_BUNDLING,
    mainFields: [...CDK_BUNDLING.mainFields],
    define: {
      __WTE_TRACER__: JSON.stringify(tracer),
      ...(metricsStore === undefined ? {} : { __WTE_METRICS_STORE__: JSON.stringify(metricsStore) }),
    },
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : {
          stdin: { contents: entry.source, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'baseline.ts' },
        }),
    outfile: file,
    absWorkingDir: REPO_ROOT,
    metafile: true,
  });
  if (!result.metafile) throw new Error(`esbuild gave no metafile for ${file}`);
  const code = await readFile(file);
  return {
    file,
    bytes: code.byteLength,
    gzipBytes: gzipSync(code).byteLength,
    sourceMapBytes: (await stat(`${file}.map`)).size,
    metafile: result.metafile,
  };
}

/** Import time of `file` in a fresh node process, ms. */
async function initOnce(file: string, env: Record<string, string>): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const result = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env, NODE_OPTIONS: '--enable-source-maps' },
    timeoutMs: 60_000,
  });
  const ms = Number(result.stdout.trim());
  if (result.code !== 0 || !Number.isFinite(ms))
    throw new Error(`init of ${file} failed (exit ${result.code}): ${result.stderr.trim().slice(0, 500)}`);
  return ms;
}

interface Variant {
  readonly name: string;
  readonly entry: string;
  readonly metricsStore?: MetricsStoreKind;
  readonly built: Built;
  readonly env: Record<string, string>;
}

export async function runBundleBench(
  scratch: Scratch,
  options: { readonly runs: number; readonly only?: readonly string[] },
): Promise<BundleFigures[]> {
  const env = await lambdaEnvironment();
  const entries = (await lambdaEntries()).filter((e) => !options.only || options.only.includes(e));
  const variants: Variant[] = [];
  for (const entry of entries) {
    const file = join(REPO_ROOT, 'lambdas', 'entry', `${entry}.ts`);
    const plain = await bundle(file, join(scratch.dir, 'bundles', entry));
    if (!usesMetricsStore(plain.metafile)) {
      variants.push({ name: entry, entry, built: plain, env });
      continue;
    }
    for (const store of METRICS_STORES) {
      const name = store === 'timestream' ? entry : `${entry} (${store})`;
      const built = await bundle(file, join(scratch.dir, 'bundles', `${entry}-${store}`), store);
      variants.push({ name, entry, metricsStore: store, built, env: { ...env, METRICS_STORE: store } });
    }
  }

  for (const v of variants) {
    const foreign = foreignModules(v.built.metafile);
    if (foreign.length > 0)
      throw new Error(
        `the ${v.name} bundle holds bench, simulator or local-mode code: ${foreign.join(', ')}`,
      );
  }

  const baselines = new Map<string, Built>();
  const baselineOf = async (b: Built): Promise<Built> => {
    const clients = sdkClientsOf(b.metafile);
    const key = clients.join('+') || 'none';
    const known = baselines.get(key);
    if (known) return known;
    const classes = await Promise.all(clients.map(clientClassOf));
    const source = [
      '// Baseline: the same AWS SDK clients, imported and constructed once, nothing else.',
      ...clients.map((pkg, i) => `import { ${classes[i]} } from '${pkg}';`),
      `export const clients = [${classes.map((c) => `new ${c}({})`).join(', ')}];`,
      'export const handler = async () => clients.length;',
    ].join('\n');
    const base = await bundle({ source }, join(scratch.dir, 'baselines', String(baselines.size)));
    baselines.set(key, base);
    return base;
  };
  const bases = new Map<string, Built>();
  for (const v of variants) bases.set(v.name, await baselineOf(v.built));

  // Each bundle is timed next to its baseline, so both see the same machine; the ratio is per pair.
  const initRuns = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const baselineRuns = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let i = 0; i < options.runs; i++) {
    for (const v of variants) {
      const base = bases.get(v.name) as Built;
      // Alternate which goes first, so neither always meets a warmer machine.
      if (i % 2 === 0) {
        initRuns.get(v.name)?.push(await initOnce(v.built.file, v.env));
        baselineRuns.get(v.name)?.push(await initOnce(base.file, v.env));
      } else {
        baselineRuns.get(v.name)?.push(await initOnce(base.file, v.env));
        initRuns.get(v.name)?.push(await initOnce(v.built.file, v.env));
      }
    }
  }

  return variants.map((v) => {
    const b = v.built;
    const base = bases.get(v.name) as Built;
    const own = initRuns.get(v.name) ?? [];
    const baseRuns = baselineRuns.get(v.name) ?? [];
    return {
      name: v.name,
      entry: v.entry,
      ...(v.metricsStore === undefined ? {} : { metricsStore: v.metricsStore }),
      bytes: b.bytes,
      gzipBytes: b.gzipBytes,
      sourceMapBytes: b.sourceMapBytes,
      sdkClients: sdkClientsOf(b.metafile),
      baselineBytes: base.bytes,
      overBaselineBytes: b.bytes - base.bytes,
      foreignModules: foreignModules(b.metafile),
      initMs: median(own),
      baselineInitMs: median(baseRuns),
      initVsBaseline: median(own.map((ms, i) => ms / (baseRuns[i] as number))),
      initRuns: own,
      baselineInitRuns: baseRuns,
      topPackages: topPackages(b.metafile),
    };
  });
}
