import { readFile } from 'node:fs/promises';
import { DuckDbMetricsStore } from '../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { MemoryAlertStore } from '../lambdas/adapters/memory-alert-store.ts';
import { MemoryDayProgressStore } from '../lambdas/adapters/memory-day-progress-store.ts';
import { AlertEngine } from '../lambdas/app/alert-engine.ts';
import { alertJson, DEFAULT_ALERT_RULES } from '../lambdas/domain/alerts/model.ts';
import { parseTelemetry } from '../lambdas/domain/parse-telemetry.ts';
import { defaultPlantConfig, type PlantConfig } from '../lambdas/domain/plant.ts';
import { BASE_VERSION, type Clock, type StateStore } from '../lambdas/domain/ports.ts';
import { bucketEnd, isTimeZone, MINUTE_MS, toIso } from '../lambdas/domain/time.ts';
import { type CliIo, UsageError } from './io.ts';

export interface BacktestArgs {
  readonly input: string;
  readonly config?: string;
  /** Minutes of data time between scheduled runs (stale, stuck, day rules). */
  readonly everyMinutes: number;
  readonly json: boolean;
}

/** Plant settings from `--config`: one object applied to every plant in the input. */
function plantSettings(raw: unknown): Partial<PlantConfig> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UsageError('--config must hold a JSON object');
  const settings = raw as Record<string, unknown>;
  const numbers = [
    'diversionTarget',
    'diversionMinReceivedT',
    'diversionDeadband',
    'combustionMinTempC',
    'combustionOnDelayMinutes',
    'staleAfterMinutes',
    'dayCompleteAfterMinutes',
  ] as const;
  const out: Record<string, unknown> = {};
  for (const name of numbers) {
    const value = settings[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new UsageError(`config ${name} must be a non-negative number; got ${JSON.stringify(value)}`);
    }
    out[name] = value;
  }
  if (settings.timeZone !== undefined) {
    if (typeof settings.timeZone !== 'string' || !isTimeZone(settings.timeZone)) {
      throw new UsageError(
        `config timeZone must be an IANA time zone; got ${JSON.stringify(settings.timeZone)}`,
      );
    }
    out.timeZone = settings.timeZone;
  }
  return out as Partial<PlantConfig>;
}

/**
 * `wte backtest --input telemetry.jsonl [--config plant.json]`: replays
 * recorded telemetry (one contract message a line) in data-time order through
 * the same stores semantics and alert rules as the pipeline, and prints the
 * transitions that would have been published, so thresholds can be tuned
 * before a rule goes live.
 */
export async function backtestCommand(io: CliIo, args: BacktestArgs): Promise<number> {
  const overrides = args.config ? plantSettings(JSON.parse(await readFile(args.config, 'utf8'))) : {};
  const lines = (await readFile(args.input, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const messages: Array<{ raw: unknown; latest: number; line: number }> = [];
  for (const [index, text] of lines.entries()) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      io.err(`line ${index + 1}: not JSON, skipped`);
      continue;
    }
    const items = [
      ...(((raw as { readings?: unknown[] }).readings ?? []) as Array<{ ts?: unknown }>),
      ...(((raw as { movements?: unknown[] }).movements ?? []) as Array<{ ts?: unknown }>),
    ];
    const times = items
      .map((i) => (typeof i?.ts === 'number' ? i.ts : Date.parse(String(i?.ts))))
      .filter(Number.isFinite);
    if (times.length === 0) {
      io.err(`line ${index + 1}: no timestamped item, skipped`);
      continue;
    }
    messages.push({ raw, latest: Math.max(...times), line: index + 1 });
  }
  messages.sort((a, b) => a.latest - b.latest || a.line - b.line);

  const clock: Clock & { current: number } = { current: messages[0]?.latest ?? 0, now: () => clock.current };
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const alerts = new MemoryAlertStore();
  const plants = new Map<string, PlantConfig>();
  const plantStore: Pick<StateStore, 'getPlant' | 'listPlants'> = {
    getPlant: async (id) => plants.get(id),
    listPlants: async () => [...plants.values()],
  };
  const engine = new AlertEngine({
    metrics,
    alerts,
    plants: plantStore,
    days: new MemoryDayProgressStore(),
    clock,
  });
  const every = args.everyMinutes * MINUTE_MS;
  let nextScheduled = Number.POSITIVE_INFINITY;
  try {
    for (const { raw, latest, line } of messages) {
      while (nextScheduled <= latest) {
        clock.current = nextScheduled;
        await engine.scheduled(nextScheduled);
        nextScheduled += every;
      }
      clock.current = latest;
      const parsed = parseTelemetry(raw, { now: latest, lateHorizonMs: Number.MAX_SAFE_INTEGER });
      if (!parsed.ok) {
        io.err(`line ${line}: ${parsed.problem.detail}`);
        continue;
      }
      const { message } = parsed;
      if (!plants.has(message.plantId))
        plants.set(message.plantId, { ...defaultPlantConfig(message.plantId), ...overrides });
      if (nextScheduled === Number.POSITIVE_INFINITY) nextScheduled = latest + every;
      const version = (correction: boolean) => (correction ? latest : BASE_VERSION);
      await metrics.writeReadings(message.readings.map((r) => ({ ...r, version: version(r.correction) })));
      await metrics.writeMovements(message.movements.map((m) => ({ ...m, version: version(m.correction) })));
      const times = [...message.readings.map((r) => r.ts), ...message.movements.map((m) => m.ts)];
      await engine.afterBatch(
        [
          {
            plantId: message.plantId,
            from: Math.min(...times),
            to: Math.max(...times) + 1,
            furnaceLines: [
              ...new Set(
                message.readings.filter((r) => r.metric === 'furnace_temperature').map((r) => r.line),
              ),
            ],
          },
        ],
        latest,
      );
    }
    if (nextScheduled !== Number.POSITIVE_INFINITY) {
      // Run on through the end of the recording's last plant-local day, so that day is judged complete.
      const lastLatest = messages.at(-1)?.latest ?? 0;
      // Long enough after its end for the quiet period to call the day complete (completeness.ts).
      const settle =
        (DEFAULT_ALERT_RULES.settleMinutes +
          (overrides.dayCompleteAfterMinutes ?? DEFAULT_ALERT_RULES.dayCompleteAfterMinutes)) *
        MINUTE_MS;
      const end =
        Math.max(...[...plants.values()].map((p) => bucketEnd(lastLatest, '1d', p.timeZone))) + settle;
      do {
        clock.current = nextScheduled;
        await engine.scheduled(nextScheduled);
        nextScheduled += every;
      } while (nextScheduled - every < end);
    }
  } finally {
    await metrics.close();
  }

  for (const t of alerts.history) {
    if (args.json)
      io.out(JSON.stringify({ transitionId: t.transitionId, kind: t.kind, ...alertJson(t.alert) }));
    else io.out(`${toIso(t.alert.updatedAt)}  ${t.kind.padEnd(12)}  ${t.subject}`);
  }
  io.err(`${messages.length} messages replayed, ${alerts.history.length} transitions`);
  return 0;
}
