/**
 * Timestream write cost of a seeded fleet (runs in a child process, see
 * child.ts): what our adapter sends, and three designs to compare it with.
 *
 * Metering (AWS "Timestream pricing: writes", docs/reference/aws-limits.md section 1.2;
 * `requestBytes` and `billedKiB` in lambdas/adapters/timestream/records.ts):
 *
 *   bytes(call) = size(CommonAttributes) + sum of size(record)
 *   size(x)     = 8 B of Time (when present) + UTF-8 bytes of every dimension
 *                 name and value + the MeasureName + for each measure value its
 *                 name (multi-measure) and 8 B (DOUBLE, BIGINT, TIMESTAMP),
 *                 1 B (BOOLEAN) or its UTF-8 length (VARCHAR)
 *   billed KiB  = ceil(bytes(call) / 1024), call by call
 *
 * - ours: the processor (real handler, real TimestreamMetricsWriter) over the
 *   SQS batches the event source mapping forms (25 messages, 2 s window), each
 *   WriteRecords call metered as sent; readings table only (movements are
 *   reported apart).
 * - naive: one single-measure record per reading, one call per reading
 *   (`naiveReadingRequests`: dimensions plant, line, quality; the metric name
 *   as measure name).
 * - iotRule: the AWS IoT Core Timestream rule action. It writes each attribute
 *   of the rule's SELECT result as its own single-measure record (measure name
 *   = attribute name, type inferred) with the dimensions configured on the
 *   action, at most 100 values per message (AWS IoT developer guide,
 *   "Timestream" rule action). A rule cannot fan out our readings array, so a
 *   gateway would publish one message per (plant, line, ts) with one attribute
 *   per metric; we count one WriteRecords call per message with no
 *   CommonAttributes (the guide says the dimensions are written in each
 *   record; whether the action batches across messages is not documented, so
 *   this is our inference). Qualities are left out, which favours the rule.
 * - floor: the measure bytes alone, packed ideally: every reading's measure
 *   name as we send it plus its 8 B value, summed over the whole run and
 *   rounded up once; time, dimensions, record names and per-call rounding
 *   cost nothing.
 */
import type { _Record } from '@aws-sdk/client-timestream-write';
import {
  billedKiB,
  doubleText,
  METRIC_CODES,
  requestBytes,
  type WriteRecordsBody,
} from '../lambdas/adapters/timestream/records.ts';
import type { StoredReading } from '../lambdas/domain/ports.ts';
import {
  BENCH_START,
  eventSourceBatchStream,
  fleetQueueStream,
  HOUR_MS,
  type QueuedBody,
  sqsEvent,
  storedReadings,
} from './fleet-data.ts';
import type { LakeWriteFigures } from './lake-cost.ts';
import { lakeMeter } from './lake-metering.ts';
import { naiveReadingRequests } from './naive-records.ts';
import { benchProcessor } from './processor-setup.ts';

export interface MeteringParams {
  readonly plants: number;
  readonly hours: number;
  readonly intervalMs?: number;
}

export interface MeteringFigures {
  readonly plants: number;
  readonly hours: number;
  readonly messages: number;
  readonly batches: number;
  readonly readings: number;
  readonly calls: number;
  readonly records: number;
  readonly billedKiB: number;
  readonly bytes: number;
  readonly movementCalls: number;
  readonly movementBilledKiB: number;
  readonly naiveCalls: number;
  readonly naiveBilledKiB: number;
  readonly iotRuleCalls: number;
  readonly iotRuleBilledKiB: number;
  readonly floorBytes: number;
  readonly floorBilledKiB: number;
  /** The same readings through the lake's FirehoseMetricsWriter, one write per batch. */
  readonly lake: LakeWriteFigures;
}

/** The most values one Timestream rule action writes per message. */
export const IOT_RULE_MAX_VALUES = 100;

/** What the IoT rule action would write for these readings: one call per (plant, line, ts) message. */
export function iotRuleRequests(readings: readonly StoredReading[]): WriteRecordsBody[] {
  const messages = new Map<string, StoredReading[]>();
  for (const r of readings) {
    const key = `${r.ts}|${r.plantId.length}|${r.plantId}|${r.line}`;
    const group = messages.get(key);
    if (group) group.push(r);
    else messages.set(key, [r]);
  }
  const calls: WriteRecordsBody[] = [];
  for (const group of messages.values()) {
    const records: _Record[] = group.map((r) => ({
      Dimensions: [
        { Name: 'plant', Value: r.plantId },
        { Name: 'line', Value: r.line },
      ],
      MeasureName: r.metric,
      MeasureValue: doubleText(r.value),
      MeasureValueType: 'DOUBLE',
      Time: String(r.ts),
      TimeUnit: 'MILLISECONDS',
    }));
    for (let i = 0; i < records.length; i += IOT_RULE_MAX_VALUES)
      calls.push({ Records: records.slice(i, i + IOT_RULE_MAX_VALUES) });
  }
  return calls;
}

/** Measure bytes of a reading as our records carry it: its short code and an 8-byte DOUBLE. */
export function floorBytesOf(r: StoredReading): number {
  return Buffer.byteLength(METRIC_CODES[r.metric].code) + 8;
}

export async function runMetering(params: MeteringParams): Promise<MeteringFigures> {
  const plan = { plants: params.plants, hours: params.hours, intervalMs: params.intervalMs };
  const totals = {
    messages: 0,
    batches: 0,
    readings: 0,
    calls: 0,
    records: 0,
    billedKiB: 0,
    bytes: 0,
    movementCalls: 0,
    movementBilledKiB: 0,
    naiveCalls: 0,
    naiveBilledKiB: 0,
    iotRuleCalls: 0,
    iotRuleBilledKiB: 0,
    floorBytes: 0,
  };
  const now = BENCH_START + params.hours * HOUR_MS + HOUR_MS;
  const lake = lakeMeter(now);
  const processor = benchProcessor({
    now,
    onCall: ({ table, body }) => {
      const kib = billedKiB(body);
      if (table === 'movements') {
        totals.movementCalls++;
        totals.movementBilledKiB += kib;
        return;
      }
      totals.calls++;
      totals.records += body.Records.length;
      totals.billedKiB += kib;
      totals.bytes += requestBytes(body);
    },
  });
  let index = 0;
  const counted = function* (bodies: Iterable<QueuedBody>) {
    for (const body of bodies) {
      const readings = storedReadings(body);
      totals.messages++;
      totals.readings += readings.length;
      for (const request of naiveReadingRequests(readings)) {
        totals.naiveCalls++;
        totals.naiveBilledKiB += billedKiB(request);
      }
      for (const request of iotRuleRequests(readings)) {
        totals.iotRuleCalls++;
        totals.iotRuleBilledKiB += billedKiB(request);
      }
      for (const r of readings) totals.floorBytes += floorBytesOf(r);
      yield body;
    }
  };
  for (const batch of eventSourceBatchStream(counted(fleetQueueStream(plan)))) {
    totals.batches++;
    const response = await processor.handle(sqsEvent(batch, () => index++));
    if (response.batchItemFailures.length > 0)
      throw new Error(`the processor failed ${response.batchItemFailures.length} messages`);
    await lake.write(batch.flatMap(storedReadings));
  }
  return {
    plants: params.plants,
    hours: params.hours,
    ...totals,
    floorBilledKiB: Math.ceil(totals.floorBytes / 1024),
    lake: lake.figures(),
  };
}
