/**
 * runSimulation against a real HTTP ingest that validates with the
 * contract's parser at its own clock: simulated time never runs ahead of the
 * wall clock (nothing is "in the future"), a run in the past catches up and
 * then goes on in real time, and Ctrl-C (the abort signal) stops it cleanly.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../lambdas/domain/time.ts';
import { dueAt, earliestStart } from '../../lambdas/sim/pacing.ts';
import {
  runSimulation,
  SimulationAuthError,
  type SimulationOptions,
  SimulationOptionsError,
  type SimulationStats,
} from '../../lambdas/sim/run-simulation.ts';
import { type IngestServer, startIngestServer } from './support/servers.ts';

const TOKEN = 'sim-test-token-0123456789';

let server: IngestServer;
beforeAll(async () => {
  server = await startIngestServer();
});
afterAll(() => server.close());
afterEach(() => {
  server.received.length = 0;
  server.script = () => undefined;
});

const options = (overrides: Partial<SimulationOptions> = {}): SimulationOptions => ({
  target: server.url,
  token: TOKEN,
  plants: 2,
  scenario: 'normal',
  ratePerMinute: 1,
  durationMs: 2 * HOUR_MS,
  speed: 'max',
  seed: 5,
  ...overrides,
});

/** Latest reading or ticket time of a received body. */
function latestItem(body: string): number {
  const message = JSON.parse(body) as { readings: Array<{ ts: number }>; movements: Array<{ ts: string }> };
  return Math.max(...message.readings.map((r) => r.ts), ...message.movements.map((m) => Date.parse(m.ts)));
}

describe('pacing', () => {
  it('compresses the past by the speed and never sends before the simulated send time', () => {
    const pace = { start: 0, wallStart: 10 * HOUR_MS, speed: 60 };
    expect(dueAt(0, pace)).toBe(10 * HOUR_MS);
    expect(dueAt(HOUR_MS, pace)).toBe(10 * HOUR_MS + MINUTE_MS);
    // The compressed clock reaches the wall clock after 10 h 10 min of simulated time; then real time.
    expect(dueAt(11 * HOUR_MS, pace)).toBe(11 * HOUR_MS);
    expect(dueAt(5 * HOUR_MS, { ...pace, speed: 'max' })).toBe(5 * HOUR_MS);
    expect(dueAt(12 * HOUR_MS, { ...pace, speed: 'max' })).toBe(12 * HOUR_MS);
    expect(earliestStart(8 * DAY_MS)).toBe(DAY_MS + 10 * MINUTE_MS);
  });
});

