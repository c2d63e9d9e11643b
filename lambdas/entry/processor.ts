/** Lambda entry point of the telemetry queue processor (composition root). */
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { IotRejectionPublisher } from '../adapters/iot-rejection-publisher.ts';
import { SqsAlertStepQueue } from '../adapters/sqs-alert-step-queue.ts';
import { makeProcessorHandler } from '../handlers/processor.ts';
import { kpiSlotMarker, pipelineState } from './aws-stores.ts';
import { readEnv } from './env.ts';
import { metricsWriter } from './metrics-writers.ts';
import { measuredEntry, tracedClient } from './observability.ts';

const env = readEnv(
  {
    STATE_TABLE_NAME: z.string().check(z.minLength(3)),
    IOT_DATA_ENDPOINT: z.url(),
    ALERT_STEP_QUEUE_URL: z.url(),
  },
  process.env,
);
const { log, count, handler: wrap } = measuredEntry('processor');

const kpiSlots = kpiSlotMarker(process.env);
const iot = tracedClient(new IoTDataPlaneClient({ endpoint: env.IOT_DATA_ENDPOINT }));

const processBatch = makeProcessorHandler({
  metrics: metricsWriter(process.env),
  state: pipelineState(process.env),
  // The alert rules run in their own function, on what this batch stored (docs/alert-step.md).
  alerts: new SqsAlertStepQueue({
    client: tracedClient(new SQSClient({})),
    queueUrl: env.ALERT_STEP_QUEUE_URL,
  }),
  // Every plant of a batch at once: their messages go out in SendMessageBatch calls of ten.
  alertConcurrency: 100,
  rejections: new IotRejectionPublisher(iot),
  ...(kpiSlots === undefined ? {} : { kpiSlots }),
  log,
  count,
});

export const handler = wrap((event: SQSEvent, context?: Context) => processBatch(event, context));
