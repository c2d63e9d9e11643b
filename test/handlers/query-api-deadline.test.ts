/**
 * The invocation's deadline travels with each read (issue #21), end to end:
 * one series handler over the lake reader and one Athena runner, built once
 * as at a cold start (the runner on an aws-sdk-client-mock AthenaClient that
 * runs the real SQL on DuckDB), serves two invocations in flight at once.
 * Each is held to its own Lambda context's deadline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AthenaClient, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueryRunner } from '../../lambdas/adapters/lake/athena-query-runner.ts';
import { LakeMetricsReader } from '../../lambdas/adapters/lake/lake-metrics-reader.ts';
import { readingRow } from '../../lambdas/adapters/lake/lake-rows.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { makeSeriesHandler, type QueryEvent } from '../../lambdas/handlers/query-api.ts';
import { athenaOnDuckDb } from '../support/athena-on-duckdb.ts';
import { writeLakeTables } from '../support/lake-parquet.ts';
import { FixedClock } from '../support/memory-ports.ts';
import { MINUTE, NOW, PLANT, reading } from '../support/stored-items.ts';

const athena = mockClient(AthenaClient);
let instance: DuckDBInstance;
let connection: DuckDBConnection;
let dir: string;

beforeEach(async () => {
  instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  connection = await instance.connect();
  dir = await mkdtemp(path.join(tmpdir(), 'wte-deadline-'));
});

afterEach(async () => {
  athena.reset();
  connection.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const series = (): QueryEvent => ({
  httpMethod: 'GET',
  path: `/v1/plants/${PLANT}/series`,
  headers: {},
  body: null,
  isBase64Encoded: false,
  pathParameters: { plantId: PLANT },
  queryStringParameters: {
    metric: 'furnace_temperature',
    from: new Date(NOW - 10 * MINUTE).toISOString(),
    to: new Date(NOW).toISOString(),
    interval: '1m',
  },
});
const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

describe('query API deadlines', () => {
  it('answers 503 to the invocation with too little time while the other, in flight, answers its data', async () => {
    await writeLakeTables(connection, dir, {
      readings: [
        readingRow(reading({ ts: NOW - 3 * MINUTE, value: 905 })),
        readingRow(reading({ ts: NOW - 2 * MINUTE, value: 910 })),
      ],
      movements: [],
    });
    const harness = athenaOnDuckDb(athena, connection, { runningPolls: 1 });
    let polling!: () => void;
    const firstPoll = new Promise<void>((resolve) => {
      polling = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const clock = new FixedClock(NOW);
    let held = false;
    // Built once for the process, as the entry builds it at a cold start.
    const runner = new AthenaQueryRunner({
      client: new AthenaClient({ region: 'eu-central-1' }),
      workGroup: 'wte-lake',
      catalog: 's3tablescatalog/wte-lake',
      database: 'metrics',
      clock,
      // A's first wait between polls holds until B has been answered: A's query is in flight meanwhile.
      sleep: async () => {
        if (held) return;
        held = true;
        polling();
        await released;
      },
    });
    const handle = makeSeriesHandler({
      metrics: new LakeMetricsReader({ runner }),
      plants: { getPlant: async (plantId) => defaultPlantConfig(plantId) },
      clock,
    });

    const a = handle(series(), lambdaContext(600_000));
    await firstPoll;
    // B has 1.5 s left, less than the runner's 2 s margin: no query of its own starts.
    const b = await handle(series(), lambdaContext(1_500));
    release();

    expect(b.statusCode).toBe(503);
    expect(JSON.parse(b.body)).toMatchObject({ status: 503 });
    expect(b.headers?.['retry-after']).toBe('5');
    const answered = await a;
    expect(answered.statusCode, answered.body).toBe(200);
    expect((JSON.parse(answered.body) as { points: unknown[] }).points).toEqual([
      { ts: new Date(NOW - 3 * MINUTE).toISOString(), value: 905 },
      { ts: new Date(NOW - 2 * MINUTE).toISOString(), value: 910 },
    ]);
    expect(harness.queries).toHaveLength(1);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });
});
