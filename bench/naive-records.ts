/**
 * The naive Timestream design the bench and the metering tests compare ours
 * with: one single-measure record per reading (dimensions plant, line and
 * quality; the metric's full name as measure name), one reading per
 * WriteRecords call. Production never builds these.
 */
import { billedKiB, doubleText, type WriteRecordsBody } from '../lambdas/adapters/timestream/records.ts';
import type { StoredReading } from '../lambdas/domain/ports.ts';

export function naiveReadingRequests(readings: readonly StoredReading[]): WriteRecordsBody[] {
  return readings.map((r) => ({
    Records: [
      {
        Dimensions: [
          { Name: 'plant', Value: r.plantId },
          { Name: 'line', Value: r.line },
          { Name: 'quality', Value: r.quality },
        ],
        MeasureName: r.metric,
        MeasureValue: doubleText(r.value),
        MeasureValueType: 'DOUBLE',
        Time: String(r.ts),
        TimeUnit: 'MILLISECONDS',
        Version: r.version,
      },
    ],
  }));
}

/** Billed KiB of the naive design for these readings. */
export function naiveBilledKiB(readings: readonly StoredReading[]): number {
  return naiveReadingRequests(readings).reduce((sum, body) => sum + billedKiB(body), 0);
}
