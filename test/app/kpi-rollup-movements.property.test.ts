/**
 * The rollup's promise with tickets, as a property, through the real read
 * path (kpi-query.ts, kpi-counter-slots.ts) and the real job
 * (rollUpPendingSlots): whatever counter readings and weighbridge tickets,
 * shuffled, redelivered (the same reading or ticket again), corrected (a
 * ticket's tonnage and slot changed) and chunked into batches, with the job
 * re-rolling some of the marked slots between batches, the KPIs from the
 * rollup (slot items where current, raw reads elsewhere) equal the KPIs of
 * the raw path to the last bit, for days, months and years.
 *
 * The store and the rollup table are in-memory fakes of their ports (the
 * real ones are tested against DuckDB, the Timestream fake and dynalite).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RAW_RANGES, readKpiCounterSlots } from '../../lambdas/app/kpi-counter-slots.ts';
import { type KpiSource, loadKpis, rollUpPendingSlots } from '../../lambdas/app/kpi-query.ts';
import type { MovementParts } from '../../lambdas/domain/kpi-movement-slots.ts';
import {
  type KpiRollupReader,
  type KpiRollupWriter,
  type KpiSlot,
  type KpiSlotMarker,
  type PendingSlot,
  type SeriesSlot,
  SLOT_MS,
  slotStartOf,
  type TouchedSlots,
  touchedKpiSlots,
} from '../../lambdas/domain/kpi-rollup.ts';
import { KPI_COUNTER_METRICS } from '../../lambdas/domain/kpis.ts';
import type { StoredMovement, StoredReading } from '../../lambdas/domain/ports.ts';
import { DAY_MS, HOUR_MS } from '../../lambdas/domain/time.ts';
import { FixedClock } from '../support/memory-ports.ts';
import { movement, reading } from '../support/stored-items.ts';

const PLANT = 'kz-ast-01';
const ZONE = 'Asia/Almaty';
const START = Date.parse('2026-01-30T19:00:00Z'); // 2026-01-31 00:00 in Almaty: days in two months
const LOOKBACK_MS = DAY_MS;

/** The metrics store: latest version of each reading and ticket, as every real store resolves them. */
class MemoryStore implements KpiSource {
  readonly readings = new Map<string, StoredReading>();
  readonly tickets = new Map<string, StoredMovement>();
  async readReadings(q: { plantId: string; metric: string; from: number; to: number }) {
    return [...this.readings.values()]
      .filter((r) => r.metric === q.metric && r.ts >= q.from && r.ts < q.to)
      .sort((a, b) => a.ts - b.ts);
  }
  async readLastBefore(_plantId: string, metric: string, before: number) {
    const last = new Map<string, StoredReading>();
    for (const r of this.readings.values())
      if (r.metric === metric && r.quality === 'GOOD' && r.ts < before && r.ts >= before - LOOKBACK_MS)
        if ((last.get(r.line)?.ts ?? -1) < r.ts) last.set(r.line, r);
    return [...last.values()];
  }
  async readMovements(_plantId: string, from: number, to: number) {
    return [...this.tickets.values()]
      .filter((m) => m.ts >= from && m.ts < to)
      .sort((a, b) => a.ts - b.ts || (a.ticketId < b.ticketId ? -1 : 1));
  }
  async readCounterReadings(_plantId: string, from: number, to: number) {
    return [...this.readings.values()].filter(
      (r) => (KPI_COUNTER_METRICS as string[]).includes(r.metric) && r.ts >= from && r.ts < to,
    );
  }
}

