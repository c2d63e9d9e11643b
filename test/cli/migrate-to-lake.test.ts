/**
 * `wte migrate-to-lake`, the core, from a real TimestreamMetricsReader (on the
 * query fake, over what the real Timestream writer stored) into a real
 * DuckDbMetricsStore: same answers afterwards, resumable, harmless to repeat,
 * refusals reported, dry runs write nothing. Command-level checks are in
 * migrate-to-lake-command.test.ts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type QueryCommand,
  ThrottlingException,
  type TimestreamQueryClient,
} from '@aws-sdk/client-timestream-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileCheckpoint } from '../../cli/migrate-checkpoint.ts';
import {
  type MigrationDeps,
  type MigrationDestination,
  type MigrationPlan,
  migrateToLake,
} from '../../cli/migrate-to-lake.ts';
import { formatMigrationReport, migrationExitCode } from '../../cli/migrate-to-lake-report.ts';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import type { TimestreamMetricsReader } from '../../lambdas/adapters/timestream-query/timestream-metrics-reader.ts';
import { loadKpis } from '../../lambdas/app/kpi-query.ts';
import { METRIC_NAMES } from '../../lambdas/domain/catalog.ts';
import { movementKey, readingKey } from '../../lambdas/domain/identity.ts';
import type { StoredMovement, StoredReading } from '../../lambdas/domain/ports.ts';
import { makeReader } from '../adapters/timestream-query/fixtures.ts';
import { TimestreamQueryFake } from '../adapters/timestream-query/timestream-query-fake.ts';
import { FixedClock } from '../support/memory-ports.ts';
import {
  CORRECTED_AT,
  DAY,
  END,
  NOW,
  PLANTS,
  type SeededHistory,
  START,
  seedHistory,
} from './migrate-history.ts';

let history: SeededHistory;
let fake: TimestreamQueryFake;
let source: TimestreamMetricsReader;
const stores: DuckDbMetricsStore[] = [];

beforeAll(async () => {
  history = await seedHistory();
  fake = new TimestreamQueryFake({
    tables: {
      readings: history.writeFake.records('readings'),
      movements: history.writeFake.records('movements'),
    },
    pageSize: 250,
    seed: 3,
  });
  source = makeReader(fake.client);
}, 60_000);

afterAll(async () => {
  fake.restore();
  history.writeFake.restore();
  for (const store of stores) await store.close();
});

async function lake(): Promise<DuckDbMetricsStore> {
  const store = await DuckDbMetricsStore.open({ path: ':memory:', clock: new FixedClock(NOW) });
  stores.push(store);
  return store;
}

function checkpointPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'wte-migrate-')), 'checkpoint.json');
}

const PLAN: MigrationPlan = {
  plants: [...PLANTS],
  from: START,
  to: END,
  windowDays: 7,
  dryRun: false,
  chunkSize: 97,
};

function deps(
  overrides: Partial<MigrationDeps> & Pick<MigrationDeps, 'destination'>,
  path = checkpointPath(),
) {
  const progress: string[] = [];
  const delays: number[] = [];
  return {
    progress,
    delays,
    deps: {
      source,
      checkpoint: fileCheckpoint(path),
      progress: (line: string) => progress.push(line),
      sleep: async (ms: number) => {
        delays.push(ms);
      },
      random: () => 0.5,
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 150 },
      ...overrides,
    } satisfies MigrationDeps,
  };
}

/** Every reading and ticket of the range, read back through a store's public reads. */
async function contents(store: Pick<DuckDbMetricsStore, 'readReadings' | 'readMovements'>) {
  const readings: StoredReading[] = [];
  const movements: StoredMovement[] = [];
  for (const plantId of PLANTS) {
    for (const metric of METRIC_NAMES)
      readings.push(...(await store.readReadings({ plantId, metric, from: START, to: END })));
    movements.push(...(await store.readMovements(plantId, START, END)));
  }
  return { readings, movements };
}

/** A destination that counts how often each identity and version was written. */
function counting(store: MigrationDestination) {
  const writes = new Map<string, number>();
  const count = (key: string) => writes.set(key, (writes.get(key) ?? 0) + 1);
  const destination: MigrationDestination = {
    writeReadings: (items) => {
      for (const r of items) count(`${readingKey(r)}#${r.version}`);
      return store.writeReadings(items);
    },
    writeMovements: (items) => {
      for (const m of items) count(`${movementKey(m)}#${m.version}`);
      return store.writeMovements(items);
    },
  };
  return { destination, writes };
}

