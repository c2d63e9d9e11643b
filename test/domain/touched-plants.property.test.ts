/**
 * The alert step queue's message: spans merged without changing which
 * instants (so which days) they cover, a round trip that keeps what the
 * processor touched, large plants split into messages that each decode, and
 * a clear reason for a body that is not one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeAlertStep,
  encodeAlertStep,
  MAX_SPANS_PER_MESSAGE,
  mergeSpans,
  type Span,
  type TouchedPlant,
} from '../../lambdas/domain/touched-plants.ts';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const span = fc
  .tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 1, max: 500 }))
  .map(([start, length]): Span => ({ from: T0 + start * 60_000, to: T0 + (start + length) * 60_000 }));
const spans = fc.array(span, { minLength: 1, maxLength: 60 });

const covers = (list: readonly Span[], t: number) => list.some((s) => s.from <= t && t < s.to);
/** Every instant where coverage could change: each bound and its neighbours. */
const probes = (list: readonly Span[]) => list.flatMap((s) => [s.from - 1, s.from, s.to - 1, s.to]);

function touchedOf(list: readonly Span[], plantId = 'kz-ast-01'): TouchedPlant {
  return {
    plantId,
    from: Math.min(...list.map((s) => s.from)),
    to: Math.max(...list.map((s) => s.to)),
    furnaceLines: ['line-1', 'line-2'],
    spans: list,
  };
}

describe('mergeSpans', () => {
  it('covers exactly the instants its input covers, in sorted spans that neither overlap nor meet', () => {
    fc.assert(
      fc.property(spans, (input) => {
        const merged = mergeSpans(input);
        for (const t of probes(input)) expect(covers(merged, t)).toBe(covers(input, t));
        for (let i = 1; i < merged.length; i++)
          expect((merged[i] as Span).from).toBeGreaterThan((merged[i - 1] as Span).to);
      }),
    );
  });

  it('makes a gateway stream of consecutive minutes one span', () => {
    const minutes = Array.from({ length: 30 }, (_, i) => ({
      from: T0 + i * 60_000,
      to: T0 + (i + 1) * 60_000,
    }));
    expect(mergeSpans([...minutes].reverse())).toEqual([{ from: T0, to: T0 + 30 * 60_000 }]);
  });
});

describe('alert step messages', () => {
  it('decode to what the processor touched, with its spans merged', () => {
    fc.assert(
      fc.property(spans, fc.integer({ min: T0, max: T0 + 10 * 86_400_000 }), (input, now) => {
        const touched = touchedOf(input);
        const bodies = encodeAlertStep({ now, touched });
        expect(bodies).toHaveLength(1);
        const decoded = decodeAlertStep(bodies[0] as string);
        expect(decoded).toEqual({
          ok: true,
          message: { now, touched: { ...touched, spans: mergeSpans(input) } },
        });
      }),
    );
  });

  it('split a plant with more disjoint spans than one message holds; each part decodes and they cover the whole', () => {
    const many = Array.from({ length: MAX_SPANS_PER_MESSAGE * 2 + 5 }, (_, i) => ({
      from: T0 + i * 120_000,
      to: T0 + i * 120_000 + 60_000,
    }));
    const bodies = encodeAlertStep({ now: T0, touched: touchedOf(many) });
    expect(bodies).toHaveLength(3);
    const parts = bodies.map((body) => decodeAlertStep(body));
    const covered = parts.flatMap((part) => (part.ok ? (part.message.touched.spans ?? []) : []));
    expect(parts.every((part) => part.ok)).toBe(true);
    expect(covered).toEqual(many);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThan(256 * 1024);
  });

  it.each([
    ['not JSON', '{', 'body is not JSON'],
    [
      'another version',
      JSON.stringify({ v: 2, now: T0, touched: touchedOf([{ from: T0, to: T0 + 1 }]) }),
      'v',
    ],
    [
      'a span that ends before it starts',
      JSON.stringify({ v: 1, now: T0, touched: touchedOf([{ from: T0 + 5, to: T0 }]) }),
      'touched',
    ],
    [
      'a plant id outside the contract',
      JSON.stringify({ v: 1, now: T0, touched: touchedOf([{ from: T0, to: T0 + 1 }], 'KZ AST') }),
      'touched.plantId',
    ],
    [
      'no spans',
      JSON.stringify({ v: 1, now: T0, touched: { ...touchedOf([{ from: T0, to: T0 + 1 }]), spans: [] } }),
      'spans',
    ],
  ])('refuse %s, saying where', (_, body, where) => {
    const decoded = decodeAlertStep(body);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toContain(where);
  });
});