/** The rollup table: generations per slot, a summary current only for the generation it was read at. */
class MemoryRollup implements KpiSlotMarker, KpiRollupWriter, KpiRollupReader {
  readonly items = new Map<number, { gen: number; rolled?: number; slot?: KpiSlot }>();
  async markTouched(touched: readonly TouchedSlots[]) {
    for (const { slotStarts } of touched)
      for (const start of slotStarts) {
        const item = this.items.get(start) ?? { gen: 0 };
        this.items.set(start, { ...item, gen: item.gen + 1 });
      }
  }
  async pendingSlots(_by: number, limit: number): Promise<PendingSlot[]> {
    return [...this.items]
      .filter(([, item]) => item.rolled !== item.gen)
      .slice(0, limit)
      .map(([start, item]) => ({ plantId: PLANT, start, generation: item.gen, settleAt: 0 }));
  }
  async saveSlot(slot: PendingSlot, series: readonly SeriesSlot[], movements?: MovementParts) {
    const item = this.items.get(slot.start);
    if (!item || item.gen !== slot.generation) return false;
    this.items.set(slot.start, {
      ...item,
      rolled: item.gen,
      slot: { start: slot.start, series, ...(movements ? { movements } : {}) },
    });
    return true;
  }
  async readRolledSlots(_plantId: string, from: number, to: number) {
    const slots = new Map<number, KpiSlot>();
    for (let start = from; start < to; start += SLOT_MS) {
      const item = this.items.get(start);
      if (!item) slots.set(start, { start, series: [], movements: [] });
      else if (item.rolled === item.gen && item.slot) slots.set(start, item.slot);
    }
    return slots;
  }
}

/** Tonnages as weighbridges print them (two decimals) or arbitrary doubles. */
const tonnes = fc.oneof(
  fc.integer({ min: 1, max: 40_000 }).map((n) => n / 100),
  fc.double({ min: 0.001, max: 60, noNaN: true }),
);
const at = fc.integer({ min: -6 * HOUR_MS, max: 3 * DAY_MS });

const ticket = fc.record({
  id: fc.integer({ min: 1, max: 40 }),
  ts: at,
  netTonnes: tonnes,
  kind: fc.constantFrom<Pick<StoredMovement, 'direction' | 'material' | 'destination'>>(
    { direction: 'in', material: 'mixed_waste' },
    { direction: 'out', material: 'bottom_ash', destination: 'landfill' },
    { direction: 'out', material: 'rejects', destination: 'landfill' },
    { direction: 'out', material: 'recyclables', destination: 'recycling' },
    { direction: 'out', material: 'metals', destination: 'recycling' },
    { direction: 'out', material: 'other', destination: 'storage' },
  ),
});

const counter = fc.record({
  metric: fc.constantFrom(...KPI_COUNTER_METRICS),
  line: fc.constantFrom('boiler-1', 'boiler-2'),
  ts: at,
  value: fc.oneof(
    fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 1000),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
  ),
  quality: fc.constantFrom('GOOD' as const, 'GOOD' as const, 'GOOD' as const, 'BAD' as const),
});

type Item = { kind: 'reading'; reading: StoredReading } | { kind: 'ticket'; movement: StoredMovement };

