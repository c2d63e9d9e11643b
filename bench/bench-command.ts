/**
 * `wte bench` (`npm run bench`): every benchmark of issue #8 on seeded
 * simulator data, a table on stdout, and bench/results.json. See
 * docs/performance.md for what each figure means and what limits it.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli/io.ts';
import { type BundleFigures, runBundleBench } from './bundles.ts';
import { lakeCost, storeCostComparison } from './lake-cost.ts';
import { type LocalFigures, runLocalPhase } from './local-bench.ts';
import { runTicketPhase, type TicketParams } from './local-tickets.ts';
import { runMemorySuite } from './memory-bench.ts';
import type { MeteringFigures } from './metering.ts';
import { childRunner, pinToOneCore, REPO_ROOT, scratchDir } from './processes.ts';
import type { ProcessorRuns } from './processor-bench.ts';
import { formatResults, goalsOf } from './report.ts';
import type {
  BenchResults,
  BundleResult,
  LocalPhase,
  LocalResult,
  MemoryResult,
  ProcessorResult,
  TimestreamResult,
} from './results.ts';
import { median, round, roundSpread, spread } from './stats.ts';

export const SUITES = ['processor', 'timestream', 'bundles', 'memory', 'local'] as const;
export type Suite = (typeof SUITES)[number];

export const BENCH_USAGE = `Usage: wte bench [--quick] [--only SUITES] [--out FILE] [--json]
  Runs the benchmarks on seeded simulator data, prints a table (min/median/max where repeated)
  and writes the results as JSON.
  --quick        tiny sizes: a smoke run of a minute or so (figures not comparable)
  --only SUITES  comma-separated subset of ${SUITES.join(', ')}; the other sections of an
                 existing results file are kept
  --out FILE     where the results go (default bench/results.json)
  --json         print the results JSON instead of the table
A full run takes about 5 minutes on 2 cores; run it on an otherwise idle machine.`;

/** Sizes of a run. Full: the sizes docs/performance.md reports; quick: a smoke run. */
export interface BenchSizes {
  readonly processor: { plants: number; hours: number; repeats: number; warmups: number };
  readonly timestream: { plants: number; hours: number };
  readonly bundles: { runs: number };
  readonly memory: { messages: number; plants: number; repeats: number };
  readonly local: {
    concurrency: number;
    durationMs: number;
    drainTimeoutMs: number;
    messagesPerGateway: number;
    targetReadingsPerSec: number;
  };
  readonly tickets: TicketParams;
}

export const FULL_SIZES: BenchSizes = {
  processor: { plants: 5, hours: 2, repeats: 7, warmups: 2 },
  timestream: { plants: 5, hours: 24 },
  bundles: { runs: 21 },
  memory: { messages: 10_000, plants: 5, repeats: 3 },
  local: {
    concurrency: 16,
    durationMs: 30_000,
    drainTimeoutMs: 45_000,
    messagesPerGateway: 2_000,
    targetReadingsPerSec: 5_000,
  },
  tickets: {
    concurrency: 16,
    durationMs: 20_000,
    ticketsPerMessage: 50,
    readingsPerMessage: 50,
    drainTimeoutMs: 60_000,
  },
};

export const QUICK_SIZES: BenchSizes = {
  processor: { plants: 2, hours: 0.25, repeats: 3, warmups: 1 },
  timestream: { plants: 2, hours: 1 },
  bundles: { runs: 1 },
  memory: { messages: 200, plants: 2, repeats: 1 },
  local: {
    concurrency: 4,
    durationMs: 2_000,
    drainTimeoutMs: 20_000,
    messagesPerGateway: 200,
    targetReadingsPerSec: 500,
  },
  tickets: {
    concurrency: 4,
    durationMs: 2_000,
    ticketsPerMessage: 10,
    readingsPerMessage: 10,
    drainTimeoutMs: 20_000,
  },
};

const MB = 1024 * 1024;

