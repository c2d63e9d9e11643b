#!/usr/bin/env node
// Entry point of the `wte` command: runs the TypeScript CLI through tsx, so
// `npx wte` works straight after `npm ci` with no build step.

// Local mode's DuckDB connections (seven), LevelDB and file I/O share libuv's thread pool, 4 threads by
// default: set before anything starts the pool, which reads it once (docs/performance.md, "Local mode").
process.env.UV_THREADPOOL_SIZE ??= '16';
const { register } = await import('tsx/esm/api');

// A closed pipe (`wte catalog | head`) ends the command quietly.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { main } = await import('./wte.ts');
process.exitCode = await main(process.argv.slice(2));
