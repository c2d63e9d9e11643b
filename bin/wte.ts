/**
 * The `wte` command line. Commands whose issue has not landed yet are listed
 * and say which part of the product brings them.
 */
import { parseArgs } from 'node:util';
import { apiClientFrom } from '../cli/api-client.ts';
import { backtestCommand } from '../cli/backtest-command.ts';
import { catalogCommand } from '../cli/catalog-command.ts';
import { DOCTOR_OPTIONS, DOCTOR_USAGE, doctorClientsFrom, doctorCommand } from '../cli/doctor-command.ts';
import { type CliIo, processIo, UsageError } from '../cli/io.ts';
import { LOCAL_OPTIONS, LOCAL_USAGE, localCommand } from '../cli/local-command.ts';
import { MIGRATE_OPTIONS, MIGRATE_USAGE, migrateToLakeCommand } from '../cli/migrate-to-lake-command.ts';
import { quarantineCommand } from '../cli/quarantine-command.ts';
import { QUERY_OPTIONS, QUERY_USAGE, queryCommand } from '../cli/query-command.ts';
import { r1Command } from '../cli/r1-command.ts';
import { REPORT_OPTIONS, REPORT_USAGE, reportCommand } from '../cli/report-command.ts';
import { SIMULATE_OPTIONS, SIMULATE_USAGE, simulateCommand } from '../cli/simulate-command.ts';
import { START_OPTIONS, START_USAGE, startCommand } from '../cli/start-command.ts';
import { queueFrom, stateStoreFrom, TARGET_OPTIONS } from '../cli/targets.ts';
import { tokenCommand } from '../cli/token-command.ts';
import { validateCommand } from '../cli/validate-command.ts';
import { systemClock } from '../lambdas/adapters/system-clock.ts';

interface CommandHelp {
  readonly name: string;
  readonly summary: string;
  /** Set while the command is not available yet. */
  readonly comingWith?: string;
}

export const COMMANDS: readonly CommandHelp[] = [
  { name: 'start', summary: 'local mode plus a simulated fleet (what `npm start` runs): `wte start --help`' },
  { name: 'local', summary: 'the whole pipeline on 127.0.0.1 with embedded stores: `wte local --help`' },
  { name: 'simulate', summary: 'stream a realistic simulated fleet to a target: `wte simulate --help`' },
  { name: 'query', summary: 'KPIs and series from local mode or a deployed API: `wte query --help`' },
  { name: 'token', summary: 'gateway tokens: `wte token create|list|revoke` (`wte token --help`)' },
  { name: 'quarantine', summary: 'refused items: `wte quarantine list|replay` (`wte quarantine --help`)' },
  {
    name: 'bench',
    summary:
      'benchmarks on seeded data against baselines in the same run (`npm run bench`): `wte bench --help`',
  },
  {
    name: 'validate',
    summary: 'check a telemetry message file against the contract: `wte validate FILE [--plant P]`',
  },
  { name: 'catalog', summary: 'the metric catalog with kinds and units: `wte catalog [--json]`' },
  {
    name: 'backtest',
    summary:
      'replay recorded telemetry through the alert rules: `wte backtest --input FILE.jsonl [--config plant.json]`',
  },
  { name: 'r1', summary: 'EU R1 energy efficiency from annual totals: `wte r1 --help`' },
  {
    name: 'report',
    summary:
      'the annual plant report (HTML for print, CSV, JSON) for EPR and regulators: `wte report --help`',
  },
  {
    name: 'doctor',
    summary: 'before a deploy: credentials, bootstrap and which metrics store fits: `wte doctor --help`',
  },
  {
    name: 'migrate-to-lake',
    summary: 'copy Timestream for LiveAnalytics history into the lake: `wte migrate-to-lake --help`',
  },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map(
    (c) =>
      `  ${c.name.padEnd(width)}  ${c.summary}${c.comingWith ? ` [not yet available: arrives with ${c.comingWith}]` : ''}`,
  );
  return [
    'Usage: wte <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `wte <command> --help` for its options.',
  ].join('\n');
}

const TARGET_USAGE = `Target: --table NAME (or WTE_STATE_TABLE) of a deployed stack, with the default AWS credential
chain and --region; or --endpoint URL (or WTE_DYNAMODB_ENDPOINT) for a local DynamoDB endpoint.
Local mode's state store takes only requests signed with its key pair: it is read from
--data-dir DIR (or WTE_DATA_DIR; default .wte), DIR/state-store-credentials, as \`wte local\` uses it,
or from --credentials-file FILE (or WTE_STATE_STORE_CREDENTIALS).`;

