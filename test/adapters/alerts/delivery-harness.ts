/**
 * What the delivery tests share: scripted alert histories on several
 * (plant, subject) heads, written concurrently by five "processors" that
 * relay after each write while a "scheduler" relays on its own loop, and the
 * subscriber's checks (docs/alert-delivery.md): per head, sequences never go
 * back, repeats carry the same transitionId and body, and after dropping
 * repeats every queued transition arrives once, in order.
 */
import { expect } from 'vitest';
import type { Alert, AlertTransition } from '../../../lambdas/domain/alerts/model.ts';
import { type AlertStore, UnavailableError } from '../../../lambdas/domain/ports.ts';
import { acknowledge, MINUTE, open, reopen, resolve, type Step, T0 } from './alert-fixtures.ts';

/** One message as the subscriber got it. */
export interface Received {
  readonly transitionId: string;
  readonly sequence: number;
  readonly head: string;
  /** The whole message, to compare a repeat with its first copy. */
  readonly body: string;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** A history for one head: open, maybe acknowledge, resolve, and again with a new alert, `cycles` times. */
export function history(head: number, cycles: number, random: () => number): Step[] {
  const plantId = `kz-p${head}`;
  const steps: Step[] = [];
  let at = T0 + head * MINUTE;
  let current: Alert | undefined;
  for (let cycle = 0; cycle < cycles; cycle++) {
    const alertId = `diversion-below-target-${(head * 100 + cycle).toString(16).padStart(16, '0')}`;
    at += MINUTE;
    const opening: Step = current
      ? reopen(current, at, alertId, true)
      : open({ plantId, alertId, openedAt: at, updatedAt: at });
    steps.push(opening);
    current = opening.next;
    if (random() < 0.6) {
      at += MINUTE;
      const ack = acknowledge(current, at);
      steps.push(ack);
      current = ack.next;
    }
    at += MINUTE;
    const done = resolve(current, at);
    steps.push(done);
    current = done.next;
  }
  return steps;
}

/** The real store, its markPublished failing now and then (the relay gives up and publishes again later). */
export function flakyMarks(
  store: Pick<AlertStore, 'pendingTransitions' | 'markPublished'>,
  random: () => number,
  rate: number,
): Pick<AlertStore, 'pendingTransitions' | 'markPublished'> {
  return {
    pendingTransitions: (limit) => store.pendingTransitions(limit),
    markPublished: async (transitionId) => {
      if (random() < rate) throw new UnavailableError('state store throttled (test)');
      await store.markPublished(transitionId);
    },
  };
}

export interface InterleavedRun {
  readonly store: AlertStore;
  readonly heads: readonly (readonly Step[])[];
  /** One processor's relay after its write. */
  readonly processorRelay: () => Promise<unknown>;
  /** The scheduler's relay; also used to drain at the end. */
  readonly schedulerRelay: () => Promise<unknown>;
  readonly random: () => number;
}

/** Five processors write the heads (each head by one of them, in order) and relay; the scheduler relays meanwhile. */
export async function runInterleaved(run: InterleavedRun): Promise<void> {
  let writing = true;
  const processors = [0, 1, 2, 3, 4].map(async (p) => {
    const mine = run.heads.filter((_, i) => i % 5 === p).map((steps) => [...steps]);
    while (mine.some((steps) => steps.length > 0)) {
      for (const steps of mine) {
        const step = steps.shift();
        if (!step) continue;
        expect(await run.store.applyTransition(step.next, step.expected, step.transition)).toBe(true);
      }
      await sleep(run.random() * 5);
      await run.processorRelay();
    }
  });
  const scheduler = (async () => {
    while (writing) {
      await run.schedulerRelay();
      await sleep(run.random() * 10);
    }
  })();
  await Promise.all(processors);
  writing = false;
  await scheduler;
  for (let i = 0; i < 50 && (await run.store.pendingTransitions(1)).length > 0; i++) {
    await run.schedulerRelay();
  }
  expect(await run.store.pendingTransitions(1)).toEqual([]);
}

/** The subscriber's view: checks order, repeats and completeness against what was queued. */
export function checkDelivery(received: readonly Received[], heads: readonly (readonly Step[])[]): void {
  const firstCopy = new Map<string, Received>();
  const lastSequence = new Map<string, number>();
  const firstCopies = new Map<string, string[]>();
  for (const message of received) {
    const last = lastSequence.get(message.head) ?? 0;
    // A head's sequence never goes back: a repeat can only follow its own first copy.
    expect(message.sequence, `${message.transitionId} after sequence ${last}`).toBeGreaterThanOrEqual(last);
    lastSequence.set(message.head, message.sequence);
    const first = firstCopy.get(message.transitionId);
    if (first) {
      expect(message.body).toBe(first.body);
      continue;
    }
    firstCopy.set(message.transitionId, message);
    firstCopies.set(message.head, [...(firstCopies.get(message.head) ?? []), message.transitionId]);
  }
  for (const steps of heads) {
    const head = headOf(steps[0]?.transition);
    // Nothing lost, nothing out of order, no gap.
    expect(firstCopies.get(head) ?? []).toEqual(steps.map((s) => s.transition.transitionId));
    expect(steps.map((s) => s.transition.alert.sequence)).toEqual(steps.map((_, i) => i + 1));
  }
}

export function headOf(transition: AlertTransition | undefined): string {
  const a = transition?.alert;
  return a ? `${a.plantId}/${a.type}/${a.subject}` : '';
}
