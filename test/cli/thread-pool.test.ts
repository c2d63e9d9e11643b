/**
 * `bin/wte.cjs` sizes libuv's thread pool before Node starts it: local mode's
 * DuckDB connections, LevelDB and file I/O share that pool, and an ES module
 * entry would have started it at 4 threads before its first line ran. The
 * test runs the real entry's lines with a probe in place of the CLI: six
 * opens of FIFOs nobody writes hold six pool threads, and a seventh call
 * completes only when the pool is larger.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ENTRY = join(import.meta.dirname, '..', '..', 'bin', 'wte.cjs');

describe.skipIf(process.platform === 'win32')('the wte entry point', () => {
  it('starts libuv with more than six threads unless told otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wte-pool-'));
    const entry = readFileSync(ENTRY, 'utf8');
    expect(entry).toContain("import('./wte.mjs')");
    writeFileSync(join(dir, 'entry.cjs'), entry.replace("import('./wte.mjs')", "import('./probe.mjs')"));
    const fifos = Array.from({ length: 6 }, (_, i) => join(dir, `fifo-${i}`));
    for (const fifo of fifos) expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    writeFileSync(
      join(dir, 'probe.mjs'),
      `import fs from 'node:fs';
for (const fifo of ${JSON.stringify(fifos)}) fs.open(fifo, 'r', () => {});
const timer = setTimeout(() => { process.stdout.write('held'); process.exit(0); }, 2000);
fs.stat(${JSON.stringify(ENTRY)}, () => { clearTimeout(timer); process.stdout.write('free'); process.exit(0); });
`,
    );
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    const run = spawnSync(process.execPath, [join(dir, 'entry.cjs')], {
      env,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.stdout).toBe('free');
  });
});
