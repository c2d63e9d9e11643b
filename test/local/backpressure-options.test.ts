/**
 * `wte local` / `npm start` backlog-bound options: flags win over environment
 * variables, which win over the documented defaults; bad values are usage
 * errors that show the value.
 */
import { describe, expect, it } from 'vitest';
import { localOptions } from '../../cli/local-command.ts';
import { DEFAULT_BACKLOG_BOUND, DEFAULT_MQTT_HOLD_MS } from '../../lambdas/local/backlog-bound.ts';

const io = { out: () => {}, err: () => {} };

describe('wte local backlog options', () => {
  it('defaults to 2 s, 64 MiB and a 10 s MQTT hold', () => {
    expect(localOptions({}, {}, io).backlog).toEqual({
      maxAgeMs: DEFAULT_BACKLOG_BOUND.maxAgeMs,
      maxBytes: DEFAULT_BACKLOG_BOUND.maxBytes,
      mqttHoldMs: DEFAULT_MQTT_HOLD_MS,
    });
    expect(DEFAULT_BACKLOG_BOUND).toEqual({ maxAgeMs: 2_000, maxBytes: 64 * 1024 * 1024 });
  });

  it('reads the environment, and flags win over it', () => {
    const env = { WTE_MAX_BACKLOG_AGE_SECONDS: '5', WTE_MAX_BACKLOG_MIB: '8', WTE_MQTT_HOLD_SECONDS: '2' };
    expect(localOptions({}, env, io).backlog).toEqual({
      maxAgeMs: 5_000,
      maxBytes: 8 * 1024 * 1024,
      mqttHoldMs: 2_000,
    });
    const flags = { 'max-backlog-age': '2.5', 'max-backlog-mib': '1.5', 'mqtt-hold': '0' };
    expect(localOptions(flags, env, io).backlog).toEqual({
      maxAgeMs: 2_500,
      maxBytes: 1.5 * 1024 * 1024,
      mqttHoldMs: 0,
    });
  });

  it.each([
    [{ 'max-backlog-age': '0' }, /--max-backlog-age must be .*"0"/],
    [{ 'max-backlog-mib': 'lots' }, /--max-backlog-mib must be .*"lots"/],
    [{ 'mqtt-hold': '61' }, /--mqtt-hold must be 0 to 60; got "61"/],
  ])('refuses %o', (flags, message) => {
    expect(() => localOptions(flags, {}, io)).toThrow(message);
  });
});
