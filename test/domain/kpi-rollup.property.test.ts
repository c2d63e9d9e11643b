/**
 * The rollup's promise, as a property: whatever the counter series (resets,
 * BAD and UNCERTAIN readings, duplicates at one instant), whatever order and
 * lateness the data arrives in and whichever touched slots the scheduled job
 * has re-rolled so far, KPIs from slot summaries (rolled-up where current,
 * from raw readings elsewhere) are identical, to the last bit, to the KPIs
 * computeKpisForBuckets computes from the raw readings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketsAlignWithSlots,
  computeKpisFromSlots,
  type KpiSlot,
  lastReadingsBefore,
  SLOT_MS,
  seriesOf,
  slotStartOf,
  slotStartsIn,
  summarizeSlots,
} from '../../lambdas/domain/kpi-rollup.ts';
import {
  computeKpisForBuckets,
  KPI_COUNTER_METRICS,
  type KpiCounterMetric,
  type KpiReading,
  kpiBuckets,
} from '../../lambdas/domain/kpis.ts';
import { QUALITIES } from '../../lambdas/domain/telemetry.ts';
import { DAY_MS, HOUR_MS } from '../../lambdas/domain/time.ts';

const ZONES = [
  'Asia/Almaty',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Europe/Berlin',
  'Pacific/Chatham',
];
const LINES = ['boiler-1', 'boiler-2', 'turbine'];
/** Around the March DST changes of the northern zones and the April ones of the southern. */
const EPOCH = Date.parse('2026-03-27T00:00:00Z');
const LOOKBACK_MS = DAY_MS;

interface Sent {
  readonly reading: KpiReading;
  /** Delivery batch: later batches are late data and corrections. */
  readonly batch: number;
}

/** Meter-like amounts: three decimals (as gateways send them) or arbitrary doubles, in [0, max). */
const amount = (max: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: max * 1000 }).map((n) => n / 1000),
    fc.integer({ min: 0, max: 2 ** 30 }).map((n) => (n / 2 ** 30) * max),
  );

const series = fc.record({
  line: fc.constantFrom(...LINES),
  metric: fc.constantFrom(...KPI_COUNTER_METRICS),
});

/**
 * A totalizer: increments with decimals, occasional resets, some non-GOOD
 * readings, at irregular times from up to 1.5 days before the range's start.
 */
const counterSeries = fc
  .record({
    id: series,
    start: fc.integer({ min: -1.5 * DAY_MS, max: DAY_MS }),
    steps: fc.array(
      fc.record({
        gap: fc.oneof(fc.integer({ min: 1, max: 20 * 60_000 }), fc.integer({ min: 1, max: 3 * HOUR_MS })),
        increase: amount(500),
        reset: fc.integer({ min: 0, max: 14 }),
        quality: fc.constantFrom(...QUALITIES, 'GOOD', 'GOOD', 'GOOD'),
        batch: fc.integer({ min: 0, max: 4 }),
      }),
      { minLength: 3, maxLength: 60 },
    ),
    initial: amount(1e7),
  })
  .map(({ id, start, steps, initial }): Sent[] => {
    let ts = start;
    let value = initial;
    return steps.map((s) => {
      ts += s.gap;
      value = s.reset === 0 ? s.increase : value + s.increase;
      return { reading: { ...id, ts, value, quality: s.quality }, batch: s.batch };
    });
  });

/** Corrections: another value or quality for an instant already sent, in a later batch. */
const corrections = fc.array(
  fc.record({
    pick: fc.nat(),
    value: amount(1e7),
    quality: fc.constantFrom(...QUALITIES),
    batch: fc.integer({ min: 1, max: 5 }),
  }),
  { maxLength: 6 },
);

const key = (r: KpiReading) => `${r.line}|${r.metric}|${r.ts}`;

