/**
 * Peak RSS of the processor handling one batch of N messages (runs in a
 * fresh child process started with --expose-gc, see child.ts). The parent
 * writes the queue bodies to a file, one a line, so generating them does not
 * count; the batch itself is in memory, as in a Lambda invocation.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { BENCH_START, type FleetPlan, fleetQueue, HOUR_MS, sqsRecord } from './fleet-data.ts';
import { benchProcessor } from './processor-setup.ts';

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
  readonly writeCalls: number;
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
  const response = await processor.handle({ Records: records });
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
    writeCalls: processor.timestream.calls,
  };
}
