/**
 * `wte validate` refuses out-of-bounds readings item by item, exactly as
 * ingest does (issue #17 item 3), and names the message it refuses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/io.ts';
import { validateCommand } from '../../cli/validate-command.ts';
import { FixedClock } from '../support/memory-ports.ts';

const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const TS = NOW - 60_000;

function capture(): CliIo & { stdout: string[] } {
  const stdout: string[] = [];
  return { stdout, out: (t) => stdout.push(t), err: () => {} };
}

function fileWith(readings: object[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wte-validate-')), 'message.json');
  writeFileSync(
    file,
    JSON.stringify({ schema: 'wte.telemetry.v1', messageId: 'gw-ast-01:77', plantId: 'kz-ast-01', readings }),
  );
  return file;
}

describe('wte validate and physical bounds', () => {
  it('rejects -5000 K, 1e308 degC and 250 % O2 by pointer and keeps the valid reading (exit 1)', async () => {
    const file = fileWith([
      { ts: TS, line: 'boiler-1', metric: 'furnace_temperature', value: 912.4, unit: 'degC' },
      { ts: TS, line: 'boiler-2', metric: 'furnace_temperature', value: -5000, unit: 'K' },
      { ts: TS, line: 'boiler-3', metric: 'furnace_temperature', value: 1e308, unit: 'degC' },
      { ts: TS, line: 'boiler-1', metric: 'flue_gas_o2', value: 250, unit: '%' },
    ]);
    const io = capture();
    expect(await validateCommand(io, new FixedClock(NOW), file, undefined)).toBe(1);
    const report = JSON.parse(io.stdout.join('\n'));
    expect(report).toEqual({
      messageId: 'gw-ast-01:77',
      plantId: 'kz-ast-01',
      acceptedReadings: 1,
      acceptedMovements: 0,
      rejected: [
        {
          pointer: '/readings/1/value',
          type: 'urn:wte:problem:value-out-of-range',
          detail:
            'furnace_temperature -5000 K (-5273.15 degC) is below the physical minimum -273.15 degC (absolute zero)',
        },
        {
          pointer: '/readings/2/value',
          type: 'urn:wte:problem:value-out-of-range',
          detail: 'furnace_temperature 1e+308 degC is above the physical maximum 2000 degC',
        },
        {
          pointer: '/readings/3/value',
          type: 'urn:wte:problem:value-out-of-range',
          detail: 'flue_gas_o2 250 % is above the physical maximum 100 %',
        },
      ],
    });
  });

  it('refuses a message whose only reading is out of bounds, naming the message (exit 1)', async () => {
    const file = fileWith([{ ts: TS, line: 'boiler-1', metric: 'flue_gas_o2', value: 250 }]);
    const io = capture();
    expect(await validateCommand(io, new FixedClock(NOW), file, 'kz-ast-01')).toBe(1);
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({
      type: 'urn:wte:problem:no-valid-items',
      status: 400,
      messageId: 'gw-ast-01:77',
      errors: [
        { pointer: '/readings/0/value', detail: 'flue_gas_o2 250 % is above the physical maximum 100 %' },
      ],
    });
  });
});
