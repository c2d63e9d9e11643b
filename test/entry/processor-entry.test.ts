/**
 * The processor entry as deployed, on each metrics store: an SQS batch of
 * queued telemetry is written to the store the environment names (Timestream
 * tables, or the lake's Firehose streams and recent table), its tickets to
 * the state table's ledger, each touched plant handed to ALERT_STEP_QUEUE_URL,
 * and a plant the alert step queue refused comes back as a partial batch
 * failure of that plant's message only.
 */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoKpiRollupStore } from '../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { TELEMETRY_SCHEMA } from '../../lambdas/domain/telemetry.ts';
import { decodeAlertStep } from '../../lambdas/domain/touched-plants.ts';
import {
  BASE_ENV,
  type DynamoBoundary,
  dynamoBoundary,
  LAKE_ENV,
  lambdaContext,
  loadEntry,
  ROLLUP_ENV,
  sqsEvent,
  TIMESTREAM_ENV,
} from './entry-support.ts';

type Processor = { handler: (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse> };

const ENV = {
  AWS_REGION: BASE_ENV.AWS_REGION,
  STATE_TABLE_NAME: BASE_ENV.STATE_TABLE_NAME,
  IOT_DATA_ENDPOINT: BASE_ENV.IOT_DATA_ENDPOINT,
  ALERT_STEP_QUEUE_URL: BASE_ENV.ALERT_STEP_QUEUE_URL,
};
const ACCEPTED = 'kz-ast-01';
const REFUSED = 'kz-ala-01';

const sqs = mockClient(SQSClient);
const timestream = mockClient(TimestreamWriteClient);
const firehose = mockClient(FirehoseClient);
const iot = mockClient(IoTDataPlaneClient);
let dynamo: DynamoBoundary;

beforeAll(async () => {
  dynamo = await dynamoBoundary({
    state: ENV.STATE_TABLE_NAME,
    recent: LAKE_ENV.RECENT_TELEMETRY_TABLE,
    rollup: ROLLUP_ENV.KPI_ROLLUP_TABLE,
  });
});
afterAll(async () => {
  for (const m of [sqs, timestream, firehose, iot]) m.restore();
  await dynamo.close();
});
beforeEach(() => {
  for (const m of [sqs, timestream, firehose, iot]) m.reset();
  dynamo.stub.resetHistory();
  // The alert step queue takes the first plant's message and refuses the second's for good.
  sqs
    .on(SendMessageBatchCommand)
    .callsFake((input: { Entries: Array<{ Id: string; MessageBody: string }> }) => {
      const plantOf = (body: string) => {
        const decoded = decodeAlertStep(body);
        return decoded.ok ? decoded.message.touched.plantId : undefined;
      };
      return {
        Successful: input.Entries.filter((e) => plantOf(e.MessageBody) !== REFUSED).map((e) => ({
          Id: e.Id,
          MessageId: `m-${e.Id}`,
          MD5OfMessageBody: '',
        })),
        Failed: input.Entries.filter((e) => plantOf(e.MessageBody) === REFUSED).map((e) => ({
          Id: e.Id,
          SenderFault: true,
          Code: 'KMS.DisabledException',
        })),
      };
    });
  timestream.on(WriteRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
    RecordsIngested: { Total: input.Records.length, MemoryStore: input.Records.length, MagneticStore: 0 },
  }));
  firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
    FailedPutCount: 0,
    RequestResponses: input.Records.map((_, i) => ({ RecordId: `r${i}` })),
  }));
});

/**
 * One queued message per plant, as the ingest entry queues them: a reading and a weighbridge ticket
 * (named per test: the ledger keeps what an earlier test recorded, and a known ticket is not written again).
 */
function batch(now: number, ticket: string): SQSEvent {
  const bodies = [ACCEPTED, REFUSED].flatMap((plantId, i) =>
    encodeQueued({
      source: 'http',
      receivedAt: now,
      message: {
        schema: TELEMETRY_SCHEMA,
        messageId: `gw-${plantId}:00${i}`,
        plantId,
        readings: [
          {
            plantId,
            ts: now - 60_000,
            line: 'boiler-1',
            metric: 'furnace_temperature',
            kind: 'gauge',
            value: 905 + i,
            unit: 'degC',
            quality: 'GOOD',
            correction: false,
          },
        ],
        movements: [
          {
            plantId,
            ticketId: `WB-${plantId}-${ticket}`,
            ts: now - 120_000,
            direction: 'in',
            netTonnes: 21.5,
            material: 'mixed_waste',
            correction: false,
          },
        ],
      },
    }),
  );
  return sqsEvent('wte-prod-telemetry', bodies);
}

