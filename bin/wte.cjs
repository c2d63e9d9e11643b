#!/usr/bin/env node
// Entry point of the `wte` command. CommonJS on purpose: Node reads an ES module entry on libuv's thread
// pool, which starts the pool (4 threads) before its first line runs; a CommonJS entry is read
// synchronously, so the pool size below still counts. Local mode's DuckDB connections (seven), LevelDB
// and file I/O share that pool (docs/performance.md, "Local mode").
process.env.UV_THREADPOOL_SIZE ??= '16';
import('./wte.mjs');
