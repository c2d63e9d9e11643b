import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/wte.ts';

const PLANT = 'kz-ast-01';
const DAY1 = Date.parse('2026-11-20T00:00:00+05:00');
const DAY2 = Date.parse('2026-11-21T00:00:00+05:00');
const MIN = 60_000;

/** Day 1 landfills 70 % of 100 t (diversion 30 %), trucked out in the evening; day 2 20 %; a 10-minute furnace dip on day 2. */
function recording(): string {
  const lines: string[] = [];
  let seq = 0;
  const message = (readings: object[], movements: object[]) =>
    JSON.stringify({
      schema: 'wte.telemetry.v1',
      messageId: `gw:${++seq}`,
      plantId: PLANT,
      readings,
      movements,
    });
  for (const [day, landfilled] of [
    [DAY1, 7],
    [DAY2, 2],
  ] as const) {
    for (let i = 0; i < 10; i++) {
      const ts = day + (8 * 60 + i * 30) * MIN;
      const out =
        i < landfilled
          ? [
              {
                ticketId: `O-${day}-${i}`,
                ts: day + (20 * 60 + i * 10) * MIN,
                direction: 'out',
                netTonnes: 10,
                material: 'rejects',
                destination: 'landfill',
              },
            ]
          : [];
      lines.push(
        message(
          [],
          [
            { ticketId: `I-${day}-${i}`, ts, direction: 'in', netTonnes: 10, material: 'mixed_waste' },
            ...out,
          ],
        ),
      );
    }
  }
  const start = DAY2 + 14 * 60 * MIN;
  for (let m = 0; m < 40; m++) {
    const ts = start + m * MIN;
    lines.push(
      message(
        [{ ts, line: 'boiler-1', metric: 'furnace_temperature', value: m >= 10 && m < 20 ? 810 : 930 }],
        [],
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['backtest', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err: err.join('\n') };
}

describe('wte backtest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wte-backtest-'));
  const input = join(dir, 'telemetry.jsonl');
  writeFileSync(input, recording());

  it('prints the transitions the rules would have published', async () => {
    const { code, out, err } = await run('--input', input, '--every', '60', '--json');
    expect(code).toBe(0);
    expect(err).toContain('60 messages replayed');
    const transitions = out.map(
      (l) => JSON.parse(l) as { type: string; kind: string; subject: string; severity: string },
    );
    const of = (type: string) =>
      transitions.filter((t) => t.type === type).map((t) => `${t.subject}:${t.kind}`);
    // Day 1 ends at 30 %: one alert about that day, which the good day after it does not resolve.
    expect(of('DIVERSION_BELOW_TARGET')).toEqual(['day/2026-11-20:opened']);
    expect(of('COMBUSTION_TEMPERATURE_LOW')).toEqual([
      'boiler-1/furnace_temperature:opened',
      'boiler-1/furnace_temperature:resolved',
    ]);
    expect(transitions.find((t) => t.type === 'COMBUSTION_TEMPERATURE_LOW')?.severity).toBe('critical');
  });

  it('uses plant settings from --config to tune thresholds', async () => {
    const config = join(dir, 'plant.json');
    writeFileSync(config, JSON.stringify({ diversionTarget: 0.2, combustionMinTempC: 800 }));
    const { code, out } = await run('--input', input, '--config', config, '--every', '60', '--json');
    expect(code).toBe(0);
    const fired = out.map((l) => JSON.parse(l) as { type: string; subject: string });
    // Day 1 ends at 30 % diversion: above a 20 % target, so the day rule stays quiet.
    expect(fired.filter((t) => t.type === 'DIVERSION_BELOW_TARGET')).toEqual([]);
    // The dip to 810 degC is above an 800 degC limit.
    expect(fired.filter((t) => t.type === 'COMBUSTION_TEMPERATURE_LOW')).toEqual([]);
  });

  it('refuses a config with a bad value, naming it', async () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ diversionTarget: 'high' }));
    const { code, err } = await run('--input', input, '--config', config);
    expect(code).toBe(2);
    expect(err).toContain('diversionTarget');
  });
});
