import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS, joinDashValues, main } from '../../bin/wte.ts';
import type { CliIo } from '../../cli/io.ts';

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

describe('wte CLI', () => {
  it('lists every command in --help, all of them available', async () => {
    const io = capture();
    expect(await main(['--help'], io)).toBe(0);
    const help = io.stdout.join('\n');
    for (const name of [
      'start',
      'local',
      'simulate',
      'query',
      'token',
      'bench',
      'validate',
      'catalog',
      'r1',
    ]) {
      expect(help).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    expect(help).not.toContain('not yet available');
  });

  it('answers --help on every command with its usage and exit code 0', async () => {
    for (const { name, comingWith } of COMMANDS) {
      if (comingWith) continue;
      const io = capture();
      expect(await main([name, '--help'], io), name).toBe(0);
      expect(io.stdout.join('\n'), name).toContain(`Usage: wte ${name}`);
      expect(io.stderr, name).toEqual([]);
    }
  });

  it('takes a relative time after an option (--from -1d), as --from=-1d', async () => {
    expect(joinDashValues(['--from', '-1d', '--to', '-2h', '--json'])).toEqual([
      '--from=-1d',
      '--to=-2h',
      '--json',
    ]);
    expect(joinDashValues(['--from', '--json', '-h', 'kpis'])).toEqual(['--from', '--json', '-h', 'kpis']);
    const io = capture();
    const code = await main(
      [
        'query',
        'kpis',
        '--plant',
        'kz-ast-01',
        '--from',
        '-1d',
        '--interval',
        '1h',
        '--target',
        'http://127.0.0.1:1',
      ],
      io,
    );
    // Parsed: the command got as far as the network, not refused as an ambiguous option.
    expect(code).not.toBe(0);
    expect(io.stderr.join('\n')).toContain('cannot reach http://127.0.0.1:1');
  });

  it('dispatches bench: its usage on --help, exit code 2 for an unknown suite', async () => {
    const help = capture();
    expect(await main(['bench', '--help'], help)).toBe(0);
    expect(help.stdout.join('\n')).toContain('Usage: wte bench');
    const refused = capture();
    expect(await main(['bench', '--only', 'warp-drive'], refused)).toBe(2);
    expect(refused.stderr.join('\n')).toContain('unknown suite warp-drive');
  });

  it('says which port is taken when local mode cannot listen, instead of crashing with a stack', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const io = capture();
      const dataDir = mkdtempSync(join(tmpdir(), 'wte-port-'));
      const code = await main(
        ['local', '--port', String(port), '--mqtt-port', '0', '--data-dir', dataDir],
        io,
      );
      expect(code).toBe(1);
      expect(io.stderr.join('\n')).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      taken.close();
    }
  });

  it('refuses an unknown command with exit code 2', async () => {
    const io = capture();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('unknown command "frobnicate"');
  });

  it('says which issue brings a command that is not available yet', async () => {
    const pending = COMMANDS.filter((c) => c.comingWith);
    for (const command of pending) {
      const io = capture();
      expect(await main([command.name], io)).toBe(2);
      expect(io.stderr.join('\n')).toContain('not available yet');
    }
  });

  it('computes R1 from annual totals (docs/reference/domain.md worked example)', async () => {
    const io = capture();
    const args = ['r1', '--electricity-mwh', '120000', '--waste-t', '200000', '--ncv', '10'];
    const rest = [
      '--fuel-gj',
      '20000',
      '--imported-gj',
      '30000',
      '--hdd',
      '4000',
      '--permitted',
      '2020-01-01',
    ];
    expect(await main([...args, ...rest, '--year', '2026', '--json'], io)).toBe(0);
    const result = JSON.parse(io.stdout.join('\n')) as { r1: number; qualifiesAsRecovery: boolean };
    expect(result.r1).toBeCloseTo(0.548, 3);
    expect(result.qualifiesAsRecovery).toBe(false);
  });

  it('explains a missing R1 option', async () => {
    const io = capture();
    expect(await main(['r1', '--permitted', '2020-01-01'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('--electricity-mwh is required');
  });

  it('validates a message file like ingest would, reporting per-item rejections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wte-cli-'));
    const file = join(dir, 'message.json');
    const ts = new Date().toISOString();
    writeFileSync(
      file,
      JSON.stringify({
        schema: 'wte.telemetry.v1',
        messageId: 'gw:1',
        plantId: 'kz-ast-01',
        readings: [
          { ts, line: 'boiler-1', metric: 'furnace_temperature', value: 900 },
          { ts, line: 'boiler-1', metric: 'furnace_temp', value: 900 },
        ],
      }),
    );
    const io = capture();
    expect(await main(['validate', file], io)).toBe(1);
    const report = JSON.parse(io.stdout.join('\n')) as {
      acceptedReadings: number;
      rejected: Array<{ pointer: string }>;
    };
    expect(report.acceptedReadings).toBe(1);
    expect(report.rejected.map((r) => r.pointer)).toEqual(['/readings/1/metric']);
  });

  it('runs as `npx wte` from the package bin', () => {
    const run = spawnSync('npx', ['--no-install', 'wte', 'catalog', '--json'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<{ metric: string; unit: string }>;
    expect(rows).toContainEqual(expect.objectContaining({ metric: 'heat_exported', unit: 'MWh' }));
    expect(rows).toHaveLength(23);
  });
});
