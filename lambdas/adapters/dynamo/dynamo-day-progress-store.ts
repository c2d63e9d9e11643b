/**
 * Day arrivals and the data frontier on the state table (the DayProgressStore
 * port; layout in day-progress-items.ts; docs/alert-completeness.md): both
 * steps' sides in one store, for callers that run both (local mode, tests).
 * A Lambda builds only its step's side (docs/bundles.md).
 */
import type { DayProgressStore } from '../../domain/ports.ts';
import { DynamoDayArrivals } from './dynamo-day-arrivals.ts';
import { DynamoDaySettlement } from './dynamo-day-settlement.ts';
import type { StateTableProps } from './state-table-store.ts';

export { DynamoDayArrivals } from './dynamo-day-arrivals.ts';
export { DynamoDaySettlement } from './dynamo-day-settlement.ts';

export class DynamoDayProgressStore extends DynamoDaySettlement implements DayProgressStore {
  private readonly arrivals: DynamoDayArrivals;

  constructor(props: StateTableProps) {
    super(props);
    this.arrivals = new DynamoDayArrivals(props);
  }

  /** @see DynamoDayArrivals.recordArrival */
  recordArrival(...args: Parameters<DayProgressStore['recordArrival']>): Promise<void> {
    return this.arrivals.recordArrival(...args);
  }

  /** @see DynamoDayArrivals.owe */
  owe(...args: Parameters<DayProgressStore['owe']>): Promise<void> {
    return this.arrivals.owe(...args);
  }
}
