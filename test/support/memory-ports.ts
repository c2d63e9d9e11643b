/**
 * In-memory implementations of the simple ports, for handler tests that are
 * about the handler rather than a store. Stores with real semantics are
 * tested against their real engines (DuckDB, dynalite, the Timestream fake).
 */
import type {
  Clock,
  GatewayToken,
  QueuedTelemetry,
  RejectionNotice,
  RejectionPublisher,
  StateStore,
  TelemetryQueue,
} from '../../lambdas/domain/ports.ts';
import { UnavailableError } from '../../lambdas/domain/ports.ts';

export class FixedClock implements Clock {
  constructor(public current: number) {}
  now(): number {
    return this.current;
  }
}

export class MemoryQueue implements TelemetryQueue {
  readonly items: QueuedTelemetry[] = [];
  failNext = 0;
  async enqueue(items: readonly QueuedTelemetry[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new UnavailableError('queue down (test)', 7);
    }
    this.items.push(...items);
  }
}

export class MemoryTokens implements Pick<StateStore, 'getToken' | 'putToken'> {
  readonly tokens = new Map<string, GatewayToken>();
  async getToken(tokenId: string): Promise<GatewayToken | undefined> {
    return this.tokens.get(tokenId);
  }
  async putToken(token: GatewayToken): Promise<void> {
    this.tokens.set(token.tokenId, token);
  }
}

export class MemoryRejections implements RejectionPublisher {
  readonly notices: Array<{ plantId: string; notice: RejectionNotice }> = [];
  async publish(plantId: string, notice: RejectionNotice): Promise<void> {
    this.notices.push({ plantId, notice });
  }
}