describe('migrate-to-lake from the Timestream reader into a DuckDB store', () => {
  let migrated: DuckDbMetricsStore;
  let first: Awaited<ReturnType<typeof migrateToLake>>;

  beforeAll(async () => {
    migrated = await lake();
    const { deps: d } = deps({ destination: migrated });
    first = await migrateToLake(PLAN, d);
  }, 60_000);

  it('moves every reading and ticket of the range, and the lake then answers what Timestream answers', async () => {
    expect(first.status).toBe('complete');
    expect(migrationExitCode(first)).toBe(0);
    const fromSource = await contents(source);
    const fromLake = await contents(migrated);
    expect(fromSource.readings.length).toBeGreaterThan(2_000);
    expect(fromLake).toEqual(fromSource);
    expect(first.readings).toBe(fromSource.readings.length);
    expect(first.movements).toBe(fromSource.movements.length);
    expect(first.refused.count).toBe(0);
    // 2 plants x 3 windows x (23 metrics + movements), one read each
    expect(first.queries).toBe(2 * 3 * (METRIC_NAMES.length + 1));
    expect(first.estimate.queries).toBe(first.queries);
  });

  it('answers identical hour and day KPIs in two time zones, across the counter reset and the late day', async () => {
    for (const [plantId, zone] of [
      [PLANTS[0], 'Asia/Almaty'],
      [PLANTS[1], 'Asia/Kolkata'],
    ] as const)
      for (const interval of ['1h', '1d'] as const) {
        const expected = await loadKpis(source, plantId, interval, zone, START, END, NOW);
        expect(expected.some((p) => p.fed_t > 0)).toBe(true);
        expect(await loadKpis(migrated, plantId, interval, zone, START, END, NOW)).toEqual(expected);
      }
  });

  it('keeps versions: corrections stay corrections, the moved ticket moves once, with its latest version', async () => {
    for (const c of history.corrected) {
      const [stored] = await migrated.readReadings({
        plantId: c.plantId,
        metric: c.metric,
        from: c.ts,
        to: c.ts + 1,
        line: c.line,
      });
      expect(stored).toMatchObject({
        value: Number(c.value.toPrecision(12)),
        quality: c.quality,
        correction: true,
        version: c.version,
      });
    }
    const tickets = await migrated.readMovements(history.movedTicket.plantId, START, END);
    expect(tickets.filter((t) => t.ticketId === history.movedTicket.ticketId)).toEqual([history.movedTicket]);
    expect(tickets.filter((t) => t.version > CORRECTED_AT)).toHaveLength(2);
    // nothing outside [from, to)
    for (const r of history.outside)
      expect(
        await migrated.readReadings({ plantId: r.plantId, metric: r.metric, from: r.ts, to: r.ts + 1 }),
      ).toEqual([]);
  });

  it('is harmless to run again over the same store: same contents, exact copies only', async () => {
    const again = await migrateToLake(PLAN, deps({ destination: migrated }).deps);
    expect(again.status).toBe('complete');
    expect(again.refused.count).toBe(0);
    expect(again.readings).toBe(first.readings);
    expect(await contents(migrated)).toEqual(await contents(source));
  });

  it('does nothing again once its checkpoint says done', async () => {
    const path = checkpointPath();
    const store = await lake();
    await migrateToLake(PLAN, deps({ destination: store }, path).deps);
    const requests = fake.requests.length;
    const rerun = await migrateToLake(PLAN, deps({ destination: store }, path).deps);
    expect(rerun).toMatchObject({
      status: 'complete',
      windowsDone: 0,
      windowsSkipped: 6,
      queries: 0,
      readings: 0,
    });
    expect(rerun.totals).toMatchObject({ readings: first.readings, movements: first.movements });
    expect(fake.requests.length).toBe(requests);
  });

  it('dry run: counts what would move and the cost, writes nothing, leaves no checkpoint', async () => {
    const path = checkpointPath();
    const refuse = () => Promise.reject(new Error('a dry run must not write'));
    const dry = await migrateToLake(
      { ...PLAN, dryRun: true },
      deps({ destination: { writeReadings: refuse, writeMovements: refuse } }, path).deps,
    );
    expect(dry).toMatchObject({
      status: 'complete',
      dryRun: true,
      readings: first.readings,
      movements: first.movements,
      queries: first.queries,
    });
    expect(dry.totals).toBeUndefined();
    // queries x 4 TCU x 30 s at $0.50 per TCU-hour; each record billed 5 KB at $0.029 per GB
    expect(dry.estimate.timestreamMinimumUsd).toBeCloseTo((dry.queries * 4 * 30 * 0.5) / 3600, 10);
    expect(dry.firehoseUsd).toBeCloseTo(((dry.readings + dry.movements) * 5120 * 0.029) / 1024 ** 3, 12);
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });
});

