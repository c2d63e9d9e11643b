/**
 * Where the recent telemetry store becomes complete (docs/recent-telemetry.md):
 * from `cut = now - horizonMs + safetyMarginMs` on it holds every version of
 * every item. The tiered reader answers from it alone after the cut; the
 * lake's writer checks conflicts against it only there.
 */
import type { Clock } from '../../domain/ports.ts';

export interface RecentCutProps {
  readonly recent: { readonly horizonMs: number };
  /** Must not exceed the horizon the writer's TTLs used. @default recent.horizonMs */
  readonly horizonMs?: number;
  /** Slack against clock skew and the time a read takes. @default 1 hour */
  readonly safetyMarginMs?: number;
  /**
   * Epoch ms from which the recent store is known to hold every item of its
   * horizon, when something left it short: a raised horizon (older items
   * carry the shorter TTL) or a table restored empty. @default its whole horizon
   */
  readonly completeSince?: number;
  readonly clock: Clock;
}

export const DEFAULT_SAFETY_MARGIN_MS = 3_600_000;

export class RecentCut {
  private readonly horizonMs: number;
  private readonly marginMs: number;

  constructor(private readonly props: RecentCutProps) {
    this.horizonMs = props.horizonMs ?? props.recent.horizonMs;
    this.marginMs = props.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
    if (!(this.marginMs >= 0 && this.marginMs < this.horizonMs))
      throw new RangeError(`safetyMarginMs must be in [0, horizonMs), got ${this.marginMs}`);
    if (!(this.horizonMs > 0 && this.horizonMs <= props.recent.horizonMs))
      throw new RangeError(
        `horizonMs must be > 0 and at most the recent store's ${props.recent.horizonMs}, got ${this.horizonMs}`,
      );
  }

  /** From here on the recent store holds every version of everything. */
  cut(): number {
    const cut = this.props.clock.now() - this.horizonMs + this.marginMs;
    return Math.max(cut, this.props.completeSince ?? cut);
  }
}