describe('KPIs from the rollup equal KPIs from raw readings', () => {
  it('for random series, late data, corrections and partial re-rolls', () => {
    fc.assert(
      fc.property(
        fc.array(counterSeries, { minLength: 1, maxLength: 6 }),
        corrections,
        fc.constantFrom(...ZONES),
        fc.constantFrom('1h' as const, '1d' as const),
        fc.integer({ min: 0, max: 5 * DAY_MS }),
        fc.integer({ min: 1, max: 2 * DAY_MS }),
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        (all, fixes, zone, interval, offset, length, rollDecisions) => {
          // Series times are relative to the range's start.
          const sent = all
            .flat()
            .map((s) => ({ ...s, reading: { ...s.reading, ts: s.reading.ts + EPOCH + offset } }));
          for (const fix of fixes) {
            const target = sent[fix.pick % Math.max(sent.length, 1)];
            if (target)
              sent.push({
                reading: { ...target.reading, value: fix.value, quality: fix.quality },
                batch: Math.max(fix.batch, target.batch + 1),
              });
          }

          // The store: one reading per (series, instant), the latest delivered wins. The rollup: every
          // batch marks the slots it touches; after each batch the job re-rolls some marked slots.
          const store = new Map<string, KpiReading>();
          const rolled = new Map<number, KpiSlot>();
          const dirty = new Set<number>();
          let decision = 0;
          for (let batch = 0; batch <= 5; batch++) {
            for (const { reading } of sent.filter((s) => s.batch === batch)) {
              store.set(key(reading), reading);
              dirty.add(slotStartOf(reading.ts));
              rolled.delete(slotStartOf(reading.ts));
            }
            for (const slot of [...dirty].sort((a, b) => a - b)) {
              if (!rollDecisions[decision++ % rollDecisions.length]) continue;
              const summaries = summarizeSlots([...store.values()].filter((r) => slotStartOf(r.ts) === slot));
              rolled.set(slot, summaries[0] ?? { start: slot, series: [] });
              dirty.delete(slot);
            }
          }
          const stored = [...store.values()];

          const buckets = kpiBuckets(interval, zone, EPOCH + offset, EPOCH + offset + length);
          const first = buckets[0];
          const last = buckets.at(-1);
          if (!first || !last) return;
          expect(bucketsAlignWithSlots(buckets)).toBe(true);
          const now = EPOCH + 3 * DAY_MS;
          const windowStart = first.start - LOOKBACK_MS;

          // Raw: the range's readings plus each series' last GOOD reading in the lookback (readLastBefore).
          const lastBefore = new Map<string, KpiReading>();
          for (const r of stored) {
            if (r.quality !== 'GOOD' || r.ts < windowStart || r.ts >= first.start) continue;
            const id = `${r.line}|${r.metric}`;
            if ((lastBefore.get(id)?.ts ?? Number.NEGATIVE_INFINITY) < r.ts) lastBefore.set(id, r);
          }
          const inRange = stored.filter((r) => r.ts >= first.start && r.ts < last.end);
          const raw = computeKpisForBuckets(buckets, now, [...lastBefore.values(), ...inRange], []);

          // Rollup: current slots from the rollup, slots never touched are empty, the rest from raw readings.
          const slots = new Map<number, KpiSlot>();
          const fromRaw = (starts: readonly number[]) => {
            for (const start of starts) {
              const [summary] = summarizeSlots(stored.filter((r) => slotStartOf(r.ts) === start));
              slots.set(start, summary ?? { start, series: [] });
            }
          };
          for (const start of slotStartsIn(windowStart, last.end)) {
            const current = rolled.get(start);
            if (current) slots.set(start, current);
            else if (!dirty.has(start)) slots.set(start, { start, series: [] });
          }
          const range = slotStartsIn(first.start, last.end);
          fromRaw(range.filter((start) => !slots.has(start)));
          const needed = seriesOf(range.flatMap((start) => slots.get(start) ?? []));
          const pass = lastReadingsBefore(slots, needed, first.start, windowStart);
          fromRaw(pass.unknown);
          const final = lastReadingsBefore(slots, needed, first.start, windowStart);
          expect(final.unknown).toEqual([]);

          const fromSlots = computeKpisFromSlots(
            buckets,
            now,
            { before: final.before, slots: range.flatMap((start) => slots.get(start) ?? []) },
            [],
          );
          expect(fromSlots).toEqual(raw);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('sees steps in most runs (the generator is not trivial)', () => {
    const sample = fc.sample(fc.array(counterSeries, { minLength: 1, maxLength: 5 }), {
      numRuns: 100,
      seed: 7,
    });
    const withSteps = sample.filter(
      (all) => all.flat().filter((s) => s.reading.quality === 'GOOD').length > 3,
    );
    expect(withSteps.length).toBeGreaterThan(60);
    const resets = sample
      .flat(2)
      .filter((s, i, arr) => i > 0 && s.reading.value < (arr[i - 1]?.reading.value ?? 0));
    expect(resets.length).toBeGreaterThan(10);
    expect(SLOT_MS).toBe(900_000);
    expect((KPI_COUNTER_METRICS as readonly KpiCounterMetric[]).length).toBe(4);
  });
});
