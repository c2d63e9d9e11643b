/**
 * The whole alert store (the AlertStore port; layout and rules in
 * dynamo-alert-lifecycle.ts): the lifecycle, the outbox and the open alerts
 * (the roles it extends), the listings (DynamoAlertListing, which it holds)
 * and the point reads of the alerts API, `getAlert` and `getActive`. For
 * callers that use most of it (the alerts API, local mode, tests); the alert
 * step, the scheduled run and the report build their role only.
 */
import type { Alert, AlertState, AlertType } from '../../domain/alerts/model.ts';
import type { AlertStore, Page } from '../../domain/ports.ts';
import { fromItem } from './attribute-values.ts';
import { headKey, recordKey } from './dynamo-alert-lifecycle.ts';
import { DynamoAlertListing } from './dynamo-alert-listing.ts';
import { DynamoOpenAlerts } from './dynamo-open-alerts.ts';
import type { StateTableProps } from './state-table-store.ts';
import { decodeAlertRecord } from './stored-alert-items.ts';

export { DynamoAlertLifecycle, type DynamoAlertStoreProps } from './dynamo-alert-lifecycle.ts';
export { DynamoAlertListing, InvalidCursorError, MAX_ALERT_PAGE } from './dynamo-alert-listing.ts';
export { DynamoAlertOutbox } from './dynamo-alert-outbox.ts';
export { DynamoOpenAlerts } from './dynamo-open-alerts.ts';

export class DynamoAlertStore extends DynamoOpenAlerts implements AlertStore {
  private readonly listing: DynamoAlertListing;

  constructor(props: StateTableProps) {
    super(props);
    this.listing = new DynamoAlertListing(props);
  }

  /** @see DynamoAlertListing.listAlerts */
  listAlerts(query: {
    plantId?: string;
    state?: AlertState;
    limit: number;
    cursor?: string;
  }): Promise<Page<Alert>> {
    return this.listing.listAlerts(query);
  }

  async getActive(plantId: string, type: AlertType, subject: string): Promise<Alert | undefined> {
    const head = await this.readHead('getActive', headKey({ plantId, type, subject }));
    return head && head.alert.state !== 'resolved' ? head.alert : undefined;
  }

  async getAlert(alertId: string): Promise<Alert | undefined> {
    const item = await this.get('getAlert', recordKey(alertId));
    if (item === undefined) return undefined;
    const recorded = decodeAlertRecord(fromItem(item));
    // While the alert is the head's current one, the head is the freshest copy (it is written first).
    const head = await this.readHead('getAlert', headKey(recorded));
    if (head?.alert.alertId === alertId && !isOlder(head.alert, recorded)) return head.alert;
    return recorded;
  }
}

/** `a` is an older version of the same alert than `b`. */
function isOlder(a: Alert, b: Alert): boolean {
  return a.sequence < b.sequence || (a.sequence === b.sequence && a.updatedAt < b.updatedAt);
}
