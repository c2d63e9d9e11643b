/** Lambda entry point of POST /v1/plants/{plantId}/telemetry (composition root). */
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { SqsTelemetryQueue } from '../adapters/sqs-telemetry-queue.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { makeIngestHandler } from '../handlers/ingest.ts';
import { readEnv } from './env.ts';
import { measuredEntry, tracedClient } from './observability.ts';

const env = readEnv({ TELEMETRY_QUEUE_URL: z.url() }, process.env);
const { log, count, handler: wrap } = measuredEntry('ingest');
const sqs = tracedClient(new SQSClient({}));

export const handler = wrap(
  makeIngestHandler({
    queue: new SqsTelemetryQueue({ client: sqs, queueUrl: env.TELEMETRY_QUEUE_URL }),
    clock: systemClock,
    log,
    count,
  }),
);
