/**
 * What a processed batch touched, per plant, and its message on the alert
 * step queue (docs/alert-step.md): the processor stores a batch, then sends
 * one `{ v: 1, now, touched }` per plant; the alert step function judges
 * the batch rules over it. Only our own processor writes the queue, but the
 * alert step still validates every body: a bad one is a bug to see in the
 * DLQ, never a silent skip.
 */
import * as z from 'zod/mini';
import { LINE_PATTERN, PLANT_ID_PATTERN } from './telemetry.ts';
import './zod-english.ts';

/** A data-time span [from, to), epoch ms. */
export interface Span {
  readonly from: number;
  readonly to: number;
}

/** What a processed batch touched: a plant, the data-time span, and the lines with furnace readings. */
export interface TouchedPlant {
  readonly plantId: string;
  readonly from: number;
  readonly to: number;
  readonly furnaceLines: readonly string[];
  /**
   * The data-time spans of the batch's messages, each [from, to): only the
   * days these touch are recorded as arrived (one old reading in a live batch
   * must not mark the week in between). Default: [from, to).
   */
  readonly spans?: readonly Span[];
}

/** One plant of one batch; `now` is the batch's latest receive time. */
export interface AlertStepMessage {
  readonly now: number;
  readonly touched: TouchedPlant;
}

/**
 * The same instants in fewer spans: sorted, and spans that overlap or meet
 * joined (a gateway's consecutive minutes become one span). The days they
 * touch are exactly the days the input touches.
 */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const span of sorted) {
    const last = out.at(-1);
    if (last !== undefined && span.from <= last.to)
      out[out.length - 1] = { from: last.from, to: Math.max(last.to, span.to) };
    else out.push({ from: span.from, to: span.to });
  }
  return out;
}

/** Spans per queue message at most: 256 KiB holds several times this many. */
export const MAX_SPANS_PER_MESSAGE = 2_000;

/**
 * The queue bodies of one plant of a batch: one, unless its merged spans are
 * more than MAX_SPANS_PER_MESSAGE (then each body carries a share of them and
 * the same span, lines and `now`: judging a plant twice is idempotent).
 */
export function encodeAlertStep(message: AlertStepMessage): string[] {
  const { touched, now } = message;
  const spans = mergeSpans(touched.spans ?? [{ from: touched.from, to: touched.to }]);
  const bodies: string[] = [];
  for (let i = 0; i < spans.length; i += MAX_SPANS_PER_MESSAGE) {
    const share = spans.slice(i, i + MAX_SPANS_PER_MESSAGE);
    bodies.push(JSON.stringify({ v: 1, now, touched: { ...touched, spans: share } }));
  }
  return bodies;
}

const epochMs = z.number().check(z.int(), z.nonnegative());
const span = z
  .object({ from: epochMs, to: epochMs })
  .check(z.refine((s) => s.from < s.to, { message: 'a span ends after it starts' }));

const schema = z.object({
  v: z.literal(1),
  now: epochMs,
  touched: z.object({
    plantId: z.string().check(z.regex(PLANT_ID_PATTERN)),
    from: epochMs,
    to: epochMs,
    furnaceLines: z.array(z.string().check(z.regex(LINE_PATTERN))).check(z.maxLength(1_000)),
    spans: z.array(span).check(z.minLength(1), z.maxLength(MAX_SPANS_PER_MESSAGE)),
  }),
});

/** A queue body back, or the reason it is not one (a bug upstream: the message goes to the DLQ). */
export function decodeAlertStep(
  body: string,
): { ok: true; message: AlertStepMessage } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` };
  }
  const { now, touched } = parsed.data;
  if (touched.from >= touched.to) return { ok: false, reason: 'touched: span ends before it starts' };
  return { ok: true, message: { now, touched } };
}
