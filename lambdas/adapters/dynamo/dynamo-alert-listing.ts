/**
 * The alert listings (layout in dynamo-alert-lifecycle.ts): every alert, a
 * plant's, or those in a state, newest first, through the records' indexes,
 * with cursors checked against the listing they came from (listing.ts).
 */
import { ALERT_STATES, type Alert, type AlertState } from '../../domain/alerts/model.ts';
import type { AlertStore, Page } from '../../domain/ports.ts';
import { fromItem } from './attribute-values.ts';
import { RECORD_PREFIX, RECORD_SK } from './dynamo-alert-lifecycle.ts';
import {
  checkLimit,
  collectionListing,
  type ListedRecords,
  type Listing,
  plantListing,
  queryPage,
} from './listing.ts';
import {
  PLANT_STATUS_INDEX,
  PLANT_STATUS_PK,
  PLANT_STATUS_SK,
  STATUS_INDEX,
  STATUS_PK,
  STATUS_SK,
} from './state-table.ts';
import { StateTableStore } from './state-table-store.ts';
import { decodeAlertRecord } from './stored-alert-items.ts';

export { InvalidCursorError } from './listing.ts';

/** The largest page of alerts; a cursor continues past it. */
export const MAX_ALERT_PAGE = 1000;
/** What the alert listings return. */
const RECORDS: ListedRecords = { pkPrefix: RECORD_PREFIX, sk: RECORD_SK };

/** The paged listings alone: the alerts API's list and the plant report read nothing else. */
export class DynamoAlertListing extends StateTableStore implements Pick<AlertStore, 'listAlerts'> {
  async listAlerts(query: {
    plantId?: string;
    state?: AlertState;
    limit: number;
    cursor?: string;
  }): Promise<Page<Alert>> {
    checkLimit(query.limit);
    if (query.state !== undefined && !(ALERT_STATES as readonly string[]).includes(query.state)) {
      throw new RangeError(
        `state must be one of ${ALERT_STATES.join(', ')}; got ${JSON.stringify(query.state)}`,
      );
    }
    const pageSize = Math.min(query.limit, MAX_ALERT_PAGE);
    const listing = alertListing(query.plantId, query.state);
    return queryPage(this.client, this.tableName, {
      operation: 'listAlerts',
      listing,
      pageSize,
      cursor: query.cursor,
      decode: (item) => decodeAlertRecord(fromItem(item)),
    });
  }
}

function alertListing(plantId: string | undefined, state: AlertState | undefined): Listing {
  if (state === undefined) {
    return plantId === undefined
      ? collectionListing('ALERT', RECORDS)
      : plantListing(plantId, 'ALERT#', RECORDS);
  }
  if (plantId === undefined) {
    return {
      index: STATUS_INDEX,
      pkName: STATUS_PK,
      skName: STATUS_SK,
      pk: `ALERT#${state}`,
      skPrefix: '',
      records: RECORDS,
    };
  }
  return {
    index: PLANT_STATUS_INDEX,
    pkName: PLANT_STATUS_PK,
    skName: PLANT_STATUS_SK,
    pk: `PLANT#${plantId}#ALERT#${state}`,
    skPrefix: '',
    records: RECORDS,
  };
}
