/**
 * A fake Timestream for LiveAnalytics write endpoint behind aws-sdk-client-mock.
 * No Timestream emulator exists, so this enforces the documented WriteRecords
 * rules (docs/reference/aws-limits.md section 1, docs/reference/reliability-practice.md section 6):
 *
 * - 1 to 100 records per call, else ValidationException; unknown table,
 *   ResourceNotFoundException;
 * - a record over 2 KB (metering size), over 256 measures, or with a measure
 *   whose type differs from the table's earlier use of that name is rejected;
 * - timestamps older than the memory-store retention or more than 15 minutes
 *   ahead of the clock are rejected;
 * - same dimensions + time + measure name: identical measures are accepted (a
 *   no-op, the version is bumped when higher); different measures need a
 *   higher version (upsert), else the record is rejected with ExistingVersion;
 * - rejected records come back in RejectedRecordsException (RecordIndex,
 *   Reason, ExistingVersion) while the other records of the call are stored;
 * - fault injection with a seeded random: a fraction of calls throttled
 *   (ThrottlingException), a fraction failing with 5xx.
 *
 * Metering is computed here independently of records.ts, so tests can
 * cross-check the two.
 */
import {
  type _Record,
  InternalServerException,
  RejectedRecordsException,
  ResourceNotFoundException,
  ThrottlingException,
  TimestreamWriteClient,
  TimestreamWriteServiceException,
  ValidationException,
  WriteRecordsCommand,
  type WriteRecordsCommandInput,
  type WriteRecordsCommandOutput,
} from '@aws-sdk/client-timestream-write';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import type { RecordRow } from '../../../lambdas/adapters/timestream/records.ts';
import type { Clock } from '../../../lambdas/domain/ports.ts';
import { prng as seededRandom } from '../../../lambdas/sim/fleet.ts';

export const HOUR_MS = 3_600_000;

export interface TimestreamFakeOptions {
  readonly clock: Clock;
  readonly databaseName?: string;
  readonly tableNames?: readonly string[];
  /** @default 6 hours, Timestream's default */
  readonly memoryRetentionMs?: number;
  /** Fraction of calls answered with ThrottlingException. @default 0 */
  readonly throttleRate?: number;
  /** Fraction of calls answered with a 5xx (InternalServerException or a bare 503). @default 0 */
  readonly serverErrorRate?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Awaited inside every call, so calls overlap (to observe concurrency). */
  readonly latency?: () => Promise<void>;
}

export interface FakeRecord extends RecordRow {
  readonly version: number;
  readonly types: Readonly<Record<string, string>>;
}

const FUTURE_MS = 15 * 60_000;
const MAX_RECORDS = 100;
const MAX_RECORD_BYTES = 2048;
const MAX_MEASURES = 256;

const bytes = (text: string | undefined): number =>
  text === undefined ? 0 : new TextEncoder().encode(text).length;

function valueSize(type: string | undefined, value: string | undefined): number {
  if (type === 'DOUBLE' || type === 'BIGINT' || type === 'TIMESTAMP') return 8;
  if (type === 'BOOLEAN') return 1;
  return bytes(value);
}

/** Metering size of a record or of common attributes (AWS: 8 B time + names + values). */
function meteredSize(r: _Record, valueType?: string): number {
  let size = r.Time === undefined ? 0 : 8;
  for (const d of r.Dimensions ?? []) size += bytes(d.Name) + bytes(d.Value);
  size += bytes(r.MeasureName);
  if (r.MeasureValue !== undefined) size += valueSize(r.MeasureValueType ?? valueType, r.MeasureValue);
  for (const m of r.MeasureValues ?? []) size += bytes(m.Name) + valueSize(m.Type, m.Value);
  return size;
}

function toMillis(time: string, unit: string | undefined): number {
  const n = Number(time);
  switch (unit ?? 'MILLISECONDS') {
    case 'SECONDS':
      return n * 1000;
    case 'MICROSECONDS':
      return n / 1000;
    case 'NANOSECONDS':
      return n / 1e6;
    default:
      return n;
  }
}

function sameValue(type: string, a: string, b: string): boolean {
  return type === 'DOUBLE' || type === 'BIGINT' ? Number(a) === Number(b) : a === b;
}

function sameMeasures(a: FakeRecord, b: FakeRecord): boolean {
  const names = Object.keys(a.measures);
  if (names.length !== Object.keys(b.measures).length) return false;
  return names.every((name) => {
    const type = a.types[name];
    const x = a.measures[name];
    const y = b.measures[name];
    return (
      type !== undefined &&
      type === b.types[name] &&
      x !== undefined &&
      y !== undefined &&
      sameValue(type, x, y)
    );
  });
}

