/**
 * `wte report --plant ID --year YYYY [--format html|csv|json] [--out FILE]`:
 * the annual plant report from local mode or a deployed API (the same target
 * handling as `wte query`), as a printable A4 HTML document, CSV or the API's
 * JSON (docs/report.md).
 */
import { rename, writeFile } from 'node:fs/promises';
import { ApiProblemError, ApiRequestError } from './api-client.ts';
import { type CliIo, UsageError } from './io.ts';
import type { QueryClient } from './query-command.ts';
import { reportCsv } from './report-csv.ts';
import { reportHtml } from './report-html.ts';
import { readReport } from './report-schema.ts';

export const REPORT_OPTIONS = {
  plant: { type: 'string' },
  year: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  target: { type: 'string' },
  region: { type: 'string' },
  sigv4: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export const REPORT_USAGE = `Usage: wte report --plant PLANT_ID --year YYYY [--format html|csv|json] [--out FILE]
The annual plant report for extended producer responsibility (EPR) and regulator submissions:
the year's totals (the interval=1y KPIs) and months, data coverage, R1 energy efficiency, alerts
and targets. For the current year it is the year to date.
  --format html  a printable A4 document with monthly charts, self-contained (default)
  --format csv   one row per month plus a totals row
  --format json  the API's answer (GET /v1/plants/{plantId}/report?year=YYYY)
  --out FILE     write to FILE instead of standard output
Target: --target URL (or WTE_API_URL; default http://127.0.0.1:8787, local mode). https URLs on
*.amazonaws.com (API Gateway) are signed with SigV4 using the default AWS credential chain; --sigv4
signs any target, with --region or AWS_REGION. Exit codes: 0 ok, 1 the API refused or could not
be reached, 2 usage.`;

export type ReportFormat = 'html' | 'csv' | 'json';
const FORMATS: readonly ReportFormat[] = ['html', 'csv', 'json'];
const PLANT_ID = /^[a-z0-9-]{1,64}$/;

export interface ReportArgs {
  readonly plant?: string | undefined;
  readonly year?: string | undefined;
  readonly format?: string | undefined;
  readonly out?: string | undefined;
}

export interface ReportOutput {
  /** Writes the whole file, replacing it only once complete. */
  write(path: string, text: string): Promise<void>;
}

export const fileOutput: ReportOutput = {
  async write(path, text) {
    const partial = `${path}.partial-${process.pid}`;
    await writeFile(partial, text, { encoding: 'utf8', mode: 0o644 });
    await rename(partial, path);
  },
};

function checkedArgs(args: ReportArgs): { plant: string; year: string; format: ReportFormat } {
  if (!args.plant) throw new UsageError('--plant PLANT_ID is required');
  if (!PLANT_ID.test(args.plant))
    throw new UsageError(`--plant ${JSON.stringify(args.plant)} is not a plant id (1 to 64 of [a-z0-9-])`);
  if (!args.year) throw new UsageError('--year YYYY is required');
  if (!/^\d{4}$/.test(args.year))
    throw new UsageError(`--year ${JSON.stringify(args.year)} is not a calendar year such as 2026`);
  const format = (args.format ?? 'html') as ReportFormat;
  if (!FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(args.format)}`);
  return { plant: args.plant, year: args.year, format };
}

export async function reportCommand(
  io: CliIo,
  client: QueryClient,
  args: ReportArgs,
  output: ReportOutput = fileOutput,
): Promise<number> {
  let checked: ReturnType<typeof checkedArgs>;
  try {
    checked = checkedArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`wte: ${error.message}\n${REPORT_USAGE}`);
    return 2;
  }
  let text: string;
  try {
    const body = await client.get(`v1/plants/${encodeURIComponent(checked.plant)}/report`, {
      year: checked.year,
    });
    const report = readReport(body);
    if (typeof report === 'string') throw new ApiRequestError(report);
    const source = client.target ?? 'the wte API';
    text =
      checked.format === 'json'
        ? JSON.stringify(body, null, 2)
        : checked.format === 'csv'
          ? reportCsv(report)
          : reportHtml(report, source);
  } catch (error) {
    if (error instanceof ApiProblemError || error instanceof ApiRequestError) {
      io.err(`wte: ${error.message}`);
      return 1;
    }
    throw error;
  }
  if (args.out === undefined) {
    io.out(text);
    return 0;
  }
  await output.write(args.out, text);
  io.err(`wrote the ${checked.year} report of ${checked.plant} (${checked.format}) to ${args.out}`);
  return 0;
}
