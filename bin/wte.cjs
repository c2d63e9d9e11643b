#!/usr/bin/env node
// Entry point of the `wte` command. CommonJS on purpose: Node reads an ES module entry on libuv's thread
// pool, which starts the pool (4 threads) before its first line runs; a CommonJS entry is read
// synchronously, so the pool size below still counts. Local mode's DuckDB connections (seven), LevelDB
// and file I/O share that pool (docs/performance.md, "Local mode").
const MIN_NODE_MAJOR = 22;

/** The project's pinned Node (devDependency `node`), when this one is older than the runtime we support. */
function pinnedNode() {
  // WTE_PINNED_NODE: already re-run once; never again, whatever the pinned Node turns out to be.
  if (process.env.WTE_PINNED_NODE || Number(process.versions.node.split('.')[0]) >= MIN_NODE_MAJOR)
    return undefined;
  const pinned = require('node:path').join(__dirname, '..', 'node_modules', 'node', 'bin', 'node');
  return require('node:fs').existsSync(pinned) ? pinned : undefined;
}

const pinned = pinnedNode();
if (pinned) {
  // `node bin/wte.cjs` on an old system Node: run under the pinned one (npm scripts and npx find it on PATH).
  const child = require('node:child_process').spawn(pinned, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, WTE_PINNED_NODE: '1' },
  });
  // Ctrl-C reaches the whole process group already; forward only what is sent to this process alone.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => {});
  child.on('error', (error) => {
    console.error(`wte: could not start ${pinned}: ${error.message}`);
    process.exit(1);
  });
  // A child ended by a signal ends this process the same way, so callers see it was not a success.
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
} else {
  process.env.UV_THREADPOOL_SIZE ??= '16';
  import('./wte.mjs');
}
