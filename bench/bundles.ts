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
 * - The SDK clients of a bundle are the `@aws-sdk/client-*` packages in its
 *   esbuild metafile; the baseline is built with the same options.
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

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  readonly sdkClients: readonly string[];
  readonly baselineBytes: number;
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
  const dir = join(REPO_ROOT, 'lambdas', 'entry');
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.ts')) continue;
    for (const match of (await readFile(join(dir, file), 'utf8')).matchAll(
      /\b([A-Z][A-Z0-9_]{2,}):\s*z\./g,
    )) {
      const name = match[1] as string;
      env[name] = name.endsWith('_ARN')
        ? 'arn:aws:sns:eu-central-1:123456789012:wte-bench'
        : /_(URL|ENDPOINT)$/.test(name)
          ? 'https://example.amazonaws.com/123456789012/wte-bench'
          : /_(SINCE|HOURS|SECONDS|MINUTES|DAYS|MS|COUNT|SIZE)$/.test(name)
            ? '24'
            : `wte-${name.toLowerCase().replaceAll('_', '-')}`;
    }
  }
  // A choice, not a name: the default store (the lake's functions are the same bundles).
  env.METRICS_STORE = 'timestream';
  return env;
}

function sdkClientsOf(metafile: Metafile): string[] {
  const clients = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match) clients.add(`@aws-sdk/${match[1]}`);
  }
  return [...clients].sort();
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

interface Built {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sourceMapBytes: number;
  readonly metafile: Metafile;
}

/** Bundles an entry file, or source text resolved from the repository root. */
async function bundle(entry: string | { readonly source: string }, outDir: string): Promise<Built> {
  const file = join(outDir, 'index.mjs');
  const result = await build({
    ...CDK_BUNDLING,
    mainFields: [...CDK_BUNDLING.mainFields],
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : {
          stdin: { contents: entry.source, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'baseline.ts' },
        }),
    outfile: file,
    absWorkingDir: REPO_ROOT,
    metafile: true,
  });
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

export async function runBundleBench(
  scratch: Scratch,
  options: { readonly runs: number; readonly only?: readonly string[] },
): Promise<BundleFigures[]> {
  const env = await lambdaEnvironment();
  const entries = (await lambdaEntries()).filter((e) => !options.only || options.only.includes(e));
  const built = new Map<string, Built>();
  const baselines = new Map<string, Built>();
  for (const name of entries) {
    const out = join(scratch.dir, 'bundles', name);
    const b = await bundle(join(REPO_ROOT, 'lambdas', 'entry', `${name}.ts`), out);
    built.set(name, b);
    const clients = sdkClientsOf(b.metafile);
    const key = clients.join('+') || 'none';
    if (!baselines.has(key)) {
      const classes = await Promise.all(clients.map(clientClassOf));
      const source = [
        '// Baseline: the same AWS SDK clients, imported and constructed once, nothing else.',
        ...clients.map((pkg, i) => `import { ${classes[i]} } from '${pkg}';`),
        `export const clients = [${classes.map((c) => `new ${c}({})`).join(', ')}];`,
        'export const handler = async () => clients.length;',
      ].join('\n');
      const dir = join(scratch.dir, 'baselines', String(baselines.size));
      baselines.set(key, await bundle({ source }, dir));
    }
  }

  // Each bundle is timed next to its baseline, so both see the same machine; the ratio is per pair.
  const initRuns = new Map<string, number[]>(entries.map((e) => [e, []]));
  const baselineRuns = new Map<string, number[]>(entries.map((e) => [e, []]));
  for (let i = 0; i < options.runs; i++) {
    for (const name of entries) {
      const b = built.get(name) as Built;
      const base = baselines.get(sdkClientsOf(b.metafile).join('+') || 'none') as Built;
      // Alternate which goes first, so neither always meets a warmer machine.
      if (i % 2 === 0) {
        initRuns.get(name)?.push(await initOnce(b.file, env));
        baselineRuns.get(name)?.push(await initOnce(base.file, env));
      } else {
        baselineRuns.get(name)?.push(await initOnce(base.file, env));
        initRuns.get(name)?.push(await initOnce(b.file, env));
      }
    }
  }

  return entries.map((name) => {
    const b = built.get(name) as Built;
    const clients = sdkClientsOf(b.metafile);
    const key = clients.join('+') || 'none';
    const base = baselines.get(key) as Built;
    const own = initRuns.get(name) ?? [];
    const baseRuns = baselineRuns.get(name) ?? [];
    return {
      name,
      bytes: b.bytes,
      gzipBytes: b.gzipBytes,
      sourceMapBytes: b.sourceMapBytes,
      sdkClients: clients,
      baselineBytes: base.bytes,
      initMs: median(own),
      baselineInitMs: median(baseRuns),
      initVsBaseline: median(own.map((ms, i) => ms / (baseRuns[i] as number))),
      initRuns: own,
      baselineInitRuns: baseRuns,
      topPackages: topPackages(b.metafile),
    };
  });
}
