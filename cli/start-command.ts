/**
 * `wte start` (what `npm start` runs): local mode plus a simulated fleet
 * streaming into it over HTTP. The fleet first replays the last 24 hours at
 * full speed, so KPIs and alerts are there within a minute, then goes on in
 * real time until Ctrl-C. By default the first plant has a diversion drop, so
 * an alert fires; `--scenario normal` streams a quiet fleet.
 *
 * The scheduled checks are held until the fleet has caught up and the queue
 * has drained (they run on the wall clock and would judge half-loaded days). A restart on the same
 * data dir goes on from where the last run stopped (`simulation.json`), so
 * the same instants are never simulated twice with other values.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalMode } from '../lambdas/local/runtime.ts';
import type { CliIo } from './io.ts';
import { LOCAL_OPTIONS, type LocalFlags, localOptions, untilSignal, whereToLook } from './local-command.ts';
import { SIMULATE_OPTIONS, simulateCommand } from './simulate-command.ts';

export const START_OPTIONS = {
  ...LOCAL_OPTIONS,
  plants: SIMULATE_OPTIONS.plants,
  scenario: SIMULATE_OPTIONS.scenario,
  transport: SIMULATE_OPTIONS.transport,
  seed: SIMULATE_OPTIONS.seed,
  rate: SIMULATE_OPTIONS.rate,
} as const;

export const START_USAGE = `Usage: wte start [local-mode options] [--plants N] [--scenario NAME] [--transport http|mqtt]
                 [--seed N] [--rate N]
Local mode (see \`wte local --help\`) plus a simulated fleet (see \`wte simulate --help\`): 3 plants by
default, the first with a diversion drop (--scenario normal for none), replaying the last 24 hours at
full speed and then streaming in real time. Stop with Ctrl-C.`;

export interface StartFlags extends LocalFlags {
  readonly plants?: string | undefined;
  readonly scenario?: string | undefined;
  readonly transport?: string | undefined;
  readonly seed?: string | undefined;
  readonly rate?: string | undefined;
}

export async function startCommand(
  io: CliIo,
  flags: StartFlags,
  env: NodeJS.ProcessEnv,
  stop: Promise<unknown> = untilSignal(),
): Promise<number> {
  const local = await startLocalMode({ ...localOptions(flags, env, io), schedulerPaused: true });
  io.out(whereToLook(local));
  io.out(`  alerts        also printed here as they fire; KPIs fill in as the fleet catches up`);
  const progressFile = join(local.dataDir, PROGRESS_FILE);
  const start = await resumePoint(progressFile, Date.now());
  let savedAt = 0;
  let caughtUp = false;
  try {
    return await simulateCommand(
      io,
      {
        target: local.httpUrl,
        'mqtt-url': local.mqttUrl,
        token: local.devToken,
        transport: flags.transport,
        plants: flags.plants ?? '3',
        scenario: flags.scenario ?? 'diversion-drop',
        seed: flags.seed,
        rate: flags.rate,
        start,
        duration: 'forever',
      },
      env,
      {
        stop,
        onProgress: (stats) => {
          if ((stats.phase === 'live' || stats.phase === 'done') && !caughtUp) {
            caughtUp = true;
            // Sent is not yet processed: hold the checks until the queue has drained too.
            void local.settle(300_000).then(() => local.resumeScheduler());
          }
          const at = Date.now();
          if (stats.simulatedTime !== undefined && at - savedAt > 2_000) {
            savedAt = at;
            void writeFile(progressFile, JSON.stringify({ simulatedUntil: stats.simulatedTime })).catch(
              () => {},
            );
          }
        },
      },
    );
  } finally {
    io.err('stopping local mode: finishing the current batch…');
    await local.close();
    io.err('stopped.');
  }
}

export const PROGRESS_FILE = 'simulation.json';

/** Where the fleet starts: after the last run's last message, but no earlier than 24 hours ago. */
export async function resumePoint(file: string, now: number): Promise<string> {
  const dayAgo = now - 24 * 3_600_000;
  let until: number | undefined;
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { simulatedUntil?: unknown };
    if (typeof saved.simulatedUntil === 'number' && Number.isFinite(saved.simulatedUntil)) {
      until = saved.simulatedUntil;
    }
  } catch {
    // No earlier run (or an unreadable file): replay the last 24 hours.
  }
  if (until === undefined || until < dayAgo) return new Date(dayAgo).toISOString();
  // One minute on, so the last message is not simulated again with other values.
  return new Date(Math.min(until + 60_000, now)).toISOString();
}
