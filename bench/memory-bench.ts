/**
 * Peak RSS of the processor handling one batch of N messages, with the memory
 * and heap settings the processor is deployed with (lib/processor-memory.ts).
 * Each run is a fresh child process (child.ts) started with exactly the
 * deployed node flags plus --expose-gc (which Lambda's Node.js runtime passes
 * too); a second set of runs with node's default heap settings shows what the
 * caps change. The parent writes the queue bodies to a file, one a line, so
 * generating them does not count; the batch itself is in memory, as in a
 * Lambda invocation.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { getHeapStatistics } from 'node:v8';
import {
  PROCESSOR_MEMORY_MB,
  PROCESSOR_NODE_FLAGS,
  PROCESSOR_NODE_OPTIONS,
} from '../lib/processor-memory.ts';
import { BENCH_START, type FleetPlan, fleetQueue, HOUR_MS, sqsRecord } from './fleet-data.ts';
import type { ChildRunner } from './processes.ts';
import { benchProcessor } from './processor-setup.ts';
import { median, round, roundSpread, type Spread, spread } from './stats.ts';

export interface MemoryParams {
  readonly inputFile: string;
  /** Timestream's clock for the writer's window check. */
  readonly now: number;
}

export interface MemoryRun {
  readonly messages: number;
  readonly readings: number;
  readonly inputMB: number;
  /** RSS with the batch loaded and garbage collected, before the handler runs. */
  readonly rssBeforeMB: number;
  /** Peak RSS of the process (getrusage maxrss), after the handler. */
  readonly peakRssMB: number;
  readonly heapUsedAfterMB: number;
  readonly handlerMs: number;
  /** CPU time of the whole process (GC threads too) while the handler ran. */
  readonly handlerCpuMs: number;
  readonly writeCalls: number;
  /** The node flags the child ran with, as it saw them. */
  readonly execArgv: readonly string[];
  /** V8's heap limit in the child: the old-space cap plus the young generation. */
  readonly heapLimitMB: number;
}

const MB = 1024 * 1024;

/** Parent side: the bodies of `messages` messages of a seeded fleet, one a line. */
export async function writeMemoryInput(
  file: string,
  messages: number,
  plants: number,
): Promise<{ now: number; readings: number }> {
  const intervalMs = 10_000;
  const plan: FleetPlan = { plants, hours: Math.ceil((messages / plants) * intervalMs) / HOUR_MS + 1 };
  const bodies = fleetQueue(plan).slice(0, messages);
  if (bodies.length < messages) throw new Error(`the fleet gave only ${bodies.length} messages`);
  await writeFile(file, `${bodies.map((b) => b.body).join('\n')}\n`);
  return {
    now: BENCH_START + plan.hours * HOUR_MS,
    readings: bodies.reduce((n, b) => n + b.readings.length, 0),
  };
}

export async function runMemoryBench(params: MemoryParams): Promise<MemoryRun> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the memory bench needs node --expose-gc');
  const lines = createInterface({ input: createReadStream(params.inputFile, 'utf8'), crlfDelay: Infinity });
  const records = [];
  let inputBytes = 0;
  for await (const line of lines) {
    if (line === '') continue;
    inputBytes += Buffer.byteLength(line);
    records.push(sqsRecord(line, records.length, params.now));
  }
  const processor = benchProcessor({ now: params.now });
  gc();
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const response = await processor.handle({ Records: records });
  const cpu = process.cpuUsage(cpuStart);
  const handlerMs = performance.now() - start;
  if (response.batchItemFailures.length > 0)
    throw new Error(
      `the processor failed ${response.batchItemFailures.length} of ${records.length} messages`,
    );
  const heapUsedAfter = process.memoryUsage().heapUsed;
  const readings = records.reduce(
    (n, r) => n + ((JSON.parse(r.body) as { message: { readings: unknown[] } }).message.readings.length ?? 0),
    0,
  );
  return {
    messages: records.length,
    readings,
    inputMB: inputBytes / MB,
    rssBeforeMB: rssBefore / MB,
    // maxRSS is in kilobytes.
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
    heapUsedAfterMB: heapUsedAfter / MB,
    handlerMs,
    handlerCpuMs: (cpu.user + cpu.system) / 1000,
    writeCalls: processor.timestream.calls,
    execArgv: process.execArgv,
    heapLimitMB: getHeapStatistics().heap_size_limit / MB,
  };
}

