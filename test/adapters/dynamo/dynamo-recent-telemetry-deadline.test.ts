/**
 * A recent-telemetry page that runs into its call's last second is cut off
 * (the SDK request aborted) and reported as UnavailableError, so the caller
 * still answers 503 before Lambda ends the invocation (review of issue #21's
 * read-path deadlines). A server that accepts and never answers stands for a
 * slow, throttled table.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRecentTelemetryReader } from '../../../lambdas/adapters/dynamo/dynamo-recent-telemetry-reader.ts';
import { UnavailableError } from '../../../lambdas/domain/ports.ts';
import { PLANT } from '../../support/stored-items.ts';

const silent = createServer(() => {
  // Never answers.
});
let client: DynamoDBClient;
beforeAll(async () => {
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const { port } = silent.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterAll(() => {
  client.destroy();
  silent.closeAllConnections();
  silent.close();
});

describe('recent telemetry reads at the deadline', () => {
  it('cuts off a page that runs into the last second and reports it as unavailable', async () => {
    const reader = new DynamoRecentTelemetryReader({
      client,
      tableName: 'recent',
      clock: { now: () => Date.now() },
    });
    const now = Date.now();
    const read = reader.readReadings(
      { plantId: PLANT, metric: 'furnace_temperature', from: now - 3_600_000, to: now },
      { deadline: now + 1_200 },
    );
    await expect(read).rejects.toBeInstanceOf(UnavailableError);
    await expect(read).rejects.toThrow(/stopped at the deadline/);
  });
});
