/**
 * The scheduled run's handler (lambdas/handlers/scheduler.ts): the relay runs
 * even when the evaluation fails, and the failure is logged by the shared
 * `errorName` (name and code, never the message) and thrown again.
 */
import { describe, expect, it } from 'vitest';
import { makeSchedulerHandler } from '../../lambdas/handlers/scheduler.ts';
import { FixedClock } from '../support/memory-ports.ts';

type Logged = { level: string; message: string; fields: Record<string, unknown> };

function scheduler(scheduled: () => Promise<{ evaluations: number; transitions: number }>) {
  const logged: Logged[] = [];
  let relays = 0;
  const handler = makeSchedulerHandler({
    engine: { scheduled },
    relay: async () => {
      relays++;
      return { published: 2, left: 0, stoppedBy: 'done' };
    },
    clock: new FixedClock(Date.parse('2026-11-24T12:00:00Z')),
    log: (level, message, fields) => logged.push({ level, message, fields }),
  });
  return { handler, logged, relays: () => relays };
}

describe('the scheduled run', () => {
  it('logs what it did and what the relay published', async () => {
    const s = scheduler(async () => ({ evaluations: 3, transitions: 1 }));
    expect(await s.handler()).toEqual({ evaluations: 3, transitions: 1, published: 2 });
    expect(s.logged).toEqual([
      {
        level: 'info',
        message: 'scheduled run',
        fields: { evaluations: 3, transitions: 1, published: 2, left: 0, stoppedBy: 'done' },
      },
    ]);
  });

  it.each([
    [
      'a network failure',
      Object.assign(new Error('connect ECONNRESET 10.0.0.7:8000'), { code: 'ECONNRESET' }),
      'Error (ECONNRESET)',
    ],
    ['a thrown value that is no error', 'plant kz-ast-01 token=abc', 'unknown'],
  ])(
    'relays anyway after %s, logs it by name and code only, and throws it again',
    async (_what, failure, name) => {
      const s = scheduler(() => Promise.reject(failure));
      await expect(s.handler()).rejects.toBe(failure);
      expect(s.relays()).toBe(1);
      expect(s.logged).toHaveLength(1);
      expect(s.logged[0]?.level).toBe('error');
      expect(s.logged[0]?.fields).toEqual({
        evaluations: 0,
        transitions: 0,
        published: 2,
        left: 0,
        stoppedBy: 'done',
        error: name,
      });
    },
  );
});
