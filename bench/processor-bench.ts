/**
 * Processor throughput (runs in a child process, see child.ts): readings per
 * second through the whole processor (decode the canonical form ingest
 * queued, version, ledger, KPI slots, Timestream record planning and the
 * write calls, with in-memory sinks), and `JSON.parse` alone over the same
 * queue bodies, alternating in the same process.
 */
import {
  BENCH_START,
  eventSourceBatches,
  fleetQueue,
  HOUR_MS,
  readingCount,
  sqsEvents,
} from './fleet-data.ts';
import { benchProcessor } from './processor-setup.ts';

export interface ProcessorParams {
  readonly plants: number;
  readonly hours: number;
  readonly repeats: number;
  readonly warmups: number;
}

export interface ProcessorRuns {
  readonly messages: number;
  readonly batches: number;
  readonly readings: number;
  readonly bodyBytes: number;
  /** Per repeat: CPU time (user + system) of the processor over every batch, ms. */
  readonly processorCpuMs: number[];
  /** Per repeat: CPU time of JSON.parse over every body, ms. */
  readonly parseCpuMs: number[];
  /** Per repeat: wall time of the processor, ms. */
  readonly processorWallMs: number[];
  /** Per repeat: wall time of JSON.parse, ms. */
  readonly parseWallMs: number[];
  readonly writeCalls: number;
}

/** Batches per slice: the processor and JSON.parse alternate slice by slice, so both see the same machine. */
const SLICE_BATCHES = 20;

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export async function runProcessorBench(params: ProcessorParams): Promise<ProcessorRuns> {
  const bodies = fleetQueue({ plants: params.plants, hours: params.hours });
  const batches = eventSourceBatches(bodies);
  const events = sqsEvents(batches);
  const readings = readingCount(bodies);
  const slices: Array<{ events: typeof events; texts: string[] }> = [];
  for (let i = 0; i < events.length; i += SLICE_BATCHES) {
    slices.push({
      events: events.slice(i, i + SLICE_BATCHES),
      texts: batches.slice(i, i + SLICE_BATCHES).flatMap((batch) => batch.map((b) => b.body)),
    });
  }
  const processor = benchProcessor({ now: BENCH_START + params.hours * HOUR_MS + HOUR_MS });

  let sink = 0;
  const pass = async () => {
    const totals = { procCpu: 0, procWall: 0, parseCpu: 0, parseWall: 0 };
    for (const slice of slices) {
      let wall = performance.now();
      let cpu = cpuMs();
      for (const text of slice.texts) sink += (JSON.parse(text) as { receivedAt: number }).receivedAt & 1;
      totals.parseCpu += cpuMs() - cpu;
      totals.parseWall += performance.now() - wall;
      wall = performance.now();
      cpu = cpuMs();
      for (const event of slice.events) {
        const response = await processor.handle(event);
        if (response.batchItemFailures.length > 0)
          throw new Error(`the processor failed ${response.batchItemFailures.length} messages`);
      }
      totals.procCpu += cpuMs() - cpu;
      totals.procWall += performance.now() - wall;
    }
    return totals;
  };

  for (let i = 0; i < params.warmups; i++) await pass();
  const runs = [];
  for (let i = 0; i < params.repeats; i++) runs.push(await pass());
  if (sink < 0) throw new Error('unreachable');
  return {
    messages: bodies.length,
    batches: events.length,
    readings,
    bodyBytes: bodies.reduce((n, b) => n + Buffer.byteLength(b.body), 0),
    processorCpuMs: runs.map((r) => r.procCpu),
    parseCpuMs: runs.map((r) => r.parseCpu),
    processorWallMs: runs.map((r) => r.procWall),
    parseWallMs: runs.map((r) => r.parseWall),
    writeCalls: processor.timestream.calls,
  };
}