export async function benchCommand(io: CliIo, args: readonly string[]): Promise<number> {
  let values: { quick?: boolean; only?: string; out?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`wte bench: ${error instanceof Error ? error.message : String(error)}\n${BENCH_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(BENCH_USAGE);
    return 0;
  }
  const only = values.only?.split(',').map((s) => s.trim()) ?? [...SUITES];
  const unknown = only.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0 || only.length === 0) {
    io.err(
      `wte bench: unknown suite ${unknown.join(', ')}; choose from ${SUITES.join(', ')}\n${BENCH_USAGE}`,
    );
    return 2;
  }
  const out = resolve(values.out ?? join(REPO_ROOT, 'bench', 'results.json'));
  const results = await runBenchmarks({
    sizes: values.quick ? QUICK_SIZES : FULL_SIZES,
    mode: values.quick ? 'quick' : 'full',
    suites: only as Suite[],
    previous: values.only && existsSync(out) ? await readPrevious(out) : undefined,
    progress: (line) => io.err(line),
  });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  io.out(values.json ? JSON.stringify(results, null, 2) : formatResults(results));
  if (!values.json) io.out(`\nResults written to ${out}`);
  return Object.keys(results.errors).length > 0 ? 1 : 0;
}

async function readPrevious(file: string): Promise<Partial<BenchResults> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<BenchResults>;
  } catch {
    return undefined;
  }
}

export interface RunOptions {
  readonly sizes: BenchSizes;
  readonly mode: 'full' | 'quick';
  readonly suites: readonly Suite[];
  readonly previous?: Partial<BenchResults> | undefined;
  readonly progress?: (line: string) => void;
}

export async function runBenchmarks(options: RunOptions): Promise<BenchResults> {
  const progress = options.progress ?? (() => {});
  const { sizes } = options;
  const loadStart = loadavg()[0] ?? 0;
  const scratch = await scratchDir();
  const errors: Record<string, string> = {};
  const sections: {
    processor?: ProcessorResult;
    timestream?: TimestreamResult;
    bundles?: BundleResult[];
    memory?: MemoryResult;
    local?: LocalResult;
  } = {};
  try {
    const child = await childRunner(scratch);
    const attempt = async (suite: Suite, work: () => Promise<void>) => {
      if (!options.suites.includes(suite)) return;
      const started = performance.now();
      progress(`bench: ${suite}...`);
      try {
        await work();
        progress(`bench: ${suite} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        errors[suite] = error instanceof Error ? error.message : String(error);
        progress(`bench: ${suite} failed: ${errors[suite]}`);
      }
    };

    await attempt('processor', async () => {
      const runs = await child<ProcessorRuns>('processor', sizes.processor, { oneCore: true });
      sections.processor = processorResult(runs, (await pinToOneCore()).length > 0);
    });
    await attempt('timestream', async () => {
      sections.timestream = timestreamResult(await child<MeteringFigures>('metering', sizes.timestream));
    });
    await attempt('bundles', async () => {
      sections.bundles = (await runBundleBench(scratch, sizes.bundles)).map(bundleResult);
    });
    await attempt('memory', async () => {
      sections.memory = await runMemorySuite(child, scratch.dir, sizes.memory);
    });
    await attempt('local', async () => {
      const { targetReadingsPerSec, ...phase } = sizes.local;
      const saturated = await runLocalPhase(scratch, phase);
      const paced = await runLocalPhase(scratch, { ...phase, offeredReadingsPerSec: targetReadingsPerSec });
      const tickets = await runTicketPhase(scratch, sizes.tickets);
      sections.local = {
        readingsPerSec: round(saturated.readingsPerSec),
        p99IngestToQueryableMs: round(paced.p99IngestToQueryableMs),
        concurrency: saturated.concurrency,
        saturated: localPhase(saturated),
        paced: localPhase(paced),
        tickets: {
          ...tickets,
          ticketsPerSecCounted: round(tickets.ticketsPerSecCounted),
          countedAfterLast202Ms:
            tickets.countedAfterLast202Ms === null ? null : round(tickets.countedAfterLast202Ms),
        },
      };
    });
  } finally {
    await scratch.dispose();
  }

  const previous = options.previous ?? {};
  const merged = {
    processor: sections.processor ?? previous.processor,
    timestream: sections.timestream ?? previous.timestream,
    bundles: sections.bundles ?? previous.bundles,
    memory: sections.memory ?? previous.memory,
    local: sections.local ?? previous.local,
  };
  const cpu = cpus();
  return {
    generatedAt: new Date().toISOString(),
    mode: options.mode,
    machine: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? 'unknown',
      memoryMB: Math.round(totalmem() / MB),
      loadAverage: { start: round(loadStart, 3), end: round(loadavg()[0] ?? 0, 3) },
    },
    ...Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)),
    goals: goalsOf(merged),
    errors,
  };
}

