/**
 * The memory benchmark measures the processor with the settings it is deployed
 * with: its child runs with exactly the processor's node flags
 * (lib/processor-memory.ts), V8 applies them, and the results say which they
 * were. No figure is judged here (docs/performance.md has the real run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemoryResult, runMemorySuite } from '../../bench/memory-bench.ts';
import { childRunner, type Scratch, scratchDir } from '../../bench/processes.ts';
import {
  PROCESSOR_HEAP_LIMIT_MB,
  PROCESSOR_MAX_OLD_SPACE_MB,
  PROCESSOR_MEMORY_MB,
  PROCESSOR_NODE_OPTIONS,
} from '../../lib/processor-memory.ts';

let scratch: Scratch;
let result: MemoryResult;

beforeAll(async () => {
  scratch = await scratchDir('wte-memory-test-');
  const child = await childRunner(scratch);
  result = await runMemorySuite(child, scratch.dir, { messages: 40, plants: 2, repeats: 1 });
}, 120_000);
afterAll(() => scratch?.dispose());

describe('memory benchmark as deployed', () => {
  it('reports the processor memory size and NODE_OPTIONS it measured with', () => {
    expect(result.memorySizeMB).toBe(PROCESSOR_MEMORY_MB);
    expect(result.nodeOptions).toBe(PROCESSOR_NODE_OPTIONS);
    expect(result.batchMessages).toBe(40);
    expect(result.readings).toBeGreaterThan(0);
  });

  it('runs the child under the deployed heap caps, not node defaults', () => {
    expect(result.heapLimitMB).toBeGreaterThanOrEqual(PROCESSOR_MAX_OLD_SPACE_MB);
    expect(result.heapLimitMB).toBeLessThanOrEqual(PROCESSOR_HEAP_LIMIT_MB);
  });

  it('compares with a run that has source maps but none of the heap caps', () => {
    expect(result.defaultHeap.nodeOptions).toBe('--enable-source-maps');
    expect(result.defaultHeap.heapLimitMB).toBeGreaterThan(PROCESSOR_HEAP_LIMIT_MB);
    expect(result.defaultHeap.peakRssMB).toBeGreaterThan(0);
  });
});
