/**
 * In-memory sinks for the processor benchmarks: the state store (plants,
 * ticket ledger, quarantine), rejection notices, and a Timestream client that
 * accepts every WriteRecords call and can keep what was sent for metering.
 * They cost next to nothing, so the figures measure the processor itself.
 */
import type { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { WriteRecordsBody } from '../lambdas/adapters/timestream/records.ts';
import { movementKey } from '../lambdas/domain/identity.ts';
import type { KpiSlotMarker, TouchedSlots } from '../lambdas/domain/kpi-rollup.ts';
import type { PlantConfig } from '../lambdas/domain/plant.ts';
import type {
  GatewayToken,
  LedgerResult,
  Page,
  QuarantineEntry,
  RejectionNotice,
  RejectionPublisher,
  StateStore,
  StoredMovement,
} from '../lambdas/domain/ports.ts';
import { judgeTicket } from '../lambdas/domain/ticket-ledger.ts';

export class MemoryStateStore implements StateStore {
  readonly plants = new Map<string, PlantConfig>();
  readonly tickets = new Map<string, StoredMovement>();
  /** Each ticket's former ts (domain/ticket-ledger.ts), as the other ledgers keep them. */
  readonly formerTs = new Map<string, readonly number[]>();
  readonly quarantine = new Map<string, QuarantineEntry>();
  readonly tokens = new Map<string, GatewayToken>();

  async getPlant(plantId: string): Promise<PlantConfig | undefined> {
    return this.plants.get(plantId);
  }
  async putPlant(config: PlantConfig): Promise<void> {
    this.plants.set(config.plantId, config);
  }
  async registerPlant(config: PlantConfig): Promise<boolean> {
    if (this.plants.has(config.plantId)) return false;
    this.plants.set(config.plantId, config);
    return true;
  }
  async listPlants(): Promise<PlantConfig[]> {
    return [...this.plants.values()];
  }

  /** The rule every ledger applies (domain/ticket-ledger.ts), over a map. */
  async recordMovements(movements: readonly StoredMovement[]): Promise<LedgerResult[]> {
    return movements.map((movement) => {
      const key = movementKey(movement);
      const decision = judgeTicket(movement, this.tickets.get(key), this.formerTs.get(key));
      if (decision.write) {
        this.tickets.set(key, movement);
        this.formerTs.set(key, decision.formerTs);
      }
      return decision.outcome;
    });
  }

  async putToken(token: GatewayToken): Promise<void> {
    this.tokens.set(token.tokenId, token);
  }
  async getToken(tokenId: string): Promise<GatewayToken | undefined> {
    return this.tokens.get(tokenId);
  }
  async listTokens(): Promise<GatewayToken[]> {
    return [...this.tokens.values()];
  }
  async revokeToken(tokenId: string, at: number): Promise<boolean> {
    const token = this.tokens.get(tokenId);
    if (!token) return false;
    this.tokens.set(tokenId, { ...token, revokedAt: token.revokedAt ?? at });
    return true;
  }

  async putQuarantine(entries: readonly QuarantineEntry[]): Promise<void> {
    for (const entry of entries) this.quarantine.set(entry.quarantineId, entry);
  }
  async listQuarantine(plantId: string | undefined, limit: number): Promise<Page<QuarantineEntry>> {
    const items = [...this.quarantine.values()].filter((e) => plantId === undefined || e.plantId === plantId);
    return { items: items.slice(0, limit) };
  }
  async getQuarantine(quarantineId: string): Promise<QuarantineEntry | undefined> {
    return this.quarantine.get(quarantineId);
  }
  async deleteQuarantine(quarantineId: string): Promise<void> {
    this.quarantine.delete(quarantineId);
  }
}

/** The KPI rollup's marker (DynamoDB on AWS): remembers the touched slots. */
export class MemoryKpiSlots implements KpiSlotMarker {
  readonly marked = new Set<string>();
  async markTouched(touched: readonly TouchedSlots[]): Promise<void> {
    for (const { plantId, slotStarts } of touched)
      for (const start of slotStarts) this.marked.add(`${plantId}|${start}`);
  }
}

export class NullRejections implements RejectionPublisher {
  notices = 0;
  async publish(_plantId: string, _notice: RejectionNotice): Promise<void> {
    this.notices++;
  }
}

/** What one WriteRecords call sent: the table and the body the metering rules apply to. */
export interface SentCall {
  readonly table: string;
  readonly body: WriteRecordsBody;
}

/**
 * A Timestream write client that accepts every call at once.
 */
export class AcceptingTimestreamClient {
  calls = 0;
  /** `onCall` hears of every call (for metering); without it the client only counts. */
  constructor(private readonly onCall?: (call: SentCall) => void) {}

  async send(command: WriteRecordsCommand): Promise<object> {
    this.calls++;
    if (this.onCall) {
      const { TableName, CommonAttributes, Records } = command.input;
      this.onCall({
        table: TableName ?? '',
        body: { ...(CommonAttributes ? { CommonAttributes } : {}), Records: Records ?? [] },
      });
    }
    return {};
  }

  /** The shape the writer takes; only `send` is ever called. */
  asClient(): TimestreamWriteClient {
    return this as unknown as TimestreamWriteClient;
  }
}
