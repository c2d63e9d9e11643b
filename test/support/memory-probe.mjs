/**
 * Loaded into a child Node process with NODE_OPTIONS=--import=<this file>
 * (see process-memory.ts): on SIGUSR2 it collects garbage and writes
 * process.memoryUsage() to $WTE_MEMORY_PROBE_FILE, so a test reads the heap
 * that is really live in the child without any change to the child's code.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const file = process.env.WTE_MEMORY_PROBE_FILE;
if (file) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  process.on('SIGUSR2', () => {
    gc();
    writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }));
    renameSync(`${file}.tmp`, file);
  });
}