describe('an interrupted migration resumes from its checkpoint', () => {
  it('stops after bounded retries with the checkpoint intact, then finishes with the same contents, rewriting only the interrupted window', async () => {
    const path = checkpointPath();
    const store = await lake();
    const { destination, writes } = counting(store);
    // Timestream throttles every query of plant kz-ast-01's second window after its tenth.
    const secondWindow = `time >= from_milliseconds(${START + 7 * DAY})`;
    let seen = 0;
    let outage = true;
    const flaky = {
      send: (command: QueryCommand) => {
        const text = command.input.QueryString ?? '';
        if (
          outage &&
          command.input.NextToken === undefined &&
          text.includes("'kz-ast-01'") &&
          text.includes(secondWindow) &&
          ++seen > 10
        )
          return Promise.reject(
            new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }),
          );
        return fake.client.send(command);
      },
    } as unknown as TimestreamQueryClient;
    const flakySource = makeReader(flaky);

    const run1 = deps({ destination, source: flakySource }, path);
    const stopped = await migrateToLake(PLAN, run1.deps);
    expect(stopped.status).toBe('stopped');
    expect(migrationExitCode(stopped)).toBe(3);
    expect(formatMigrationReport(stopped)).toMatch(
      /stopped at {2}kz-ast-01 window 2026-09-08T00:00:00.000Z: UnavailableError: .*\n.*run the same command again to resume/,
    );
    expect(stopped.stoppedAt).toEqual({
      plantId: 'kz-ast-01',
      windowStart: new Date(START + 7 * DAY).toISOString(),
    });
    expect(stopped.error).toMatch(/^UnavailableError: .*ThrottlingException/);
    // bounded: 3 attempts, so 2 backoffs, each within its capped ceiling
    expect(run1.delays).toEqual([50, 75]);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { last: unknown; done: boolean };
    expect(saved).toMatchObject({
      done: false,
      last: { plantId: 'kz-ast-01', windowStart: new Date(START).toISOString() },
    });

    outage = false;
    const requestsBefore = fake.requests.length;
    const resumed = await migrateToLake(PLAN, deps({ destination, source: flakySource }, path).deps);
    expect(resumed).toMatchObject({ status: 'complete', windowsSkipped: 4, windowsDone: 2 });
    // only the two windows left were read: 2 x 24 reads (each 1 to 3 query runs as columns are discovered)
    expect(resumed.queries).toBe(2 * (METRIC_NAMES.length + 1));
    const runs = fake.requests.slice(requestsBefore).map((r) => r.QueryString ?? '');
    expect(runs.length).toBeGreaterThanOrEqual(resumed.queries);
    expect(runs.every((q) => q.includes("'kz-ast-01'"))).toBe(true);
    expect(
      runs.some((q) =>
        q.includes(`time >= from_milliseconds(${START}) AND time < from_milliseconds(${START + 7 * DAY})`),
      ),
    ).toBe(false);

    expect(await contents(store)).toEqual(await contents(source));
    // each identity was written once, except the interrupted window's, at most twice
    const window = [START + 7 * DAY, START + 14 * DAY];
    let twice = 0;
    for (const r of (await contents(store)).readings) {
      const n = writes.get(`${readingKey(r)}#${r.version}`);
      const interrupted =
        r.plantId === 'kz-ast-01' && r.ts >= (window[0] as number) && r.ts < (window[1] as number);
      if (interrupted) {
        expect(n === 1 || n === 2).toBe(true);
        if (n === 2) twice++;
      } else expect(n).toBe(1);
    }
    expect(twice).toBeGreaterThan(0);
    // the totals count completed windows, so the partial window is not counted twice
    expect(resumed.totals?.readings).toBe((await contents(store)).readings.length);
    expect(stopped.readings + resumed.readings).toBeGreaterThan(resumed.totals?.readings ?? 0);
  });

  it('refuses a checkpoint of another run, naming both', async () => {
    const path = checkpointPath();
    const store = await lake();
    await migrateToLake(
      { ...PLAN, plants: [PLANTS[0]], to: START + 7 * DAY },
      deps({ destination: store }, path).deps,
    );
    await expect(migrateToLake(PLAN, deps({ destination: store }, path).deps)).rejects.toThrow(
      /belongs to another run .*--window-days and plants to resume, or name another --checkpoint/,
    );
  });
});

describe('refusals of the destination', () => {
  it('are counted and reported with the item and the store reason; the rest moves, and the exit code says so', async () => {
    const store = await lake();
    // The lake already holds a different value for a reading the migration brings with the same version.
    const [victim] = await source.readReadings({
      plantId: PLANTS[1],
      metric: 'co',
      from: START,
      to: START + DAY,
    });
    if (victim === undefined) throw new Error('seed has no co reading');
    expect((await store.writeReadings([{ ...victim, value: victim.value + 1 }])).rejected).toEqual([]);
    const report = await migrateToLake(PLAN, deps({ destination: store }).deps);
    expect(report.status).toBe('complete');
    expect(report.refused).toEqual({ count: 1, byKind: { conflict: 1 } });
    expect(report.refusedSamples).toEqual([
      {
        item: `reading kz-ala-01/stack/co ts ${new Date(victim.ts).toISOString()} version 1`,
        kind: 'conflict',
        reason: expect.stringMatching(/.+/),
      },
    ]);
    expect(report.totals?.refused).toBe(1);
    expect(migrationExitCode(report)).toBe(1);
    const summary = formatMigrationReport(report);
    expect(summary).toContain('refused     1 (conflict 1)');
    expect(summary).toContain(
      `  refused conflict: reading kz-ala-01/stack/co ts ${new Date(victim.ts).toISOString()} version 1: `,
    );
    expect((await contents(store)).readings).toHaveLength(report.readings);
  });
});
