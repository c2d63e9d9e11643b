/**
 * The relay after a batch, as the alert-step Lambda awaits it and local mode
 * runs it beside its consumers: it never rejects; a thrown error is logged by
 * name and code, a stop that leaves work is logged with its reason, what was
 * published is counted; coalesced, a request while a run goes makes exactly
 * one more run after it.
 */
import { describe, expect, it } from 'vitest';
import {
  coalescedRelayAfterBatch,
  type RelayOutcome,
  relayAfterBatch,
} from '../../lambdas/handlers/relay-after-batch.ts';

type Line = { level: string; message: string; fields: Record<string, unknown> };

function sinks() {
  const lines: Line[] = [];
  const counts: Array<[string, number]> = [];
  return {
    lines,
    counts,
    log: (level: Line['level'], message: string, fields: Record<string, unknown>) =>
      void lines.push({ level, message, fields }),
    count: (name: string, value: number) => void counts.push([name, value]),
  };
}

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('relayAfterBatch', () => {
  it('logs a relay that throws by the error name and code, counts nothing, and resolves', async () => {
    const s = sinks();
    const failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9 with secret payload'), {
      code: 'ECONNREFUSED',
    });
    await expect(
      relayAfterBatch({ relay: () => Promise.reject(failure), log: s.log, count: s.count })(),
    ).resolves.toBeUndefined();
    expect(s.lines).toEqual([
      {
        level: 'warn',
        message: 'outbox relay failed; the scheduled run retries',
        fields: { error: 'Error (ECONNREFUSED)' },
      },
    ]);
    expect(s.counts).toEqual([]);
  });

  it.each([
    ['done', false],
    ['held', false],
    ['unavailable', true],
    ['deadline', true],
  ] as const)(
    'after a relay stopped by %s, counts what it published and warns: %s',
    async (stoppedBy, warns) => {
      const s = sinks();
      await relayAfterBatch({
        relay: async () => ({ published: 3, stoppedBy }),
        log: s.log,
        count: s.count,
      })();
      expect(s.counts).toEqual([['AlertsPublished', 3]]);
      expect(s.lines).toEqual(
        warns
          ? [
              {
                level: 'warn',
                message: 'outbox relay stopped; the next relay retries',
                fields: { stoppedBy, published: 3 },
              },
            ]
          : [],
      );
    },
  );
});

describe('coalescedRelayAfterBatch', () => {
  it('runs once more after a run for any number of requests made while it went, then is idle', async () => {
    const gates: Array<ReturnType<typeof deferred<RelayOutcome>>> = [];
    const relay = coalescedRelayAfterBatch({
      relay: () => {
        const gate = deferred<RelayOutcome>();
        gates.push(gate);
        return gate.promise;
      },
    });
    const done: RelayOutcome = { published: 0, stoppedBy: 'done' };
    const tick = () => new Promise((r) => setTimeout(r, 0));
    relay.request();
    relay.request();
    relay.request();
    expect(gates).toHaveLength(1);
    gates[0]?.resolve(done);
    await tick();
    expect(gates).toHaveLength(2);
    relay.request();
    gates[1]?.resolve(done);
    await tick();
    expect(gates).toHaveLength(3);
    gates[2]?.resolve(done);
    await relay.idle();
    await tick();
    expect(gates).toHaveLength(3);
  });

  it('logs a pass that throws and keeps relaying at the next request', async () => {
    const s = sinks();
    let runs = 0;
    const relay = coalescedRelayAfterBatch({
      relay: async () => {
        runs += 1;
        if (runs === 1) throw new TypeError('broken');
        return { published: 2, stoppedBy: 'done' };
      },
      log: s.log,
      count: s.count,
    });
    relay.request();
    await relay.idle();
    relay.request();
    await relay.idle();
    expect(runs).toBe(2);
    expect(s.lines.map((l) => [l.message, l.fields])).toEqual([
      ['outbox relay failed; the scheduled run retries', { error: 'TypeError' }],
    ]);
    expect(s.counts).toEqual([['AlertsPublished', 2]]);
  });

  it('is idle at once when nothing was asked for', async () => {
    await expect(
      coalescedRelayAfterBatch({ relay: async () => ({ published: 0, stoppedBy: 'done' }) }).idle(),
    ).resolves.toBeUndefined();
  });
});
