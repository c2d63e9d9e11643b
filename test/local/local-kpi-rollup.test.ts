/**
 * Local mode keeps the KPI rollup as AWS does (lambdas/local/local-kpi-rollup.ts):
 * the rollup table on dynalite, the processor's marks, the job, and KPI reads
 * through readKpiCounterSlots over the real DuckDB store. The raw reads are
 * counted through a wrapper of that store's reads: a year of KPIs reads raw
 * only the slots not rolled up yet, and answers what the raw path answers.
 */

import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbMetricsStore, type MetricsReads } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { DynamoKpiRollupStore } from '../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import { loadKpis } from '../../lambdas/app/kpi-query.ts';
import { SLOT_MS } from '../../lambdas/domain/kpi-rollup.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import {
  LOCAL_KPI_ROLLUP_TABLE,
  LOCAL_SETTLE_POLICY,
  READY_FILE,
  startLocalKpiRollup,
} from '../../lambdas/local/local-kpi-rollup.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { fleetQueueBodies } from '../support/fleet-queue.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

const START = Date.parse('2026-03-02T19:00:00Z');
const DAY = 86_400_000;
const YEAR_START = Date.parse('2025-12-31T19:00:00Z'); // 2026-01-01 in Asia/Almaty (UTC+5)
const YEAR_END = Date.parse('2026-12-31T19:00:00Z');
const ZONE = 'Asia/Almaty';

/** The store's reads, counting what each raw read returns, per kind. */
function counting(reads: MetricsReads) {
  const log: Array<{ kind: string; from: number; to: number; items: number }> = [];
  const note =
    <T>(kind: string, from: number, to: number) =>
    (items: T[]): T[] => {
      log.push({ kind, from, to, items: items.length });
      return items;
    };
  const wrapped: MetricsReads = {
    ...reads,
    readReadings: (q) => reads.readReadings(q).then(note('readings', q.from, q.to)),
    readLastBefore: (p, m, before) => reads.readLastBefore(p, m, before).then(note('lastBefore', 0, before)),
    readMovements: (p, from, to) => reads.readMovements(p, from, to).then(note('movements', from, to)),
    readCounterReadings: (p, from, to) =>
      reads.readCounterReadings(p, from, to).then(note('counters', from, to)),
  };
  return { wrapped, log };
}

let dynalite: RunningDynalite;
let dataDir: string;
beforeAll(async () => {
  dynalite = await startDynalite();
  dataDir = await mkdtemp(join(tmpdir(), 'wte-local-rollup-'));
});
afterAll(async () => {
  await dynalite.close();
  await rm(dataDir, { recursive: true, force: true });
});

let sqs = 0;
const event = (bodies: readonly string[]): SQSEvent => ({
  Records: bodies.map((body) => ({ messageId: `sqs-${++sqs}`, body }) as SQSRecord),
});

describe('local mode KPI rollup', () => {
  it('answers a year from the rollup, reading raw only the slots not rolled up yet, as the raw path does', async () => {
    const clock = new FixedClock(START + 3 * DAY);
    const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
    await createStateTable(dynalite.client, 'local-rollup-state');
    const state = new DynamoStateStore({ client: dynalite.client, tableName: 'local-rollup-state' });
    const bodies = fleetQueueBodies({
      plants: 1,
      start: START,
      durationMs: 2 * DAY,
      intervalMs: 600_000,
      seed: 4,
    });
    const plantId = 'kz-ast-01';

    // a data directory written before local mode kept the rollup: nothing marked
    const unmarked = makeProcessorHandler({
      metrics,
      state,
      ledger: metrics,
      rejections: new MemoryRejections(),
    });
    for (let i = 0; i < bodies.length - 1; i += 50)
      await unmarked(event(bodies.slice(i, Math.min(i + 50, bodies.length - 1))));

    const { wrapped, log } = counting(metrics.queries());
    const store = {
      queries: () => wrapped,
      tableQueries: () => wrapped,
      kpiSlotsWithData: () => metrics.kpiSlotsWithData(),
    };
    const rollup = await startLocalKpiRollup({
      client: dynalite.client,
      dataDir,
      metrics: store,
      clock,
      log: () => {},
      intervalMs: 3_600_000,
    });
    try {
      // the first start marked every slot holding data; once settled, one run rolls them all up
      clock.current += LOCAL_SETTLE_POLICY.settleMs;
      expect(await rollup.run()).toMatchObject({ pending: 192, rolled: 192 });
      // the last message arrives late, after the run: its slots are marked and not rolled up yet
      const marked = makeProcessorHandler({
        metrics,
        state,
        ledger: metrics,
        rejections: new MemoryRejections(),
        kpiSlots: rollup.marker,
      });
      await marked(event(bodies.slice(-1)));
      const table = new DynamoKpiRollupStore({
        client: dynalite.client,
        tableName: LOCAL_KPI_ROLLUP_TABLE,
        clock,
      });
      const lateSlots = new Set((await table.pendingSlots(Number.MAX_SAFE_INTEGER, 100)).map((p) => p.start));
      expect(lateSlots.size).toBeGreaterThan(0);

      log.length = 0;
      const year = await loadKpis(rollup.reads, plantId, '1y', ZONE, YEAR_START, YEAR_END, clock.now());
      // raw reads: only counters and tickets, only of the late slots (no per-metric scans, no look back)
      expect(log.map((r) => r.kind).sort()).toEqual(['counters', 'movements']);
      for (const read of log) expect(lateSlots.has(read.from) && lateSlots.has(read.to - SLOT_MS)).toBe(true);
      const rawItems = log.reduce((n, r) => n + r.items, 0);
      // against the raw path, which scans the year
      log.length = 0;
      const { readKpiCounterSlots: _, ...plain } = rollup.reads;
      const raw = await loadKpis(plain, plantId, '1y', ZONE, YEAR_START, YEAR_END, clock.now());
      expect(year).toEqual(raw);
      expect(year[0]?.received_t).toBeGreaterThan(0);
      expect(year[0]?.fed_t).toBeGreaterThan(0);
      const scanned = log.reduce((n, r) => n + r.items, 0);
      expect(rawItems * 20).toBeLessThan(scanned);

      // the next run rolls up the late slots: a year then reads nothing raw
      clock.current += LOCAL_SETTLE_POLICY.settleMs;
      await rollup.run();
      log.length = 0;
      expect(await loadKpis(rollup.reads, plantId, '1y', ZONE, YEAR_START, YEAR_END, clock.now())).toEqual(
        raw,
      );
      expect(log.filter((r) => r.kind !== 'counters' && r.kind !== 'movements')).toEqual([]);
      expect(log.filter((r) => r.kind === 'counters' || r.kind === 'movements')).toEqual([]);
    } finally {
      await rollup.close();
      await metrics.close();
    }
    // marked once: later starts find the file and mark nothing again
    await expect(access(join(dataDir, READY_FILE))).resolves.toBeUndefined();
  }, 60_000);
});
