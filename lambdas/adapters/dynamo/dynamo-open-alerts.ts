/**
 * Every open alert of a plant (layout in dynamo-alert-lifecycle.ts), for the
 * scheduled run's reminders: one index partition (gsi4, the plant's alerts
 * in a state) read to its end, page after page. The reminders read them all
 * before moving any, so no cursor is handed out or taken back, and the
 * scheduler's bundle holds none of the listings' cursor checks.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Alert } from '../../domain/alerts/model.ts';
import { fromItem, type Item } from './attribute-values.ts';
import { DynamoAlertOutbox } from './dynamo-alert-outbox.ts';
import { dynamoCall } from './dynamo-errors.ts';
import { PLANT_STATUS_INDEX, PLANT_STATUS_PK } from './state-table.ts';
import { decodeAlertRecord } from './stored-alert-items.ts';

/** The lifecycle, the outbox and the open alerts of a plant: what the scheduled run builds. */
export class DynamoOpenAlerts extends DynamoAlertOutbox {
  /** The plant's open alerts (not acknowledged, not resolved), in no particular order; eventually consistent on AWS. */
  async openAlerts(plantId: string): Promise<Alert[]> {
    const open: Alert[] = [];
    let start: Item | undefined;
    do {
      const exclusiveStart = start;
      const out = await dynamoCall('openAlerts', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: PLANT_STATUS_INDEX,
            KeyConditionExpression: '#ipk = :ipk',
            ExpressionAttributeNames: { '#ipk': PLANT_STATUS_PK },
            ExpressionAttributeValues: { ':ipk': { S: `PLANT#${plantId}#ALERT#open` } },
            ...(exclusiveStart ? { ExclusiveStartKey: exclusiveStart } : {}),
          }),
        ),
      );
      for (const item of out.Items ?? []) open.push(decodeAlertRecord(fromItem(item)));
      start = out.LastEvaluatedKey;
    } while (start);
    return open;
  }
}