const TOKEN_USAGE = `Usage: wte token create --gateway GATEWAY_ID --plant PLANT_ID [--plant PLANT_ID ...] [--label TEXT] [--json]
       wte token list [--json]
       wte token revoke TOKEN_ID
${TARGET_USAGE}`;

const QUARANTINE_USAGE = `Usage: wte quarantine list [--plant PLANT_ID] [--limit N] [--json]
       wte quarantine replay QUARANTINE_ID [--as-correction] --queue-url URL
${TARGET_USAGE}`;

const R1_USAGE = `Usage: wte r1 --electricity-mwh N --waste-t N --ncv GJ_PER_T --hdd N --permitted YYYY-MM-DD --year YYYY
              [--heat-mwh N] [--fuel-gj N] [--imported-gj N] [--in-operation-since YYYY-MM-DD] [--json]
Annual totals: electricity produced (gross) and heat for commercial use in MWh, auxiliary fuel and
imported energy in GJ, waste treated in t at its net calorific value in GJ/t, and the 20-year average
heating degree days for the climate correction factor.`;

const CATALOG_USAGE = `Usage: wte catalog [--json]
  The metric catalog: each metric's name, kind (gauge or counter), canonical unit, the units it
  accepts, and what it measures. --json prints the same as a JSON array.`;

/**
 * `--from -1d` as `--from=-1d`: node's parseArgs refuses an option value that starts with a dash, and
 * relative times (and negative numbers) do. Only a dash followed by a digit is joined; no flag looks so.
 */
