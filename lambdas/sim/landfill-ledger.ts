/**
 * Tonnes received and landfilled by one simulated plant, kept for two days,
 * so the haul can keep landfilled tonnes under a share of the tonnes received
 * for the plant-local day so far and for the last 24 h.
 */
import { bucketStart, DAY_MS } from '../domain/time.ts';
import type { RunWindow } from './scenarios.ts';

interface FlowEvent {
  readonly ts: number;
  readonly received: number;
  readonly landfilled: number;
}

export interface Flows {
  readonly received: number;
  readonly landfilled: number;
}

export class LandfillLedger {
  /** In ts order; nothing older than two days before the latest event. */
  private readonly flows: FlowEvent[] = [];

  constructor(private readonly run: Pick<RunWindow, 'start' | 'timeZone'>) {}

  record(event: FlowEvent): void {
    let i = this.flows.length;
    while (i > 0 && (this.flows[i - 1] as FlowEvent).ts > event.ts) i--;
    this.flows.splice(i, 0, event);
    const horizon = event.ts - 2 * DAY_MS;
    while (this.flows.length > 0 && (this.flows[0] as FlowEvent).ts < horizon) this.flows.shift();
  }

  /** Received and landfilled tonnes with ts in [from, to]. */
  between(from: number, to: number): Flows {
    let received = 0;
    let landfilled = 0;
    for (const e of this.flows) {
      if (e.ts < from || e.ts > to) continue;
      received += e.received;
      landfilled += e.landfilled;
    }
    return { received, landfilled };
  }

  /** The plant-local day up to `ts` (from the run's start if the day began before it). */
  daySoFar(ts: number): Flows {
    return this.between(Math.max(this.run.start, bucketStart(ts, '1d', this.run.timeZone)), ts);
  }

  /** Whether `tonnes` more to landfill at `ts` keeps landfilled below `share` of received (day so far, and last 24 h if `trailing`). */
  fits(ts: number, tonnes: number, share: number, trailing: boolean): boolean {
    const day = this.daySoFar(ts);
    if (day.landfilled + tonnes > share * day.received) return false;
    if (!trailing) return true;
    const last24h = this.between(Math.max(this.run.start, ts - DAY_MS + 1), ts);
    return last24h.landfilled + tonnes <= share * last24h.received;
  }
}
