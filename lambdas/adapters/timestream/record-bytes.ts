/**
 * Metering of WriteRecords requests: what Timestream bills for a record and
 * for a call (docs/performance.md, "Metering formula").
 */
import type { _Record, Dimension } from '@aws-sdk/client-timestream-write';

// ---------------------------------------------------------------------------
// Metering
//
// Billed bytes of one WriteRecords request (docs/reference/aws-limits.md section 1.2, after
// the AWS page "Writes" of metering and pricing):
//
//   bytes = size(CommonAttributes) + sum over records of size(record)
//   size(x) = 8 B if x carries a Time
//           + UTF-8 bytes of every dimension name and value
//           + UTF-8 bytes of MeasureName
//           + for each measure value: UTF-8 bytes of its name (multi-measure)
//             + 8 B for DOUBLE, BIGINT or TIMESTAMP, 1 B for BOOLEAN,
//               UTF-8 bytes of the value for VARCHAR
//   billed KiB = ceil(bytes / 1024), per request
//
// Common attributes are counted once per request. Version, TimeUnit and
// value types are not metered.
// ---------------------------------------------------------------------------

/** The part of a WriteRecords request this module builds (the writer adds database and table). */
export interface WriteRecordsBody {
  readonly CommonAttributes?: _Record;
  readonly Records: _Record[];
}

const utf8 = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));

function valueBytes(type: string | undefined, value: string | undefined): number {
  switch (type) {
    case 'DOUBLE':
    case 'BIGINT':
    case 'TIMESTAMP':
      return 8;
    case 'BOOLEAN':
      return 1;
    default:
      return utf8(value);
  }
}

export function dimensionBytes(dimension: Dimension): number {
  return utf8(dimension.Name) + utf8(dimension.Value);
}

/** Metered size of a record or of CommonAttributes, as if it stood alone. */
export function recordBytes(record: _Record, inheritedValueType?: string): number {
  let bytes = record.Time === undefined ? 0 : 8;
  for (const dimension of record.Dimensions ?? []) bytes += dimensionBytes(dimension);
  bytes += utf8(record.MeasureName);
  if (record.MeasureValue !== undefined)
    bytes += valueBytes(record.MeasureValueType ?? inheritedValueType, record.MeasureValue);
  for (const measure of record.MeasureValues ?? [])
    bytes += utf8(measure.Name) + valueBytes(measure.Type, measure.Value);
  return bytes;
}

/** Metered bytes of one WriteRecords request, common attributes counted once. */
export function requestBytes(body: WriteRecordsBody): number {
  const common = body.CommonAttributes;
  let bytes = common === undefined ? 0 : recordBytes(common);
  for (const record of body.Records) bytes += recordBytes(record, common?.MeasureValueType);
  return bytes;
}

/** Billed write units (1 KiB each) of one WriteRecords request. */
export function billedKiB(body: WriteRecordsBody): number {
  return Math.ceil(requestBytes(body) / 1024);
}
