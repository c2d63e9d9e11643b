/**
 * RFC 9457 problem details: the one shape every refusal takes, on HTTP
 * (`application/problem+json`) and on MQTT (`wte/v1/{plantId}/rejected`).
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type URIs; each is documented in the README and docs/validation.md. */
export const ProblemType = {
  invalidJson: 'urn:wte:problem:invalid-json',
  invalidMessage: 'urn:wte:problem:invalid-message',
  plantMismatch: 'urn:wte:problem:plant-mismatch',
  noValidItems: 'urn:wte:problem:no-valid-items',
  tooManyItems: 'urn:wte:problem:too-many-items',
  invalidItem: 'urn:wte:problem:invalid-item',
  missingMember: 'urn:wte:problem:missing-member',
  wrongType: 'urn:wte:problem:wrong-type',
  invalidFormat: 'urn:wte:problem:invalid-format',
  valueTooLong: 'urn:wte:problem:value-too-long',
  valueOutOfRange: 'urn:wte:problem:value-out-of-range',
  invalidChoice: 'urn:wte:problem:invalid-choice',
  unknownMetric: 'urn:wte:problem:unknown-metric',
  invalidUnit: 'urn:wte:problem:invalid-unit',
  timestampOutOfRange: 'urn:wte:problem:timestamp-out-of-range',
  conflict: 'urn:wte:problem:conflict',
  unauthorized: 'urn:wte:problem:unauthorized',
  forbidden: 'urn:wte:problem:forbidden',
  notFound: 'urn:wte:problem:not-found',
  methodNotAllowed: 'urn:wte:problem:method-not-allowed',
  unsupportedMediaType: 'urn:wte:problem:unsupported-media-type',
  payloadTooLarge: 'urn:wte:problem:payload-too-large',
  rateLimited: 'urn:wte:problem:rate-limited',
  unavailable: 'urn:wte:problem:unavailable',
  invalidQuery: 'urn:wte:problem:invalid-query',
} as const;

export type ProblemTypeUri = (typeof ProblemType)[keyof typeof ProblemType];

export interface FieldError {
  /** RFC 6901 JSON pointer into the request body (or query, for parameters). */
  readonly pointer: string;
  readonly detail: string;
}

export interface Problem {
  readonly type: ProblemTypeUri;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors: readonly FieldError[];
  readonly instance?: string;
  /**
   * The refused message's id, when its payload had a well-formed one, so a
   * gateway on MQTT can tell which message a notice is about.
   */
  readonly messageId?: string;
}

/** At most this many bytes of caller input ever appear in a problem. */
export const MAX_ECHO_BYTES = 128;
const MAX_QUOTE_BYTES = 48;

/**
 * Quotes a fragment of caller input for a human-readable detail: at most 48
 * UTF-8 bytes of it, with control characters escaped, so a problem body can
 * never carry much input.
 */
export function quote(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) text = String(value);
  else return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  let cut = '';
  let bytes = 0;
  for (const char of text) {
    const size = new TextEncoder().encode(char).byteLength;
    if (bytes + size > MAX_QUOTE_BYTES) break;
    cut += char;
    bytes += size;
  }
  const safe = JSON.stringify(cut);
  return cut.length < text.length ? `${safe.slice(0, -1)}…"` : safe;
}

export function problem(
  status: number,
  type: ProblemTypeUri,
  title: string,
  detail: string,
  errors: readonly FieldError[] = [],
): Problem {
  return { type, title, status, detail, errors };
}

/** RFC 6901: escape one reference token. */
export function pointerToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

export function pointer(...tokens: ReadonlyArray<string | number>): string {
  return tokens.map((t) => `/${pointerToken(t)}`).join('');
}
