/**
 * The telemetry processor's memory and V8 heap settings, in one place: the CDK
 * construct deploys them (lib/constructs/telemetry-processing.ts) and the memory
 * benchmark runs its child with exactly these flags (bench/memory-bench.ts).
 * Plain constants, so the bench imports them without the CDK. The reasons and
 * the measurements are in docs/performance.md ("Memory as deployed").
 */

/**
 * Lambda memory (MB), which also sets the CPU share (1,769 MB is one vCPU). It sits
 * above the V8 heap limit plus the process's own memory, so a batch that outgrows the
 * heap fails with V8's clear out-of-memory error rather than a sandbox kill.
 */
export const PROCESSOR_MEMORY_MB = 512;

/**
 * Old-space cap (MB). Without it the runtime allows about 90 % of the memory and V8 may
 * grow the heap far past the live set before a full collection (the processor before
 * issue #19 reached 332 MB on the 10,000-message batch); with it V8 collects instead.
 * The largest live set measured, that batch, is about 60 MB.
 */
export const PROCESSOR_MAX_OLD_SPACE_MB = 160;

/**
 * Semi-space (MB); the young generation is three of them. On the 10,000-message batch
 * 8 cost about 8 % more CPU for no less RSS, and 32 added 36 MB of RSS for no gain. Set
 * explicitly because once NODE_OPTIONS names a heap flag the Lambda runtime sets
 * neither, and V8 would size it from the sandbox's memory, smaller than on the bench machine.
 */
export const PROCESSOR_MAX_SEMI_SPACE_MB = 16;

/** The heap limit V8 derives from the two caps (old space plus three semi-spaces). */
export const PROCESSOR_HEAP_LIMIT_MB = PROCESSOR_MAX_OLD_SPACE_MB + 3 * PROCESSOR_MAX_SEMI_SPACE_MB;

/** Node flags of the deployed processor, in NODE_OPTIONS order; source maps as every function has them. */
export const PROCESSOR_NODE_FLAGS: readonly string[] = [
  '--enable-source-maps',
  `--max-old-space-size=${PROCESSOR_MAX_OLD_SPACE_MB}`,
  `--max-semi-space-size=${PROCESSOR_MAX_SEMI_SPACE_MB}`,
];

/** The processor's NODE_OPTIONS environment variable. */
export const PROCESSOR_NODE_OPTIONS = PROCESSOR_NODE_FLAGS.join(' ');