function validation(message: string): ValidationException {
  return new ValidationException({ message, Message: message, $metadata: { httpStatusCode: 400 } });
}

export class TimestreamFake {
  readonly client = new TimestreamWriteClient({
    region: 'local',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  readonly mock: AwsClientStub<TimestreamWriteClient>;
  readonly databaseName: string;
  /** Every call, faults included. */
  calls = 0;
  throttled = 0;
  serverErrors = 0;
  /** Calls that reached ingestion (faults excluded) and the KiB they are billed. */
  ingestCalls = 0;
  billedKiB = 0;
  /** Calls being answered right now, and the most at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Call bodies that reached ingestion, in order. */
  readonly requests: WriteRecordsCommandInput[] = [];
  throttleRate: number;
  serverErrorRate: number;
  memoryRetentionMs: number;

  private readonly random: () => number;
  private readonly tables = new Map<string, Map<string, FakeRecord>>();
  private readonly schemas = new Map<string, Map<string, string>>();

  constructor(private readonly options: TimestreamFakeOptions) {
    this.databaseName = options.databaseName ?? 'wte';
    for (const table of options.tableNames ?? ['readings', 'movements']) {
      this.tables.set(table, new Map());
      this.schemas.set(table, new Map());
    }
    this.memoryRetentionMs = options.memoryRetentionMs ?? 6 * HOUR_MS;
    this.throttleRate = options.throttleRate ?? 0;
    this.serverErrorRate = options.serverErrorRate ?? 0;
    this.random = seededRandom(options.seed ?? 1);
    this.mock = mockClient(this.client);
    this.mock.on(WriteRecordsCommand).callsFake(async (input: WriteRecordsCommandInput) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      try {
        await options.latency?.();
        return this.writeRecords(input);
      } finally {
        this.inFlight--;
      }
    });
  }

  restore(): void {
    this.mock.restore();
  }

  /** Stored records of a table, in a stable order. */
  records(table = 'readings'): FakeRecord[] {
    return [...(this.tables.get(table)?.entries() ?? [])]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, r]) => r);
  }

  private writeRecords(input: WriteRecordsCommandInput): WriteRecordsCommandOutput {
    this.calls++;
    const roll = this.random();
    if (roll < this.throttleRate) {
      this.throttled++;
      throw new ThrottlingException({
        message: 'Rate exceeded (fake)',
        Message: 'Rate exceeded (fake)',
        $metadata: { httpStatusCode: 429 },
      });
    }
    if (roll < this.throttleRate + this.serverErrorRate) {
      this.serverErrors++;
      if (this.serverErrors % 2 === 1)
        throw new InternalServerException({
          message: 'Internal error (fake)',
          Message: 'Internal error (fake)',
          $metadata: { httpStatusCode: 500 },
        });
      throw new TimestreamWriteServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: 'Service unavailable (fake)',
        $metadata: { httpStatusCode: 503 },
      });
    }

    const table =
      input.DatabaseName === this.databaseName ? this.tables.get(input.TableName ?? '') : undefined;
    const schema = this.schemas.get(input.TableName ?? '');
    if (table === undefined || schema === undefined)
      throw new ResourceNotFoundException({
        message: `table ${input.DatabaseName}.${input.TableName} does not exist (fake)`,
        $metadata: { httpStatusCode: 404 },
      });
    const records = input.Records ?? [];
    if (records.length < 1 || records.length > MAX_RECORDS)
      throw validation(`Records must hold 1 to ${MAX_RECORDS} records, got ${records.length}`);
    const common = input.CommonAttributes ?? {};
    const merged = records.map((r, index) => this.merge(common, r, index));

    this.ingestCalls++;
    this.requests.push(structuredClone(input));
    let size = meteredSize(common);
    for (const r of records) size += meteredSize(r, common.MeasureValueType);
    this.billedKiB += Math.ceil(size / 1024);

    const now = this.options.clock.now();
    const rejected: Array<{ RecordIndex: number; Reason: string; ExistingVersion?: number }> = [];
    for (const [index, { record, full }] of merged.entries()) {
      const reason = this.check(record, full, now, schema);
      if (reason !== undefined) {
        rejected.push({ RecordIndex: index, Reason: reason });
        continue;
      }
      const key = JSON.stringify([
        Object.entries(record.dimensions).sort(([a], [b]) => (a < b ? -1 : 1)),
        record.time,
        record.measureName,
      ]);
      const existing = table.get(key);
      if (existing === undefined) {
        table.set(key, record);
      } else if (record.version > existing.version) {
        table.set(key, record);
      } else if (!sameMeasures(existing, record)) {
        rejected.push({
          RecordIndex: index,
          ExistingVersion: existing.version,
          Reason:
            record.version < existing.version
              ? `The record version ${record.version} is lower than the existing version ${existing.version}. A higher version is required to update the measure value.`
              : 'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.',
        });
        continue;
      }
      for (const [name, type] of Object.entries(record.types)) if (!schema.has(name)) schema.set(name, type);
    }
    if (rejected.length > 0)
      throw new RejectedRecordsException({
        message: 'One or more records have been rejected. See RejectedRecords for details.',
        $metadata: { httpStatusCode: 419 },
        RejectedRecords: rejected,
      });
    return {
      $metadata: { httpStatusCode: 200 },
      RecordsIngested: { Total: records.length, MemoryStore: records.length, MagneticStore: 0 },
    };
  }

  /** A record with the common attributes applied; malformed input is a ValidationException. */
  private merge(common: _Record, r: _Record, index: number): { record: FakeRecord; full: _Record } {
    const dimensions: Record<string, string> = {};
    for (const d of [...(common.Dimensions ?? []), ...(r.Dimensions ?? [])]) {
      if (!d.Name || !d.Value)
        throw validation(`record ${index}: dimension name and value must not be empty`);
      if (Object.hasOwn(dimensions, d.Name))
        throw validation(`record ${index}: dimension ${d.Name} given twice`);
      dimensions[d.Name] = d.Value;
    }
    const time = r.Time ?? common.Time;
    const measureName = r.MeasureName ?? common.MeasureName;
    const valueType = r.MeasureValueType ?? common.MeasureValueType;
    if (time === undefined || measureName === undefined || valueType === undefined)
      throw validation(`record ${index}: Time, MeasureName and MeasureValueType are required`);
    if (Object.keys(dimensions).length === 0)
      throw validation(`record ${index}: at least one dimension is required`);
    const measures: Record<string, string> = {};
    const types: Record<string, string> = {};
    if (valueType === 'MULTI') {
      for (const m of r.MeasureValues ?? []) {
        if (!m.Name || m.Value === undefined || !m.Type)
          throw validation(`record ${index}: measure values need Name, Value and Type`);
        if (Object.hasOwn(measures, m.Name) || Object.hasOwn(dimensions, m.Name))
          throw validation(`record ${index}: measure ${m.Name} clashes with another name`);
        measures[m.Name] = m.Value;
        types[m.Name] = m.Type;
      }
      if (Object.keys(measures).length === 0)
        throw validation(`record ${index}: MULTI record without measures`);
    } else {
      const value = r.MeasureValue ?? common.MeasureValue;
      if (value === undefined) throw validation(`record ${index}: MeasureValue is required`);
      measures[measureName] = value;
      types[measureName] = valueType;
    }
    const version = r.Version ?? common.Version ?? 1;
    const full: _Record = {
      ...common,
      ...r,
      Dimensions: [...(common.Dimensions ?? []), ...(r.Dimensions ?? [])],
    };
    return {
      record: {
        dimensions,
        time: toMillis(time, r.TimeUnit ?? common.TimeUnit),
        measureName,
        measures,
        types,
        version,
      },
      full,
    };
  }

  private check(
    record: FakeRecord,
    full: _Record,
    now: number,
    schema: Map<string, string>,
  ): string | undefined {
    const size = meteredSize(full);
    if (size > MAX_RECORD_BYTES)
      return `Record size ${size} bytes exceeds the maximum of ${MAX_RECORD_BYTES} bytes.`;
    const count = Object.keys(record.measures).length;
    if (count > MAX_MEASURES) return `The record has ${count} measures; at most ${MAX_MEASURES} are allowed.`;
    for (const [name, type] of Object.entries(record.types)) {
      const known = schema.get(name);
      if (known !== undefined && known !== type)
        return `Measure ${name} has type ${type} but the table stores it as ${known}.`;
    }
    if (!Number.isFinite(record.time)) return 'The record timestamp is not a number.';
    const earliest = now - this.memoryRetentionMs;
    const latest = now + FUTURE_MS;
    if (record.time < earliest || record.time > latest)
      return `The record timestamp is outside the time range [${new Date(earliest).toISOString()}, ${new Date(latest).toISOString()}) of the data ingestion window.`;
    return undefined;
  }
}

/** mulberry32, the fleet simulator's seeded generator: the same "random" data on every run. */
export { seededRandom };