export function joinDashValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (/^--[a-z][a-z0-9-]*$/.test(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...given] = argv;
  const rest = joinDashValues(given);
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(usage());
      return command === undefined ? 2 : 0;
    }
    const known = COMMANDS.find((c) => c.name === command);
    if (!known) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    if (known.comingWith) {
      io.err(`wte ${command}: not available yet; it arrives with ${known.comingWith}.`);
      return 2;
    }
    switch (command) {
      case 'catalog': {
        const { values } = parseArgs({
          args: [...rest],
          options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
          strict: true,
        });
        if (values.help) {
          io.out(CATALOG_USAGE);
          return 0;
        }
        return catalogCommand(io, values.json === true);
      }
      case 'validate': {
        const { values, positionals } = parseArgs({
          args: [...rest],
          options: { plant: { type: 'string' }, help: { type: 'boolean' } },
          allowPositionals: true,
          strict: true,
        });
        const file = positionals[0];
        if (values.help || !file) {
          io.out('Usage: wte validate FILE|- [--plant PLANT_ID]');
          return values.help ? 0 : 2;
        }
        return await validateCommand(io, systemClock, file, values.plant);
      }
      case 'token': {
        const { values, positionals } = parseArgs({
          args: [...rest],
          options: {
            ...TARGET_OPTIONS,
            gateway: { type: 'string' },
            plant: { type: 'string', multiple: true },
            label: { type: 'string' },
            json: { type: 'boolean' },
            help: { type: 'boolean' },
          },
          allowPositionals: true,
          strict: true,
        });
        if (values.help || positionals.length === 0) {
          io.out(TOKEN_USAGE);
          return values.help ? 0 : 2;
        }
        return await tokenCommand(io, stateStoreFrom(values), systemClock, {
          action: positionals[0],
          ...(values.gateway ? { gateway: values.gateway } : {}),
          plants: values.plant ?? [],
          ...(values.label ? { label: values.label } : {}),
          ...(positionals[1] ? { tokenId: positionals[1] } : {}),
          json: values.json === true,
        });
      }
      case 'quarantine': {
        const { values, positionals } = parseArgs({
          args: [...rest],
          options: {
            ...TARGET_OPTIONS,
            plant: { type: 'string' },
            limit: { type: 'string', default: '50' },
            'as-correction': { type: 'boolean' },
            json: { type: 'boolean' },
            help: { type: 'boolean' },
          },
          allowPositionals: true,
          strict: true,
        });
        if (values.help || positionals.length === 0) {
          io.out(QUARANTINE_USAGE);
          return values.help ? 0 : 2;
        }
        const limit = Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new UsageError('--limit must be 1 to 1000');
        const action = positionals[0];
        return await quarantineCommand(io, stateStoreFrom(values), () => queueFrom(values), systemClock, {
          action,
          ...(values.plant ? { plant: values.plant } : {}),
          limit,
          ...(positionals[1] ? { id: positionals[1] } : {}),
          asCorrection: values['as-correction'] === true,
          json: values.json === true,
        });
      }
      case 'start': {
        const { values } = parseArgs({ args: [...rest], options: START_OPTIONS, strict: true });
        if (values.help) {
          io.out(START_USAGE);
          return 0;
        }
        return await startCommand(io, values, process.env);
      }
      case 'simulate': {
        const { values } = parseArgs({ args: [...rest], options: SIMULATE_OPTIONS, strict: true });
        if (values.help) {
          io.out(SIMULATE_USAGE);
          return 0;
        }
        return await simulateCommand(io, values, process.env);
      }
      case 'local': {
        const { values } = parseArgs({ args: [...rest], options: LOCAL_OPTIONS, strict: true });
        if (values.help) {
          io.out(LOCAL_USAGE);
          return 0;
        }
        return await localCommand(io, values, process.env);
      }
      case 'query': {
        const { values, positionals } = parseArgs({
          args: [...rest],
          options: QUERY_OPTIONS,
          allowPositionals: true,
          strict: true,
        });
        if (values.help || positionals.length === 0) {
          io.out(QUERY_USAGE);
          return values.help ? 0 : 2;
        }
        return await queryCommand(io, apiClientFrom(values), { ...values, positionals }, systemClock);
      }
      case 'report': {
        const { values } = parseArgs({ args: [...rest], options: REPORT_OPTIONS, strict: true });
        if (values.help) {
          io.out(REPORT_USAGE);
          return 0;
        }
        return await reportCommand(io, apiClientFrom(values), values);
      }
      case 'backtest': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            input: { type: 'string' },
            config: { type: 'string' },
            every: { type: 'string', default: '15' },
            json: { type: 'boolean' },
            help: { type: 'boolean' },
          },
          strict: true,
        });
        if (values.help || !values.input) {
          io.out(
            'Usage: wte backtest --input telemetry.jsonl [--config plant.json] [--every MINUTES] [--json]\n' +
              'One wte.telemetry.v1 message a line; --config holds plant settings (diversionTarget, ...).',
          );
          return values.help ? 0 : 2;
        }
        const every = Number(values.every);
        if (!Number.isInteger(every) || every < 1)
          throw new UsageError('--every must be a whole number of minutes');
        return await backtestCommand(io, {
          input: values.input,
          ...(values.config ? { config: values.config } : {}),
          everyMinutes: every,
          json: values.json === true,
        });
      }
      case 'bench': {
        // Loaded on demand: the benchmarks pull in esbuild (a dev dependency) that no other command needs.
        const { benchCommand } = await import('../bench/bench-command.ts');
        return await benchCommand(io, rest);
      }
      case 'doctor': {
        const { values } = parseArgs({ args: [...rest], options: DOCTOR_OPTIONS, strict: true });
        if (values.help) {
          io.out(DOCTOR_USAGE);
          return 0;
        }
        return await doctorCommand(io, doctorClientsFrom(values), values);
      }
      case 'migrate-to-lake': {
        const { values } = parseArgs({ args: [...rest], options: MIGRATE_OPTIONS, strict: true });
        if (values.help) {
          io.out(MIGRATE_USAGE);
          return 0;
        }
        return await migrateToLakeCommand(io, values);
      }
      case 'r1': {
        const names = [
          'electricity-mwh',
          'heat-mwh',
          'fuel-gj',
          'imported-gj',
          'waste-t',
          'ncv',
          'hdd',
          'permitted',
          'in-operation-since',
          'year',
        ] as const;
        const { values } = parseArgs({
          args: [...rest],
          options: {
            ...Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
            json: { type: 'boolean' },
            help: { type: 'boolean' },
          },
          strict: true,
        });
        if (values.help) {
          io.out(R1_USAGE);
          return 0;
        }
        return r1Command(io, values);
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      const port = 'port' in error ? ` ${String(error.port)}` : '';
      io.err(
        `wte: port${port} on 127.0.0.1 is already in use: is another \`wte local\` or \`npm start\` running? ` +
          'Stop it, or choose other ports (--port and --mqtt-port, or WTE_HTTP_PORT and WTE_MQTT_PORT).',
      );
      return 1;
    }
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      io.err(`wte: ${error.message}\nRun \`wte --help\` for the commands.`);
      return 2;
    }
    if (error instanceof Error && error.name.endsWith('Error') && error.name !== 'Error') {
      io.err(`wte: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
