/**
 * Child processes for the benchmarks: timed code runs in a fresh node process
 * (its own heap, its own peak RSS), from an esbuild bundle like the Lambda's
 * rather than through the tsx loader.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs a command to completion; never rejects on a non-zero exit (the caller reads `code`). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ? { ...options.env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A scratch directory removed by `dispose`. */
export interface Scratch {
  readonly dir: string;
  dispose(): Promise<void>;
}

export async function scratchDir(prefix = 'wte-bench-'): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** `taskset -c 0` when the machine has it, so "one core" is literal; otherwise nothing. */
let pinCache: readonly string[] | undefined;
export async function pinToOneCore(): Promise<readonly string[]> {
  if (pinCache) return pinCache;
  try {
    const probe = await run('taskset', ['-c', '0', 'true']);
    pinCache = probe.code === 0 ? ['taskset', '-c', '0'] : [];
  } catch {
    pinCache = [];
  }
  return pinCache;
}

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));

/**
 * Bundles bench/child.ts once per run (minified ESM, like the Lambda bundles)
 * and returns a runner for its suites: `suite` gets `params` and answers with
 * one JSON line on stdout.
 */
export async function childRunner(scratch: Scratch) {
  const outfile = join(scratch.dir, 'bench-child.mjs');
  await build({
    entryPoints: [CHILD_ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    minify: true,
    outfile,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
    },
  });
  return async <T>(
    suite: string,
    params: unknown,
    options: { readonly nodeFlags?: readonly string[]; readonly oneCore?: boolean } = {},
  ): Promise<T> => {
    const pin = options.oneCore ? await pinToOneCore() : [];
    const argv = [...(options.nodeFlags ?? []), outfile, suite, JSON.stringify(params)];
    const [command, ...prefix] = pin.length > 0 ? [...pin, process.execPath] : [process.execPath];
    const result = await run(command as string, [...prefix, ...argv], { timeoutMs: 15 * 60_000 });
    const last = result.stdout.trim().split('\n').pop() ?? '';
    if (result.code !== 0 || !last.startsWith('{')) {
      throw new Error(
        `bench child ${suite} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    return JSON.parse(last) as T;
  };
}

export type ChildRunner = Awaited<ReturnType<typeof childRunner>>;
