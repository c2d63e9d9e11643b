/**
 * `wte start` (what `npm start` runs): local mode plus a simulated fleet
 * streaming into it over HTTP. The fleet first replays the last 24 hours at
 * full speed, so KPIs and alerts are there within a minute, then goes on in
 * real time until Ctrl-C. By default the first plant has a diversion drop, so
 * an alert fires; `--scenario normal` streams a quiet fleet.
 */
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
  const local = await startLocalMode(localOptions(flags, env, io));
  io.out(whereToLook(local));
  io.out(`  alerts        also printed here as they fire; KPIs fill in as the fleet catches up`);
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
        start: 'now-24h',
        duration: 'forever',
      },
      env,
      { stop },
    );
  } finally {
    io.err('stopping local mode: finishing the current batch…');
    await local.close();
    io.err('stopped.');
  }
}
