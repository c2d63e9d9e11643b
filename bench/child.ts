/**
 * Entry point of the benchmark child processes (bundled by processes.ts):
 * `node bench-child.mjs <suite> <params JSON>` prints the suite's result as
 * one JSON line.
 */
import { runMemoryBench } from './memory-bench.ts';
import { runMetering } from './metering.ts';
import { runProcessorBench } from './processor-bench.ts';

const suites: Record<string, (params: never) => Promise<unknown>> = {
  processor: runProcessorBench,
  memory: runMemoryBench,
  metering: runMetering,
};

const [suite = '', params = '{}'] = process.argv.slice(2);
const run = suites[suite];
if (!run) {
  process.stderr.write(`unknown bench suite ${JSON.stringify(suite)}\n`);
  process.exit(2);
}
const result = await run(JSON.parse(params) as never);
process.stdout.write(`${JSON.stringify(result)}\n`);
