/**
 * `wte migrate-to-lake` as a command: usage, option checks before any AWS
 * call, the clients it builds, the checkpoint file's errors, the lake
 * destination's composition, and the whole wiring on a dry run with the
 * clients it is given, each stubbed on its instance (aws-sdk-client-mock).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchWriteItemCommand, QueryCommand as DynamoQueryCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/wte.ts';
import type { CliIo } from '../../cli/io.ts';
import {
  lakeDestination,
  MIGRATE_OPTIONS,
  MIGRATE_USAGE,
  type MigrateClients,
  migrateClientsFrom,
  migrateToLakeCommand,
  parseUtc,
} from '../../cli/migrate-to-lake-command.ts';
import { plantItem } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { METRIC_NAMES } from '../../lambdas/domain/catalog.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { reading } from '../support/stored-items.ts';

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const NAMES = [
  '--timestream-database',
  'wte-db',
  '--timestream-readings-table',
  'readings',
  '--timestream-movements-table',
  'movements',
  '--readings-stream',
  'wte-readings',
  '--movements-stream',
  'wte-movements',
  '--recent-table',
  'wte-recent',
];

async function run(...args: string[]) {
  const io = capture();
  const code = await main(['migrate-to-lake', ...args], io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

function tmpPath(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'wte-migrate-cmd-')), name);
}

describe('wte migrate-to-lake: usage and options', () => {
  it('is listed in wte --help and prints its documented usage on --help', async () => {
    const io = capture();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/^ {2}migrate-to-lake /m);
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toBe(MIGRATE_USAGE);
    for (const word of [
      '--from',
      '--to',
      '--plant',
      '--state-table',
      '--timestream-database',
      '--readings-stream',
      '--recent-table',
      '--window-days',
      '--checkpoint',
      '--dry-run',
      '--json',
      '--region',
      '--profile',
      'Exit codes',
      'docs/migrate-to-lake.md',
    ])
      expect(help.out).toContain(word);
  });

  it.each([
    ['2026-02-30', '--from "2026-02-30" is not a UTC date'],
    ['2026-13-01', '--from "2026-13-01" is not a UTC date'],
    ['2026-01-01T06:00', '--from "2026-01-01T06:00" is not a UTC date'],
    ['2026-01-01T06:00+05:00', 'is not a UTC date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.sss]]Z'],
    ['01/02/2026', '--from "01/02/2026" is not a UTC date'],
  ])('refuses --from %s with exit 2 and a clear message', async (from, message) => {
    const result = await run('--from', from, '--to', '2026-03-01', '--plant', 'p', ...NAMES);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });

  it('refuses a range that is empty or reversed, and a missing date', async () => {
    const same = await run('--from', '2026-03-01', '--to', '2026-03-01T00:00Z', '--plant', 'p', ...NAMES);
    expect(same.code).toBe(2);
    expect(same.err).toContain('--from 2026-03-01 must be before --to 2026-03-01T00:00Z');
    const missing = await run('--from', '2026-03-01', '--plant', 'p', ...NAMES);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--to is required');
  });

  it('needs --plant when no --state-table names the plants', async () => {
    const result = await run('--from', '2026-01-01', '--to', '2026-03-01', ...NAMES);
    expect(result.code).toBe(2);
    expect(result.err).toContain('name the plants: --plant ID (repeatable), or --state-table NAME');
  });

  it('needs the Timestream and lake names, and a window of 1 to 366 days', async () => {
    const base = ['--from', '2026-01-01', '--to', '2026-03-01', '--plant', 'p'];
    const noDatabase = await run(...base, ...NAMES.slice(2));
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.err).toContain('--timestream-database is required');
    const noStream = await run(...base, ...NAMES.slice(0, 6));
    expect(noStream.err).toContain('--readings-stream is required');
    for (const days of ['0', '367', '1.5', 'week']) {
      const bad = await run(...base, ...NAMES, '--window-days', days);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain(`--window-days must be a whole number from 1 to 366, not ${days}`);
    }
  });

  it('reads UTC dates and Z timestamps to the millisecond', () => {
    expect(parseUtc('from', '2026-01-01')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseUtc('from', '2026-01-01T06:30Z')).toBe(Date.parse('2026-01-01T06:30:00Z'));
    expect(parseUtc('from', '2024-02-29T23:59:59.5Z')).toBe(Date.parse('2024-02-29T23:59:59.500Z'));
    expect(() => parseUtc('to', '2025-02-29')).toThrow('--to "2025-02-29" is not a UTC date');
  });
});

/** Clients as `migrateClientsFrom` builds them, each stubbed on its instance (no class is mocked). */
function mockedClients() {
  const clients = migrateClientsFrom({ region: 'eu-central-1' });
  return {
    clients,
    timestream: mockClient(clients.timestream),
    dynamo: mockClient(clients.dynamodb),
    firehose: mockClient(clients.firehose),
  };
}

