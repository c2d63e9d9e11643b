/**
 * Memory of a child Node process, from outside: the resident set size from
 * /proc (Linux), and the V8 heap still live after a garbage collection, from
 * memory-probe.mjs loaded into the child through NODE_OPTIONS.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { rssBytes } from './local-mode.ts';

export interface MemoryProbe {
  /** Environment for the child: NODE_OPTIONS and the probe's file. */
  readonly env: Readonly<Record<string, string>>;
  readonly file: string;
}

export function memoryProbe(): MemoryProbe {
  const file = join(mkdtempSync(join(tmpdir(), 'wte-probe-')), 'memory.json');
  const probe = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));
  return {
    file,
    env: {
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${probe}`].filter(Boolean).join(' '),
      WTE_MEMORY_PROBE_FILE: file,
    },
  };
}

/** Has the child collect garbage and returns its heap in use afterwards, in bytes. */
export async function liveHeapBytes(pid: number, probe: MemoryProbe, timeoutMs = 5_000): Promise<number> {
  rmSync(probe.file, { force: true });
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(probe.file)) {
      return (JSON.parse(readFileSync(probe.file, 'utf8')) as { heapUsed: number }).heapUsed;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`process ${pid} did not answer the memory probe within ${timeoutMs} ms`);
}

/** Least-squares slope of `values` over `times` (units per time unit). */
export function slope(times: readonly number[], values: readonly number[]): number {
  const n = Math.min(times.length, values.length);
  if (n < 2) return 0;
  const mt = times.slice(0, n).reduce((a, b) => a + b, 0) / n;
  const mv = values.slice(0, n).reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((times[i] as number) - mt) * ((values[i] as number) - mv);
    den += ((times[i] as number) - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.floor(sorted.length / 2)] as number);
}