describe.each([
  ['timestream', TIMESTREAM_ENV],
  ['lake', LAKE_ENV],
] as const)('processor entry on %s', (store, storeEnv) => {
  it('stores the batch where the environment says and fails only the plant the alert step queue refused', async () => {
    const { handler } = await loadEntry<Processor>('processor', { ...ENV, ...storeEnv });
    const now = Date.now();
    const event = batch(now, store);
    const result = await handler(event, lambdaContext('processor'));

    const refusedMessage = event.Records[1]?.messageId;
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: refusedMessage }]);

    const queued = sqs.commandCalls(SendMessageBatchCommand);
    expect(queued.map((c) => c.args[0].input.QueueUrl)).toEqual([ENV.ALERT_STEP_QUEUE_URL]);
    const touched = (queued[0]?.args[0].input.Entries ?? []).map((e) => {
      const decoded = decodeAlertStep(e.MessageBody ?? '');
      return decoded.ok ? decoded.message.touched.plantId : 'invalid';
    });
    expect(touched.sort()).toEqual([REFUSED, ACCEPTED].sort());

    // Both plants' tickets went to the ledger in STATE_TABLE_NAME (a redelivery finds them there).
    const ledger = JSON.stringify(dynamo.inputsTo(ENV.STATE_TABLE_NAME));
    for (const plantId of [ACCEPTED, REFUSED]) expect(ledger).toContain(`WB-${plantId}-${store}`);

    if (store === 'timestream') {
      const writes = timestream.commandCalls(WriteRecordsCommand).map((c) => c.args[0].input);
      expect(new Set(writes.map((w) => w.DatabaseName))).toEqual(
        new Set([TIMESTREAM_ENV.TIMESTREAM_DATABASE]),
      );
      expect(new Set(writes.map((w) => w.TableName))).toEqual(
        new Set([TIMESTREAM_ENV.TIMESTREAM_READINGS_TABLE, TIMESTREAM_ENV.TIMESTREAM_MOVEMENTS_TABLE]),
      );
      expect(firehose.calls()).toHaveLength(0);
    } else {
      const puts = firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input);
      expect(new Set(puts.map((p) => p.DeliveryStreamName))).toEqual(
        new Set([LAKE_ENV.LAKE_READINGS_STREAM, LAKE_ENV.LAKE_MOVEMENTS_STREAM]),
      );
      const sent = puts
        .flatMap((p) => p.Records ?? [])
        .map((r) => Buffer.from(r.Data as Uint8Array).toString());
      expect(sent.some((row) => row.includes(ACCEPTED) && row.includes('furnace_temperature'))).toBe(true);
      expect(dynamo.tablesCalled()).toContain(LAKE_ENV.RECENT_TELEMETRY_TABLE);
      expect(timestream.calls()).toHaveLength(0);
    }
  });
});

describe('processor entry bound to the KPI rollup', () => {
  it('marks the 15-minute slots of the batch tickets in KPI_ROLLUP_TABLE for the rollup to re-roll', async () => {
    const { handler } = await loadEntry<Processor>('processor', { ...ENV, ...TIMESTREAM_ENV, ...ROLLUP_ENV });
    const now = Date.now();
    await handler(batch(now, 'rollup'), lambdaContext('processor'));
    const pending = await new DynamoKpiRollupStore({
      client: dynamo.local.client,
      tableName: ROLLUP_ENV.KPI_ROLLUP_TABLE,
      clock: { now: () => now },
      rollupSince: Number(ROLLUP_ENV.KPI_ROLLUP_SINCE),
    }).pendingSlots(now + 86_400_000, 100);
    const slot = Math.floor((now - 120_000) / 900_000) * 900_000;
    expect(pending.map((p) => [p.plantId, p.start]).sort()).toEqual(
      [
        [ACCEPTED, slot],
        [REFUSED, slot],
      ].sort(),
    );
  });
});
