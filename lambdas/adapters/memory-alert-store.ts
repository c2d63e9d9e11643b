/**
 * An in-process alert store with the same write rules as the DynamoDB one
 * (sequence-checked head per (plant, type, subject), outbox in order). For
 * one-process tools such as `wte backtest`, where nothing outlives the run.
 */
import type { Alert, AlertState, AlertTransition, AlertType } from '../domain/alerts/model.ts';
import type { AlertStore, Page } from '../domain/ports.ts';

const headKey = (plantId: string, type: AlertType, subject: string) =>
  `${plantId}\u0000${type}\u0000${subject}`;

export class MemoryAlertStore implements AlertStore {
  private readonly heads = new Map<string, Alert>();
  private readonly records = new Map<string, Alert>();
  private readonly outbox: AlertTransition[] = [];
  /** Every transition ever queued, in order (the backtest's report). */
  readonly history: AlertTransition[] = [];

  async getActive(plantId: string, type: AlertType, subject: string): Promise<Alert | undefined> {
    const head = this.heads.get(headKey(plantId, type, subject));
    return head && head.state !== 'resolved' ? head : undefined;
  }

  async getCurrent(plantId: string, type: AlertType, subject: string): Promise<Alert | undefined> {
    return this.heads.get(headKey(plantId, type, subject));
  }

  async getAlert(alertId: string): Promise<Alert | undefined> {
    return this.records.get(alertId);
  }

  async applyTransition(
    next: Alert,
    expectedSequence: number,
    transition?: AlertTransition,
  ): Promise<boolean> {
    const key = headKey(next.plantId, next.type, next.subject);
    const head = this.heads.get(key);
    if (head && JSON.stringify(head) === JSON.stringify(next)) return true;
    const replaceable = head?.state === 'resolved' && head.alertId !== next.alertId;
    const allowed =
      expectedSequence === 0
        ? head === undefined || replaceable
        : head !== undefined &&
          head.sequence === expectedSequence &&
          (head.alertId === next.alertId || replaceable);
    if (!allowed) return false;
    this.heads.set(key, next);
    this.records.set(next.alertId, next);
    if (transition) {
      this.outbox.push(transition);
      this.history.push(transition);
    }
    return true;
  }

  async listAlerts(query: {
    plantId?: string;
    state?: AlertState;
    limit: number;
    cursor?: string;
  }): Promise<Page<Alert>> {
    const offset = query.cursor === undefined ? 0 : Number.parseInt(query.cursor, 36);
    const all = [...this.records.values()]
      .filter(
        (a) =>
          (query.plantId === undefined || a.plantId === query.plantId) &&
          (query.state === undefined || a.state === query.state),
      )
      .sort((a, b) => b.updatedAt - a.updatedAt || (a.alertId < b.alertId ? -1 : 1));
    const items = all.slice(offset, offset + query.limit);
    const end = offset + items.length;
    return { items, ...(end < all.length ? { cursor: end.toString(36) } : {}) };
  }

  async pendingTransitions(limit: number): Promise<AlertTransition[]> {
    return this.outbox.slice(0, limit);
  }

  async markPublished(transitionId: string): Promise<void> {
    const index = this.outbox.findIndex((t) => t.transitionId === transitionId);
    if (index >= 0) this.outbox.splice(index, 1);
  }
}
