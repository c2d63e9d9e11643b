/**
 * `wte report` against local mode's HTTP server (routes of
 * lambdas/local/http-server.ts, the real report and KPI handlers over
 * report-fixture.ts): JSON is the API's answer, CSV one row per month plus
 * the totals, HTML the printable document; --help, usage errors and API
 * problems have their exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/wte.ts';
import { apiClientFrom } from '../../cli/api-client.ts';
import type { CliIo } from '../../cli/io.ts';
import { reportCommand } from '../../cli/report-command.ts';
import { REPORT_CSV_FIELDS } from '../../cli/report-csv.ts';
import { ProblemType, problem } from '../../lambdas/domain/problem.ts';
import { problemResponse } from '../../lambdas/handlers/http.ts';
import { makeKpisHandler, makeSeriesHandler } from '../../lambdas/handlers/query-api.ts';
import { makeReportHandler } from '../../lambdas/handlers/report-api.ts';
import { type RunningHttpServer, startHttpServer } from '../../lambdas/local/http-server.ts';
import { AST, type ReportFixture, startReportFixture } from '../handlers/report-fixture.ts';

let fixture: ReportFixture;
let server: RunningHttpServer;
const outDir = mkdtempSync(join(tmpdir(), 'wte-report-'));

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

beforeAll(async () => {
  fixture = await startReportFixture('state-report-cli');
  const { deps } = fixture;
  const notHere = async () =>
    problemResponse(problem(404, ProblemType.notFound, 'Not found', 'No such route.'));
  server = await startHttpServer(
    {
      authorizer: () => Promise.reject(new Error('no ingest in this test')),
      ingest: notHere,
      kpis: makeKpisHandler(deps),
      series: makeSeriesHandler(deps),
      report: makeReportHandler(deps),
      listAlerts: notHere,
      ackAlert: notHere,
      listPlants: notHere,
      ready: () => true,
      log: () => undefined,
    },
    0,
  );
}, 120_000);

afterAll(async () => {
  await server?.close();
  await fixture?.close();
  rmSync(outDir, { recursive: true, force: true });
});

const run = async (args: Record<string, string>) => {
  const io = capture();
  const code = await reportCommand(io, apiClientFrom({ target: server.url }, {}), args);
  return { code, io };
};

describe('wte report', () => {
  it('prints the API answer as JSON, the same the route gives', async () => {
    const { code, io } = await run({ plant: AST, year: '2026', format: 'json' });
    expect(code).toBe(0);
    const printed = JSON.parse(io.stdout.join('\n')) as Record<string, unknown>;
    const direct = await (await fetch(`${server.url}/v1/plants/${AST}/report?year=2026`)).json();
    expect(printed).toEqual(direct);
    expect(printed.months).toHaveLength(12);
  });

  it('writes CSV with one row per month and a totals row equal to the JSON totals', async () => {
    const out = join(outDir, 'report.csv');
    const { code, io } = await run({ plant: AST, year: '2026', format: 'csv', out });
    expect(code).toBe(0);
    expect(io.stderr.join('\n')).toContain(`wrote the 2026 report of ${AST} (csv) to ${out}`);
    const lines = readFileSync(out, 'utf8').split('\r\n');
    expect(lines[0]).toBe(['period', 'start', 'end', ...REPORT_CSV_FIELDS, 'complete'].join(','));
    expect(lines.slice(1, 13).map((l) => l.split(',')[0])).toEqual(
      Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
    );
    const json = (await (await fetch(`${server.url}/v1/plants/${AST}/report?year=2026`)).json()) as {
      totals: Record<string, number | null>;
    };
    const totals = (lines[13] as string).split(',');
    expect(totals[0]).toBe('2026');
    REPORT_CSV_FIELDS.forEach((field, i) => {
      const value = json.totals[field];
      expect(totals[3 + i], field).toBe(value === null || value === undefined ? '' : String(value));
    });
    expect(lines).toHaveLength(14);
  });

  it('writes the printable HTML document', async () => {
    const out = join(outDir, 'report.html');
    expect((await run({ plant: AST, year: '2026', out })).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('@page{size:A4');
    expect(html).toContain('Annual plant report 2026: Astana WtE');
    expect(html).toContain('extended producer responsibility (EPR)');
    expect(html).toContain('data-chart="tonnage"');
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?https?:/);
    expect(html).not.toContain('<script');
  });

  it('answers an unknown plant with the API problem and exit code 1', async () => {
    const { code, io } = await run({ plant: 'kz-nope-99', year: '2026' });
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain('404 Not found: No plant kz-nope-99');
  });

  it('answers a year the API refuses with its pointer and exit code 1', async () => {
    const { code, io } = await run({ plant: AST, year: '2030' });
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain('/query/year: must be from 1970 to 2026');
  });

  it.each([
    [{ year: '2026' }, '--plant PLANT_ID is required'],
    [{ plant: AST }, '--year YYYY is required'],
    [{ plant: AST, year: '26' }, 'is not a calendar year'],
    [{ plant: AST, year: '2026', format: 'pdf' }, '--format must be one of html, csv, json'],
  ])('refuses %j with usage and exit code 2', async (args, message) => {
    const { code, io } = await run(args);
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toContain(message);
    expect(io.stderr.join('\n')).toContain('Usage: wte report');
  });

  it('answers --help in process and through npx wte', async () => {
    const io = capture();
    expect(await main(['report', '--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('Usage: wte report --plant PLANT_ID --year YYYY');
    const spawned = spawnSync('npx', ['wte', 'report', '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(spawned.status, spawned.stderr).toBe(0);
    expect(spawned.stdout).toContain('--format html');
  }, 70_000);
});