describe('runSimulation over HTTP', () => {
  it('catches up with the present as fast as the target accepts, every item accepted', async () => {
    const progress: SimulationStats[] = [];
    const stats = await runSimulation(options(), {
      onProgress: (s) => progress.push(s),
      progressEveryMs: 10,
    });
    expect(stats).toMatchObject({
      phase: 'done',
      sent: 240,
      rejectedItems: 0,
      refusedMessages: 0,
      retries: 0,
      resent: 0,
    });
    expect(server.received).toHaveLength(240);
    expect(stats.acceptedReadings).toBe(
      server.received.reduce(
        (n, r) => n + (JSON.parse(r.body) as { readings: unknown[] }).readings.length,
        0,
      ),
    );
    expect(stats.acceptedMovements).toBeGreaterThan(0);
    for (const r of server.received) expect(latestItem(r.body)).toBeLessThanOrEqual(r.at);
    expect(progress.at(-1)?.phase).toBe('done');
    expect(progress.some((s) => s.phase === 'catching-up')).toBe(true);
  });

  it('replays a compressed past, then sends in real time and never ahead of the wall clock', async () => {
    const wallStart = Date.now();
    const phases: string[] = [];
    // 12 s of past at 6x: the compressed clock meets the wall clock 2.4 s in; then live until 4 s in.
    const stats = await runSimulation(
      options({ plants: 1, ratePerMinute: 60, start: wallStart - 12_000, durationMs: 16_000, speed: 6 }),
      { onProgress: (s) => phases.push(s.phase), progressEveryMs: 50 },
    );
    const elapsed = Date.now() - wallStart;
    expect(stats.phase).toBe('done');
    expect(stats.sent).toBeGreaterThanOrEqual(15);
    expect(stats.rejectedItems + stats.refusedMessages).toBe(0);
    expect(elapsed).toBeGreaterThan(2_900);
    expect(elapsed).toBeLessThan(8_000);
    expect(phases).toContain('live');
    for (const r of server.received) expect(latestItem(r.body)).toBeLessThanOrEqual(r.at);
    // The replay is compressed: the first half of the data went out in well under half the wall time.
    const sentAt = server.received.map((r) => r.at - wallStart);
    expect(sentAt[6]).toBeLessThan(2_000);
  });

  it('repeats messages in the duplicates scenario and counts them', async () => {
    const stats = await runSimulation(
      options({ scenario: 'duplicates', durationMs: 6 * HOUR_MS, plants: 1 }),
    );
    expect(stats.resent).toBeGreaterThan(5);
    expect(stats.sent).toBe(360 + stats.resent);
    const ids = server.received.map((r) => (JSON.parse(r.body) as { messageId: string }).messageId);
    expect(new Set(ids).size).toBe(360);
  });

  it('logs and counts refusals without retrying them', async () => {
    server.script = (n) =>
      n % 10 === 0
        ? { status: 400, body: { title: 'Invalid telemetry message', detail: 'test refusal' } }
        : undefined;
    const logs: string[] = [];
    const stats = await runSimulation(options({ plants: 1 }), { onLog: (l) => logs.push(l) });
    expect(stats.refusedMessages).toBe(12);
    expect(stats.sent).toBe(120);
    expect(server.received).toHaveLength(120);
    expect(logs[0]).toMatch(
      /^refused gw-kz-ast-01:\d{8}T\d{6}Z: 400 Invalid telemetry message: test refusal$/,
    );
  });

  it('retries an unavailable target until it comes back (at least once)', async () => {
    server.script = (n) => (n < 3 ? { status: 503, headers: { 'retry-after': '0' } } : undefined);
    const stats = await runSimulation(options({ plants: 1, durationMs: 30 * MINUTE_MS }));
    expect(stats).toMatchObject({ sent: 30, retries: 3, refusedMessages: 0 });
  });

  it('stops at a 401: no message can pass with that token', async () => {
    server.script = () => ({
      status: 401,
      body: { title: 'Unauthorized', detail: 'A valid gateway token is required.' },
    });
    await expect(runSimulation(options())).rejects.toBeInstanceOf(SimulationAuthError);
    expect(server.received.length).toBeLessThanOrEqual(2);
  });

  it('stops cleanly when aborted, in the middle of an endless run', async () => {
    const controller = new AbortController();
    const run = runSimulation(
      options({ durationMs: Number.POSITIVE_INFINITY, start: Date.now() - HOUR_MS }),
      {
        signal: controller.signal,
      },
    );
    await expect.poll(() => server.received.length).toBeGreaterThan(20);
    controller.abort();
    const stats = await run;
    expect(stats.phase).toBe('stopped');
    expect(stats.end).toBe(Number.POSITIVE_INFINITY);
    // A request in flight at the abort may still land; nothing is sent after that.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const settled = server.received.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.received.length).toBe(settled);
  });

  it('refuses a start beyond the late-data horizon and nonsense options', async () => {
    await expect(runSimulation(options({ durationMs: 8 * DAY_MS }))).rejects.toBeInstanceOf(
      SimulationOptionsError,
    );
    await expect(runSimulation(options({ plants: 0 }))).rejects.toThrow(/plants/);
    await expect(runSimulation(options({ ratePerMinute: 0 }))).rejects.toThrow(/rate/);
    await expect(runSimulation(options({ speed: 0.5 }))).rejects.toThrow(/speed/);
    await expect(runSimulation(options({ token: '' }))).rejects.toThrow(/token/);
    expect(server.received).toHaveLength(0);
  });
});