describe('KPIs from the rollup with tickets equal the raw path', () => {
  it('for random readings and tickets, shuffled, redelivered, corrected and chunked into batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(counter, { maxLength: 60 }),
        fc.array(ticket, { minLength: 1, maxLength: 50 }),
        fc.array(fc.nat(), { maxLength: 15 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        async (counters, tickets, redeliver, rollLimits, batches, seed) => {
          // A ticket id seen again is a correction (a higher version, maybe another slot).
          const versions = new Map<number, number>();
          const items: Item[] = [
            ...counters.map(
              (c): Item => ({
                kind: 'reading',
                reading: reading({
                  plantId: PLANT,
                  metric: c.metric,
                  line: c.line,
                  ts: START + c.ts,
                  value: c.value,
                  quality: c.quality,
                }),
              }),
            ),
            ...tickets.map((t): Item => {
              const version = (versions.get(t.id) ?? 0) + 1;
              versions.set(t.id, version);
              return {
                kind: 'ticket',
                movement: movement({
                  plantId: PLANT,
                  ticketId: `WB-${t.id}`,
                  ts: START + t.ts,
                  netTonnes: t.netTonnes,
                  version,
                  correction: version > 1,
                  ...t.kind,
                }),
              };
            }),
          ];
          for (const pick of redeliver) {
            const again = items[pick % items.length];
            if (again) items.push(again);
          }
          // Shuffled by the seed, then cut into batches.
          const order = items.map((item, i) => ({ item, key: Math.imul(i + 1, seed | 1) >>> 0 }));
          order.sort((a, b) => a.key - b.key);
          const store = new MemoryStore();
          const rollup = new MemoryRollup();
          const clock = new FixedClock(START + 4 * DAY_MS);
          const size = Math.ceil(order.length / batches);
          for (let b = 0; b * size < order.length; b++) {
            const batch = order.slice(b * size, (b + 1) * size).map((o) => o.item);
            // The processor: mark every reading's and ticket's slot, and where a correction moves a ticket from.
            const moved: StoredMovement[] = [];
            for (const item of batch) {
              if (item.kind !== 'ticket') continue;
              const stored = store.tickets.get(item.movement.ticketId);
              if (stored && stored.version < item.movement.version) moved.push(stored);
            }
            const marks = batch.map((i) => (i.kind === 'reading' ? i.reading : i.movement));
            await rollup.markTouched(touchedKpiSlots([...marks, ...moved]));
            for (const item of batch) {
              if (item.kind === 'reading') {
                const r = item.reading;
                store.readings.set(`${r.line}|${r.metric}|${r.ts}`, r);
              } else {
                const stored = store.tickets.get(item.movement.ticketId);
                if (!stored || stored.version < item.movement.version)
                  store.tickets.set(item.movement.ticketId, item.movement);
              }
            }
            // The job re-rolls some of the marked slots.
            await rollUpPendingSlots({
              rollup,
              readings: store,
              clock,
              limit: rollLimits[b % rollLimits.length] ?? 0,
            });
          }

          const rolled: KpiSource = {
            ...bind(store),
            readKpiCounterSlots: (plantId, from, to) =>
              readKpiCounterSlots(
                {
                  rollup,
                  readCounterReadings: (p, f, t) => store.readCounterReadings(p, f, t),
                  readMovements: (p, f, t) => store.readMovements(p, f, t),
                  lookbackMs: LOOKBACK_MS,
                  maxRawRanges: DEFAULT_MAX_RAW_RANGES,
                },
                plantId,
                from,
                to,
              ),
          };
          const now = clock.now();
          const end = START + 3 * DAY_MS;
          for (const interval of ['1d', '1mo', '1y'] as const) {
            const raw = await loadKpis(bind(store), PLANT, interval, ZONE, START, end, now);
            expect(await loadKpis(rolled, PLANT, interval, ZONE, START, end, now)).toEqual(raw);
          }
          // once every marked slot is rolled up, tickets and counters come from the rollup alone
          await rollUpPendingSlots({ rollup, readings: store, clock });
          const reference = await loadKpis(bind(store), PLANT, '1y', ZONE, START, end, now);
          let rawReads = 0;
          const { readMovements, readCounterReadings } = store;
          store.readMovements = (...args) => {
            rawReads++;
            return readMovements.apply(store, args);
          };
          store.readCounterReadings = (...args) => {
            rawReads++;
            return readCounterReadings.apply(store, args);
          };
          expect(await loadKpis(rolled, PLANT, '1y', ZONE, START, end, now)).toEqual(reference);
          expect(rawReads).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('puts tickets of several kinds into slots in most runs (the generator is not trivial)', () => {
    const sample = fc.sample(fc.array(ticket, { minLength: 1, maxLength: 50 }), { numRuns: 50, seed: 3 });
    expect(sample.filter((t) => new Set(t.map((x) => x.kind.material)).size >= 3).length).toBeGreaterThan(15);
    expect(
      sample.filter((t) => new Set(t.map((x) => slotStartOf(START + x.ts))).size > 5).length,
    ).toBeGreaterThan(15);
  });
});

/** The store's reads as plain functions (the raw path: no readKpiCounterSlots). */
function bind(store: MemoryStore): KpiSource {
  return {
    readReadings: (q) => store.readReadings(q),
    readLastBefore: (p, m, before) => store.readLastBefore(p, m, before),
    readMovements: (p, f, t) => store.readMovements(p, f, t),
  };
}