function processorResult(runs: ProcessorRuns, pinned: boolean): ProcessorResult {
  const perSec = (ms: number) => (runs.readings / ms) * 1000;
  const ratios = runs.processorCpuMs.map((ms, i) => ms / (runs.parseCpuMs[i] as number));
  const processor = spread(runs.processorCpuMs.map(perSec));
  const parse = spread(runs.parseCpuMs.map(perSec));
  const cost = spread(ratios);
  return {
    readingsPerSec: round(processor.median),
    jsonParseReadingsPerSec: round(parse.median),
    costVsParse: round(cost.median, 3),
    readingsPerSecSpread: roundSpread(processor),
    jsonParseReadingsPerSecSpread: roundSpread(parse),
    costVsParseSpread: roundSpread(cost, 3),
    wallReadingsPerSec: round(median(runs.processorWallMs.map(perSec))),
    messages: runs.messages,
    readings: runs.readings,
    batches: runs.batches,
    repeats: runs.processorCpuMs.length,
    pinnedToOneCore: pinned,
  };
}

/** $0.50 per million 1-KiB write units (docs/reference/aws-limits.md section 1.2), a 24-hour run repeated for 30 days. */
const usdPerMonth = (kib: number, hours: number) => round(((kib * (24 / hours) * 30) / 1e6) * 0.5, 4);

function timestreamResult(f: MeteringFigures): TimestreamResult {
  const { batches: _batches, ...measured } = f;
  const lake = lakeCost(f.lake, f);
  return {
    ...measured,
    recordsPackedBilledKiB: Math.ceil(f.bytes / 1024),
    callsVsNaive: round(f.naiveCalls / f.calls),
    billedKiBVsNaive: round(f.naiveBilledKiB / f.billedKiB),
    iotRuleVsOurs: round(f.iotRuleBilledKiB / f.billedKiB),
    oursVsFloor: round(f.billedKiB / f.floorBilledKiB),
    oursVsRecordsPacked: round(f.billedKiB / Math.ceil(f.bytes / 1024)),
    lakeCost: lake,
    monthlyStoreCostUsd: storeCostComparison(lake, f.billedKiB, f.hours),
    monthlyWriteCostUsd: {
      ours: usdPerMonth(f.billedKiB, f.hours),
      naive: usdPerMonth(f.naiveBilledKiB, f.hours),
      iotRule: usdPerMonth(f.iotRuleBilledKiB, f.hours),
      floor: usdPerMonth(f.floorBilledKiB, f.hours),
    },
  };
}

function bundleResult(b: BundleFigures): BundleResult {
  return {
    name: b.name,
    bytes: b.bytes,
    overBaselineBytes: b.bytes - b.baselineBytes,
    initMs: round(b.initMs),
    baselineInitMs: round(b.baselineInitMs),
    initVsBaseline: round(b.initVsBaseline, 3),
    initSpread: roundSpread(spread(b.initRuns)),
    baselineInitSpread: roundSpread(spread(b.baselineInitRuns)),
    gzipBytes: b.gzipBytes,
    sourceMapBytes: b.sourceMapBytes,
    baselineBytes: b.baselineBytes,
    sdkClients: b.sdkClients,
    topPackages: b.topPackages,
  };
}

function localPhase(f: LocalFigures): LocalPhase {
  const { concurrency: _concurrency, probeQueries: _probeQueries, ...phase } = f;
  return {
    ...phase,
    sendingS: round(f.sendingS),
    readingsPerSec: round(f.readingsPerSec),
    queryableReadingsPerSec: round(f.queryableReadingsPerSec),
    p50IngestToQueryableMs: round(f.p50IngestToQueryableMs),
    p99IngestToQueryableMs: round(f.p99IngestToQueryableMs),
    maxIngestToQueryableMs: round(f.maxIngestToQueryableMs),
    p50PostMs: round(f.p50PostMs),
    p99PostMs: round(f.p99PostMs),
  };
}
