/**
 * Meters what the real FirehoseMetricsWriter sends for the metering suite's
 * readings: a Firehose client that accepts every PutRecordBatch call at once
 * and counts calls, records, bytes and the bytes Firehose bills (each record
 * rounded up to 5 KB). The rows are encoded and packed by the writer itself
 * (`encodeRow`, `packCalls`), so the figure is what our writer would send.
 */
import type { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { FirehoseMetricsWriter } from '../lambdas/adapters/lake/firehose-metrics-writer.ts';
import type { StoredReading } from '../lambdas/domain/ports.ts';
import { BENCH_START, HOUR_MS } from './fleet-data.ts';
import { firehoseBilledBytes, type LakeWriteFigures } from './lake-cost.ts';
import { recentMeter } from './recent-telemetry-metering.ts';

/** A Firehose client that accepts every PutRecordBatch call and meters it. */
export class MeteringFirehoseClient {
  calls = 0;
  records = 0;
  bytes = 0;
  billedBytes = 0;
  largestRecordBytes = 0;

  async send(command: PutRecordBatchCommand): Promise<object> {
    const records = command.input.Records ?? [];
    const sizes = records.map((r) => r.Data?.byteLength ?? 0);
    this.calls++;
    this.records += records.length;
    for (const size of sizes) {
      this.bytes += size;
      if (size > this.largestRecordBytes) this.largestRecordBytes = size;
    }
    this.billedBytes += firehoseBilledBytes(sizes);
    return { FailedPutCount: 0, RequestResponses: records.map((_, i) => ({ RecordId: String(i) })) };
  }

  figures(): LakeWriteFigures {
    const { calls, records, bytes, billedBytes, largestRecordBytes } = this;
    return { calls, records, bytes, billedBytes, largestRecordBytes };
  }

  /** The shape the writer takes; only `send` is ever called. */
  asClient(): FirehoseClient {
    return this as unknown as FirehoseClient;
  }
}

/**
 * The lake writer over a metering client, with the clock of the metering run,
 * and the recent telemetry table over its own (recent-telemetry-metering.ts).
 * The run covers BENCH_START up to an hour before `now` (metering.ts).
 */
export function lakeMeter(
  now: number,
  span: { readonly start: number; readonly end: number } = { start: BENCH_START, end: now - HOUR_MS },
): {
  write(readings: readonly StoredReading[]): Promise<void>;
  figures(): LakeWriteFigures;
} {
  const client = new MeteringFirehoseClient();
  const writer = new FirehoseMetricsWriter({
    client: client.asClient(),
    readingsStreamName: 'bench-readings',
    movementsStreamName: 'bench-movements',
    clock: { now: () => now },
    sleep: async () => {},
    random: () => 0,
  });
  const recent = recentMeter(span);
  return {
    async write(readings) {
      const result = await writer.writeReadings(readings);
      if (result.rejected.length > 0)
        throw new Error(
          `the lake writer refused ${result.rejected.length} readings, first: ${result.rejected[0]?.reason}`,
        );
      // The processor writes the recent table only what the lake accepted: here, all of it.
      await recent.write(readings);
    },
    figures: () => ({ ...client.figures(), recent: recent.figures() }),
  };
}
