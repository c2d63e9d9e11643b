/**
 * `wte simulate` as the CLI runs it: flags and environment into options,
 * usage errors, the progress line (in place on a terminal, plain lines
 * otherwise), the final counts, and Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/io.ts';
import {
  parseDuration,
  progressLine,
  SIMULATE_OPTIONS,
  SIMULATE_USAGE,
  shortDuration,
  simulateCommand,
  simulateOptions,
} from '../../cli/simulate-command.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../lambdas/domain/time.ts';
import { SCENARIO_NAMES } from '../../lambdas/sim/scenarios.ts';
import { type IngestServer, startIngestServer } from './support/servers.ts';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const ENV = { WTE_DEV_TOKEN: 'env-token-0123456789' };

const flags = (...args: string[]) => parseArgs({ args, options: SIMULATE_OPTIONS, strict: true }).values;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const written: string[] = [];
  return {
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) },
    out,
    err,
    written,
    terminal: (isTTY: boolean) => ({ isTTY, write: (t: string) => written.push(t) }),
  };
}

describe('options', () => {
  it('has defaults for everything but the token, which comes from WTE_DEV_TOKEN', () => {
    expect(simulateOptions(flags(), ENV, NOW)).toEqual({
      target: 'http://127.0.0.1:8787',
      transport: 'http',
      mqttUrl: 'mqtt://127.0.0.1:1883',
      token: 'env-token-0123456789',
      plants: 3,
      scenario: 'normal',
      affected: 'first',
      ratePerMinute: 1,
      durationMs: DAY_MS,
      speed: 'max',
      seed: 1,
    });
  });

  it('reads every flag; flags win over the environment', () => {
    const options = simulateOptions(
      flags(
        '--target=http://127.0.0.1:9000',
        '--transport=mqtt',
        '--mqtt-url=mqtt://127.0.0.1:2883',
        '--token=flag-token',
        '--plants=6',
        '--scenario=diversion-drop',
        '--affect=all',
        '--rate=0.5',
        '--duration=1h30m',
        '--speed=60',
        '--seed=7',
        '--start=-6h',
      ),
      ENV,
      NOW,
    );
    expect(options).toMatchObject({
      target: 'http://127.0.0.1:9000',
      transport: 'mqtt',
      mqttUrl: 'mqtt://127.0.0.1:2883',
      token: 'flag-token',
      plants: 6,
      scenario: 'diversion-drop',
      affected: 'all',
      ratePerMinute: 0.5,
      durationMs: 90 * MINUTE_MS,
      speed: 60,
      seed: 7,
      start: NOW - 6 * HOUR_MS,
    });
    expect(simulateOptions(flags('--start=2026-11-24T05:00:00+05:00'), ENV, NOW).start).toBe(
      NOW - 10 * HOUR_MS,
    );
  });

  it.each([
    [['--plants=0'], /--plants/],
    [['--plants=2.5'], /--plants/],
    [['--rate=0'], /--rate/],
    [['--rate=fast'], /--rate/],
    [['--duration=tomorrow'], /--duration/],
    [['--duration=10s'], /at least a minute/],
    [['--speed=0'], /--speed/],
    [['--scenario=meltdown'], /--scenario must be one of normal, diversion-drop/],
    [['--transport=ftp'], /--transport/],
    [['--affect=some'], /--affect/],
    [['--seed=-1'], /--seed/],
    [['--start=yesterday'], /--start/],
    [['--target=127.0.0.1:8787'], /--target/],
  ])('refuses %j', (args, message) => {
    expect(() => simulateOptions(flags(...args), ENV, NOW)).toThrow(UsageError);
    expect(() => simulateOptions(flags(...args), ENV, NOW)).toThrow(message);
  });

  it('asks for a token when there is none', () => {
    expect(() => simulateOptions(flags(), {}, NOW)).toThrow(/WTE_DEV_TOKEN/);
  });

  it('reads durations and prints them short', () => {
    expect(parseDuration('30m')).toBe(30 * MINUTE_MS);
    expect(parseDuration('24h')).toBe(DAY_MS);
    expect(parseDuration('7d')).toBe(7 * DAY_MS);
    expect(parseDuration('1w')).toBe(7 * DAY_MS);
    expect(parseDuration('forever')).toBe(Number.POSITIVE_INFINITY);
    expect(shortDuration(45_000)).toBe('45s');
    expect(shortDuration(3 * HOUR_MS + 5 * MINUTE_MS)).toBe('3h05m');
    expect(shortDuration(3 * DAY_MS + 2 * HOUR_MS)).toBe('3d02h');
  });

  it('documents every scenario and the time-compression rule in the usage text', () => {
    for (const name of SCENARIO_NAMES) expect(SIMULATE_USAGE).toContain(name);
    expect(SIMULATE_USAGE).toMatch(/never runs ahead of the wall clock/);
  });
});

describe('progress line', () => {
  it('says what was sent, what the pipeline answered, and where simulated time is', () => {
    expect(
      progressLine({
        phase: 'catching-up',
        start: 0,
        end: DAY_MS,
        sent: 1234,
        resent: 12,
        late: 0,
        acceptedReadings: 45_600,
        acceptedMovements: 120,
        rejectedItems: 1,
        refusedMessages: 2,
        rejectionNotices: 0,
        retries: 3,
        simulatedTime: Date.parse('2026-11-24T09:05:00Z'),
        behindMs: 3 * HOUR_MS + 12 * MINUTE_MS,
      }),
    ).toBe(
      'sim 2026-11-24 14:05 +05:00 · sent 1,234 msgs (12 re-sent) · accepted 45,600 readings, 120 tickets · rejected 1 items, 2 msgs · retries 3 · catching up, 3h12m behind',
    );
  });
});

describe('progress line after a restart', () => {
  it('says it is waiting for the next live minute when there is nothing to catch up', () => {
    const line = progressLine({
      phase: 'live',
      start: Date.parse('2026-11-24T09:06:00Z'),
      end: Date.parse('2026-11-24T09:06:00Z') + DAY_MS,
      sent: 0,
      resent: 0,
      late: 0,
      acceptedReadings: 0,
      acceptedMovements: 0,
      rejectedItems: 0,
      refusedMessages: 0,
      rejectionNotices: 0,
      retries: 0,
      behindMs: 0,
    });
    expect(line).toMatch(/ · live, waiting for the next live minute \(2026-11-24 14:06 \+05:00\)$/);
  });
});

describe('wte simulate', () => {
  let server: IngestServer;
  beforeAll(async () => {
    server = await startIngestServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.received.length = 0;
  });

  it('streams the fleet, prints plain progress lines off a terminal, and the final counts', async () => {
    const c = capture();
    const code = await simulateCommand(
      c.io,
      flags(`--target=${server.url}`, '--plants=2', '--duration=30m'),
      ENV,
      { stop: new Promise(() => {}), terminal: c.terminal(false) },
    );
    expect(code).toBe(0);
    expect(server.received).toHaveLength(60);
    expect(c.written).toEqual([]);
    expect(c.err[0]).toBe(`simulating 2 plants, scenario normal, to ${server.url} over http`);
    expect(c.err.at(-1)).toMatch(
      /^sim .* · sent 60 msgs · accepted [\d,]+ readings, \d+ tickets · rejected 0 items, 0 msgs · retries 0 · done$/,
    );
    expect(c.out).toEqual([
      expect.stringMatching(
        /^done: 60 messages sent, [\d,]+ readings and \d+ tickets accepted, 0 items rejected, 0 messages refused, 0 retries$/,
      ),
    ]);
  });

  it('refreshes the progress line in place on a terminal and prints JSON counts with --json', async () => {
    const c = capture();
    await simulateCommand(
      c.io,
      flags(`--target=${server.url}`, '--plants=1', '--duration=20m', '--json'),
      ENV,
      {
        stop: new Promise(() => {}),
        terminal: c.terminal(true),
      },
    );
    expect(c.written.some((w) => w.startsWith('\r\x1b[2Ksim '))).toBe(true);
    expect(c.written.at(-1)).toBe('\n');
    expect(JSON.parse(c.out[0] ?? '')).toMatchObject({ phase: 'done', sent: 20, refusedMessages: 0 });
  });

  it('stops on Ctrl-C and reports what was sent', async () => {
    const c = capture();
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const run = simulateCommand(
      c.io,
      flags(`--target=${server.url}`, '--plants=1', '--duration=forever', '--start=-2h'),
      ENV,
      { stop: stopped, terminal: c.terminal(false) },
    );
    await expect.poll(() => server.received.length).toBeGreaterThan(100);
    stop();
    expect(await run).toBe(0);
    expect(c.err).toContain('stopping…');
    expect(c.out[0]).toMatch(/^stopped: \d+ messages sent/);
  });

  it('exits 1 when the target refuses the token', async () => {
    server.script = () => ({ status: 401, body: { title: 'Unauthorized' } });
    try {
      const c = capture();
      const code = await simulateCommand(c.io, flags(`--target=${server.url}`, '--duration=10m'), ENV, {
        stop: new Promise(() => {}),
        terminal: c.terminal(false),
      });
      expect(code).toBe(1);
      expect(c.err.at(-1)).toBe('wte simulate: the target refused the gateway token: Unauthorized');
    } finally {
      server.script = () => undefined;
    }
  });

  it('turns option errors of the run into usage errors', async () => {
    const c = capture();
    await expect(
      simulateCommand(c.io, flags(`--target=${server.url}`, '--duration=8d'), ENV, {
        stop: new Promise(() => {}),
        terminal: c.terminal(false),
      }),
    ).rejects.toThrow(UsageError);
  });
});