/** The command on its flags, as `wte migrate-to-lake` parses them, with the given clients. */
async function runWith(clients: MigrateClients, ...args: string[]) {
  const io = capture();
  const { values } = parseArgs({ args, options: MIGRATE_OPTIONS, strict: true });
  const code = await migrateToLakeCommand(io, values, clients);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('wte migrate-to-lake: runs', () => {
  it('builds its clients for --region and --profile, Firehose with one attempt (the writer retries)', async () => {
    const clients = migrateClientsFrom({ region: 'ap-south-1', profile: 'ops' });
    for (const client of [clients.timestream, clients.dynamodb, clients.firehose]) {
      expect(await client.config.region()).toBe('ap-south-1');
      expect(client.config.profile).toBe('ops');
    }
    expect(await clients.firehose.config.maxAttempts()).toBe(1);
    expect(await clients.timestream.config.maxAttempts()).toBe(3);
  });

  it('a corrupt checkpoint file stops the run before any query, naming the file', async () => {
    const { clients, timestream } = mockedClients();
    const path = tmpPath('checkpoint.json');
    writeFileSync(path, '{"schema": "something else"');
    const args = ['--from', '2026-01-01', '--to', '2026-01-15', '--plant', 'p'];
    await expect(runWith(clients, ...args, ...NAMES, '--checkpoint', path)).rejects.toThrow(
      `${path} is not JSON`,
    );
    expect(timestream.calls()).toHaveLength(0);
  });

  it('a dry run over every plant of the state table reads Timestream, writes nothing and prints the JSON summary', async () => {
    const { clients, dynamo, timestream, firehose } = mockedClients();
    dynamo.on(DynamoQueryCommand).resolves({
      Items: [plantItem(defaultPlantConfig('kz-ast-01')), plantItem(defaultPlantConfig('kz-ala-01'))],
    });
    timestream.on(QueryCommand).resolves({ Rows: [], ColumnInfo: [], QueryId: 'q' });
    const path = tmpPath('checkpoint.json');
    const result = await runWith(
      clients,
      ...['--from', '2026-01-01', '--to', '2026-01-15', '--state-table', 'wte-state'],
      ...NAMES,
      ...['--checkpoint', path, '--dry-run', '--json'],
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as Record<string, unknown>;
    expect(report).toMatchObject({
      status: 'complete',
      dryRun: true,
      plants: ['kz-ala-01', 'kz-ast-01'],
      windowsPerPlant: 2,
      readings: 0,
      queries: 2 * 2 * (METRIC_NAMES.length + 1),
    });
    expect(dynamo.commandCalls(DynamoQueryCommand)[0]?.args[0].input.TableName).toBe('wte-state');
    const queries = timestream.commandCalls(QueryCommand).map((c) => c.args[0].input.QueryString ?? '');
    expect(queries).toHaveLength(2 * 2 * (METRIC_NAMES.length + 1));
    expect(queries.every((q) => q.includes('"wte-db".'))).toBe(true);
    expect(firehose.calls()).toHaveLength(0);
    expect(result.err).toMatch(/^migrate-to-lake \(dry run: nothing is written\): 2 plants x 2 windows/);
  });
});

describe('lakeDestination', () => {
  it('writes every reading through the Firehose stream and those of the recent horizon to the recent table', async () => {
    const { clients, firehose, dynamo } = mockedClients();
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records.map((_, i) => ({ RecordId: `r${i}` })),
    }));
    dynamo.on(BatchWriteItemCommand).resolves({ UnprocessedItems: {} });
    dynamo.on(DynamoQueryCommand).resolves({ Items: [] });
    const now = Date.parse('2026-12-01T00:00:00Z');
    const destination = lakeDestination({
      firehose: clients.firehose,
      dynamodb: clients.dynamodb,
      readingsStream: 'wte-readings',
      movementsStream: 'wte-movements',
      recentTable: 'wte-recent',
      recentHorizonMs: 40 * 86_400_000,
      clock: { now: () => now },
    });
    const recentOne = reading({ ts: now - 86_400_000, value: 1 });
    const oldOne = reading({ ts: now - 90 * 86_400_000, value: 2 });
    const result = await destination.writeReadings([recentOne, oldOne]);
    expect(result).toEqual({ stored: 2, rejected: [] });
    const sent = firehose.commandCalls(PutRecordBatchCommand).flatMap((c) => c.args[0].input.Records ?? []);
    expect(firehose.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe(
      'wte-readings',
    );
    expect(sent).toHaveLength(2);
    const puts = dynamo
      .commandCalls(BatchWriteItemCommand)
      .flatMap((c) => Object.entries(c.args[0].input.RequestItems ?? {}));
    expect(puts.map(([table]) => table)).toEqual(['wte-recent']);
    // One pack, of the day within the horizon only (sort key `<UTC day>#<hash>`).
    const days = puts.flatMap(([, requests]) => requests.map((r) => r.PutRequest?.Item?.sk?.S?.slice(0, 10)));
    expect(days).toEqual(['2026-11-30']);
  });
});
