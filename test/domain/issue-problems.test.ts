/**
 * Each zod issue maps to its own problem type (issue #17 item 6): a string
 * too long is not "too many items", a number out of range is not a malformed
 * member; and a refused message still names its messageId when it had a
 * well-formed one.
 */
import { describe, expect, it } from 'vitest';
import { parseTelemetry, parseTelemetryBody } from '../../lambdas/domain/parse-telemetry.ts';
import { ProblemType, type ProblemTypeUri } from '../../lambdas/domain/problem.ts';

const NOW = Date.UTC(2026, 10, 24, 10, 0, 0);
const OPTIONS = { now: NOW, plantId: 'kz-ast-01' };
const TS = NOW - 60_000;

const envelope = (extra: Record<string, unknown> = {}) => ({
  schema: 'wte.telemetry.v1',
  messageId: 'gw-ast-01:000200',
  readings: [{ ts: TS, line: 'boiler-1', metric: 'furnace_temperature', value: 900 }],
  ...extra,
});

const goodReading = { ts: TS, line: 'boiler-1', metric: 'furnace_temperature', value: 900 };
const goodTicket = { ticketId: 'WB-1', ts: TS, direction: 'in', netTonnes: 20, material: 'mixed_waste' };

describe('message-level problems', () => {
  it('answers a sentAt over 64 characters as an invalid message, not as too many items', () => {
    const result = parseTelemetry(envelope({ sentAt: `2026-11-24T10:00:00Z${' '.repeat(45)}` }), OPTIONS);
    expect(result).toEqual({
      ok: false,
      problem: {
        type: ProblemType.invalidMessage,
        title: 'Invalid telemetry message',
        status: 400,
        detail: 'The message envelope does not follow wte.telemetry.v1.',
        errors: [{ pointer: '/sentAt', detail: 'must be at most 64 characters' }],
        messageId: 'gw-ast-01:000200',
      },
    });
  });

  it('keeps too-many-items for an over-long readings or movements array only', () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ ...goodReading, ts: TS - i }));
    const result = parseTelemetry(envelope({ readings: many, sentAt: 'x'.repeat(65) }), OPTIONS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.type).toBe(ProblemType.tooManyItems);
    expect(result.problem.errors.map((e) => e.pointer)).toEqual(['/sentAt', '/readings']);
  });
});

describe('item-level problems, one type per kind of issue', () => {
  it.each<{
    name: string;
    reading?: object;
    movement?: object;
    pointer: string;
    type: ProblemTypeUri;
    detail?: string;
  }>([
    {
      name: 'a ts string over 64 characters',
      reading: { ...goodReading, ts: 'x'.repeat(65) },
      pointer: '/readings/0/ts',
      type: ProblemType.valueTooLong,
      detail: 'must be at most 64 characters',
    },
    {
      name: 'a metric name over 64 characters',
      reading: { ...goodReading, metric: 'm'.repeat(65) },
      pointer: '/readings/0/metric',
      type: ProblemType.unknownMetric,
    },
    {
      name: 'a unit over 16 characters',
      reading: { ...goodReading, unit: 'u'.repeat(17) },
      pointer: '/readings/0/unit',
      type: ProblemType.invalidUnit,
    },
    {
      name: 'a missing line',
      reading: { ts: TS, metric: 'nox', value: 1 },
      pointer: '/readings/0/line',
      type: ProblemType.missingMember,
      detail: 'is required',
    },
    {
      name: 'a value that is a string',
      reading: { ...goodReading, value: '900' },
      pointer: '/readings/0/value',
      type: ProblemType.wrongType,
      detail: 'must be a finite number',
    },
    {
      name: 'a quality not in the list',
      reading: { ...goodReading, quality: 'OK' },
      pointer: '/readings/0/quality',
      type: ProblemType.invalidChoice,
    },
    {
      name: 'a line with a space',
      reading: { ...goodReading, line: 'boiler 1' },
      pointer: '/readings/0/line',
      type: ProblemType.invalidFormat,
    },
    {
      name: 'a reading that is a number',
      reading: 5 as unknown as object,
      pointer: '/readings/0',
      type: ProblemType.wrongType,
    },
    {
      name: 'netTonnes over 100',
      movement: { ...goodTicket, netTonnes: 1e12 },
      pointer: '/movements/0/netTonnes',
      type: ProblemType.valueOutOfRange,
      detail: 'must be at most 100',
    },
    {
      name: 'netTonnes of 0',
      movement: { ...goodTicket, netTonnes: 0 },
      pointer: '/movements/0/netTonnes',
      type: ProblemType.valueOutOfRange,
    },
    {
      name: 'an unknown material',
      movement: { ...goodTicket, material: 'gold' },
      pointer: '/movements/0/material',
      type: ProblemType.invalidChoice,
    },
    {
      name: 'a ticketId with a space',
      movement: { ...goodTicket, ticketId: 'WB 1' },
      pointer: '/movements/0/ticketId',
      type: ProblemType.invalidFormat,
    },
    {
      name: 'an outgoing ticket without destination',
      movement: { ...goodTicket, direction: 'out' },
      pointer: '/movements/0/destination',
      type: ProblemType.missingMember,
    },
    {
      name: 'a ts without an offset',
      movement: { ...goodTicket, ts: '2026-11-24T09:00:00' },
      pointer: '/movements/0/ts',
      type: ProblemType.invalidFormat,
    },
  ])('$name: $type at $pointer', ({ reading, movement, pointer, type, detail }) => {
    const result = parseTelemetry(
      envelope({
        readings: [reading ?? goodReading, ...(reading ? [{ ...goodReading, line: 'other' }] : [])],
        movements: movement ? [movement] : [],
      }),
      OPTIONS,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problem));
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ pointer, type });
    if (detail !== undefined) expect(result.rejected[0]?.detail).toBe(detail);
  });
});

describe('the messageId of a refused message', () => {
  it('is carried when the payload had a well-formed one, whatever else is wrong, and only then', () => {
    for (const body of [
      { schema: 'wte.telemetry.v2', messageId: 'gw-1:7', readings: [goodReading] },
      { schema: 'wte.telemetry.v1', messageId: 'gw-1:7', readings: [] },
      { schema: 'wte.telemetry.v1', messageId: 'gw-1:7', plantId: 'kz-ala-01', readings: [goodReading] },
      { schema: 'wte.telemetry.v1', messageId: 'gw-1:7', readings: [{ ...goodReading, metric: 'nope' }] },
    ]) {
      const result = parseTelemetryBody(JSON.stringify(body), OPTIONS);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problem.messageId).toBe('gw-1:7');
    }
    for (const body of [
      '{"schema":',
      '[1,2]',
      JSON.stringify({ schema: 'x', messageId: 'has space' }),
      JSON.stringify({ schema: 'x', messageId: 42 }),
      JSON.stringify({ schema: 'x', messageId: 'm'.repeat(129) }),
    ]) {
      const result = parseTelemetryBody(body, OPTIONS);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(Object.keys(result.problem)).not.toContain('messageId');
    }
  });
});