/** The memory section of bench/results.json. */
export interface MemoryResult {
  readonly batchMessages: number;
  readonly readings: number;
  readonly inputMB: number;
  /** The processor's configured Lambda memory (lib/processor-memory.ts). */
  readonly memorySizeMB: number;
  /** The processor's NODE_OPTIONS; every measured run below had exactly these flags. */
  readonly nodeOptions: string;
  /** V8's heap limit under those flags, as the child reported it. */
  readonly heapLimitMB: number;
  /** Median over fresh processes with the deployed settings: the goal's figure. */
  readonly peakRssMB: number;
  readonly peakRssSpread: Spread;
  /** RSS with the batch loaded and collected, before the handler. */
  readonly rssBeforeMB: number;
  readonly heapUsedAfterMB: number;
  readonly handlerMs: number;
  readonly handlerMsSpread: Spread;
  /** CPU time of the handler (GC threads included): what Lambda bills, less sensitive to a busy machine. */
  readonly handlerCpuMs: number;
  /** The same batch with node's default heap settings on this machine, for comparison. */
  readonly defaultHeap: {
    readonly nodeOptions: string;
    readonly heapLimitMB: number;
    readonly peakRssMB: number;
    readonly peakRssSpread: Spread;
    readonly handlerMs: number;
    readonly handlerCpuMs: number;
  };
}

export interface MemorySizes {
  readonly messages: number;
  readonly plants: number;
  readonly repeats: number;
}

/** Without the heap flags, so only they differ from the deployed runs. */
const DEFAULT_HEAP_FLAGS = PROCESSOR_NODE_FLAGS.filter(
  (f) => !/^--max[-_](old|semi)[-_]space[-_]size=/.test(f),
);

/**
 * Parent side: the batch through `repeats` fresh children with the deployed flags and as many
 * with node's defaults, alternating. A deployed child that ran out of heap fails the suite.
 */
export async function runMemorySuite(
  child: ChildRunner,
  scratchDir: string,
  sizes: MemorySizes,
): Promise<MemoryResult> {
  const inputFile = join(scratchDir, 'memory-input.jsonl');
  const { now } = await writeMemoryInput(inputFile, sizes.messages, sizes.plants);
  const run = (flags: readonly string[]) =>
    child<MemoryRun>('memory', { inputFile, now }, { nodeFlags: ['--expose-gc', ...flags] });
  const deployed: MemoryRun[] = [];
  const defaults: MemoryRun[] = [];
  for (let i = 0; i < sizes.repeats; i++) {
    deployed.push(await run(PROCESSOR_NODE_FLAGS));
    defaults.push(await run(DEFAULT_HEAP_FLAGS));
  }
  for (const r of deployed) {
    const missing = PROCESSOR_NODE_FLAGS.filter((flag) => !r.execArgv.includes(flag));
    if (missing.length > 0) throw new Error(`the memory child ran without ${missing.join(' ')}`);
  }
  return memoryResult(deployed, defaults);
}

function memoryResult(deployed: readonly MemoryRun[], defaults: readonly MemoryRun[]): MemoryResult {
  const peak = spread(deployed.map((r) => r.peakRssMB));
  const handler = spread(deployed.map((r) => r.handlerMs));
  const defaultPeak = spread(defaults.map((r) => r.peakRssMB));
  const first = deployed[0] as MemoryRun;
  return {
    batchMessages: first.messages,
    readings: first.readings,
    inputMB: round(first.inputMB),
    memorySizeMB: PROCESSOR_MEMORY_MB,
    nodeOptions: PROCESSOR_NODE_OPTIONS,
    heapLimitMB: round(first.heapLimitMB),
    peakRssMB: round(peak.median),
    peakRssSpread: roundSpread(peak),
    rssBeforeMB: round(median(deployed.map((r) => r.rssBeforeMB))),
    heapUsedAfterMB: round(median(deployed.map((r) => r.heapUsedAfterMB))),
    handlerMs: round(handler.median),
    handlerMsSpread: roundSpread(handler),
    handlerCpuMs: round(median(deployed.map((r) => r.handlerCpuMs))),
    defaultHeap: {
      nodeOptions: DEFAULT_HEAP_FLAGS.join(' '),
      heapLimitMB: round((defaults[0] as MemoryRun).heapLimitMB),
      peakRssMB: round(defaultPeak.median),
      peakRssSpread: roundSpread(defaultPeak),
      handlerMs: round(median(defaults.map((r) => r.handlerMs))),
      handlerCpuMs: round(median(defaults.map((r) => r.handlerCpuMs))),
    },
  };
}
