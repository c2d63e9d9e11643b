/**
 * The ledger rule's former ts (domain/ticket-ledger.ts): whatever order the
 * versions of a ticket arrive in, redeliveries included, the ledger keeps
 * every ts the ticket held except its current one (the KPI slots a
 * correction moved it out of), at most MAX_FORMER_TS of them, the most
 * recently left; and every later outcome about the ticket tells them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerOutcome, StoredMovement } from '../../lambdas/domain/ports.ts';
import { formerTsAfter, judgeTicket, MAX_FORMER_TS } from '../../lambdas/domain/ticket-ledger.ts';
import { MINUTE, movement, NOW } from '../support/stored-items.ts';

interface Held {
  movement: StoredMovement;
  formerTs: readonly number[];
}

/** Applies deliveries in order as a ledger does; what it holds, every outcome, and each ts it held in turn. */
function apply(deliveries: readonly StoredMovement[]) {
  let held: Held | undefined;
  const outcomes: LedgerOutcome[] = [];
  const heldTs: number[] = [];
  for (const m of deliveries) {
    const decision = judgeTicket(m, held?.movement, held?.formerTs);
    outcomes.push(decision.outcome);
    if (decision.write) {
      held = { movement: m, formerTs: decision.formerTs };
      heldTs.push(m.ts);
    }
  }
  return { held: held as Held, outcomes, heldTs };
}

/** The reference: the distinct ts the ticket left, in the order it last left them, without the current. */
function leftInOrder(heldTs: readonly number[]): number[] {
  const left: number[] = [];
  for (let i = 1; i < heldTs.length; i++) {
    const from = heldTs[i - 1] as number;
    if (from === heldTs[i]) continue;
    left.splice(0, left.length, ...left.filter((ts) => ts !== from), from);
  }
  const current = heldTs.at(-1);
  return left.filter((ts) => ts !== current);
}

/** A ticket's versions: the original and corrections of distinct versions, ts from `slots` quarter hours. */
const versionsOf = (slots: number, maxCorrections: number, minCorrections = 0) =>
  fc
    .record({
      originalSlot: fc.nat({ max: slots - 1 }),
      corrections: fc.uniqueArray(
        fc.record({
          version: fc.integer({ min: 2, max: 1e9 }),
          slot: fc.nat({ max: slots - 1 }),
          netTonnes: fc.constantFrom(12.34, 9.5),
        }),
        { selector: (c) => c.version, minLength: minCorrections, maxLength: maxCorrections },
      ),
    })
    .map(({ originalSlot, corrections }) => [
      movement({ ts: NOW - originalSlot * 15 * MINUTE }),
      ...corrections.map((c) =>
        movement({
          ts: NOW - c.slot * 15 * MINUTE,
          netTonnes: c.netTonnes,
          correction: true,
          version: c.version,
        }),
      ),
    ]);

/** Every version at least once, some again, in any order (at-least-once delivery, reordered). */
const deliveries = (slots: number, maxCorrections: number) =>
  versionsOf(slots, maxCorrections).chain((versions) =>
    fc.array(fc.nat({ max: versions.length - 1 }), { maxLength: versions.length }).chain((again) =>
      fc.shuffledSubarray([...versions, ...again.map((i) => versions[i] as StoredMovement)], {
        minLength: versions.length + again.length,
      }),
    ),
  );

/** Versions mostly in order (each one is written), with late copies of earlier ones among them. */
const orderedDeliveries = (slots: number, maxCorrections: number, minCorrections = 0) =>
  versionsOf(slots, maxCorrections, minCorrections).chain((versions) => {
    const sorted = [...versions].sort((a, b) => a.version - b.version);
    return fc
      .array(fc.tuple(fc.nat({ max: sorted.length - 1 }), fc.nat({ max: sorted.length })), {
        maxLength: sorted.length,
      })
      .map((late) => {
        const out = [...sorted];
        for (const [which, at] of late) out.splice(at, 0, { ...(sorted[which] as StoredMovement) });
        return out;
      });
  });

describe('judgeTicket keeps where a ticket was', () => {
  it('keeps every ts the ticket held except the current one, in any order of its versions', () => {
    fc.assert(
      fc.property(fc.oneof(deliveries(6, 8), orderedDeliveries(6, 8)), (sequence) => {
        const { held, heldTs } = apply(sequence);
        const former = held.formerTs;
        expect(new Set(former)).toEqual(new Set(heldTs.filter((ts) => ts !== held.movement.ts)));
        expect(former).toEqual(leftInOrder(heldTs));
        expect(new Set(former).size).toBe(former.length);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps at most MAX_FORMER_TS, the most recently left, however often a ticket moves', () => {
    fc.assert(
      fc.property(fc.oneof(deliveries(40, 60), orderedDeliveries(40, 60, 20)), (sequence) => {
        const { held, heldTs } = apply(sequence);
        expect(held.formerTs.length).toBeLessThanOrEqual(MAX_FORMER_TS);
        expect(held.formerTs).toEqual(leftInOrder(heldTs).slice(-MAX_FORMER_TS));
      }),
      { numRuns: 300 },
    );
  });

  it('reaches the bound in many runs (the generator is not trivial)', () => {
    const runs = fc.sample(orderedDeliveries(40, 60, 20), { numRuns: 100, seed: 7 });
    const over = runs.filter((sequence) => leftInOrder(apply(sequence).heldTs).length > MAX_FORMER_TS);
    expect(over.length).toBeGreaterThan(20);
  });

  it('tells the former ts with every later outcome about the ticket, and none while it never moved', () => {
    fc.assert(
      fc.property(deliveries(6, 8), (sequence) => {
        const { held } = apply(sequence);
        const expected = held.formerTs.length > 0 ? { formerTs: held.formerTs } : {};
        // the current version again (a redelivery), an older one (a late delivery), a conflicting one
        const current = held.movement;
        const [again] = apply([...sequence, { ...current }]).outcomes.slice(-1);
        expect(again).toEqual({ outcome: 'unchanged', movement: current, ...expected });
        const older = { ...current, netTonnes: current.netTonnes + 1, version: current.version - 1 };
        if (current.version > 1) {
          const [late] = apply([...sequence, older]).outcomes.slice(-1);
          expect(late).toEqual({ outcome: 'superseded', movement: older, current, ...expected });
        }
        const clash = { ...current, netTonnes: current.netTonnes + 2 };
        const [conflict] = apply([...sequence, clash]).outcomes.slice(-1);
        expect(conflict).toEqual({ outcome: 'conflict', movement: clash, current, ...expected });
      }),
      { numRuns: 300 },
    );
  });

  it('names the slot a correction leaves, and forgets a slot the ticket returns to', () => {
    const a = movement({ ts: NOW - 60 * MINUTE });
    const b = movement({ ts: NOW - 30 * MINUTE, correction: true, version: 10 });
    const back = movement({ ts: a.ts, correction: true, version: 20 });
    const toB = judgeTicket(b, a);
    expect(toB).toMatchObject({ write: true, formerTs: [a.ts] });
    expect(toB.outcome).toEqual({ outcome: 'corrected', movement: b, previous: a, formerTs: [a.ts] });
    expect(judgeTicket(back, b, [a.ts]).formerTs).toEqual([b.ts]);
    // a correction of the tonnage alone keeps the list as it is
    expect(judgeTicket({ ...b, netTonnes: 1, version: 30 }, b, [a.ts]).formerTs).toEqual([a.ts]);
    expect(formerTsAfter([1, 2, 3], 2, 4)).toEqual([1, 3, 2]);
  });
});
