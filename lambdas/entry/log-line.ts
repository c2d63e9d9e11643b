/**
 * One structured log line (JSON, the keys Powertools Logger wrote): level,
 * message, timestamp, service, X-Ray trace id, the function, then the
 * caller's fields. Serializing never throws: errors become objects, bigints
 * strings, repeated references a marker.
 */

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const RANK: Readonly<Record<LogLevel, number>> = { DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20 };
/** Keys of the line itself; a field of the same name is dropped rather than let it hide them. */
const RESERVED = new Set(['level', 'message', 'timestamp', 'service', 'function', 'xray_trace_id']);

/** The lowest level written for `AWS_LAMBDA_LOG_LEVEL` (Lambda's application log level); INFO when unset or unknown. */
export function thresholdOf(setting: string | undefined): number {
  const level = setting?.toUpperCase();
  if (level === 'TRACE' || level === 'DEBUG') return RANK.DEBUG;
  if (level === 'WARN' || level === 'ERROR') return RANK[level];
  if (level === 'FATAL') return RANK.ERROR + 1;
  return RANK.INFO;
}

export interface LineContext {
  readonly threshold: number;
  readonly timestamp: number;
  /** `_X_AMZN_TRACE_ID`: `Root=1-...;Parent=...;Sampled=1`. */
  readonly traceHeader: string | undefined;
  /** Keys every line carries (service, function). */
  readonly context: Readonly<Record<string, string>>;
}

/** The line, or undefined when `level` is below the threshold. */
export function logLine(
  level: LogLevel,
  message: string,
  fields: Readonly<Record<string, unknown>>,
  line: LineContext,
): string | undefined {
  if (RANK[level] < line.threshold) return undefined;
  const traceId = traceRoot(line.traceHeader);
  const record: Record<string, unknown> = {
    level,
    message,
    timestamp: new Date(line.timestamp).toISOString(),
    ...line.context,
    ...(traceId === undefined ? {} : { xray_trace_id: traceId }),
  };
  for (const [key, value] of Object.entries(fields)) if (!RESERVED.has(key)) record[key] = value;
  return JSON.stringify(record, safeValues());
}

function traceRoot(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (!header.includes('=')) return header;
  const root = header.split(';').find((part) => part.startsWith('Root='));
  return root?.slice('Root='.length);
}

/** A JSON.stringify replacer that turns what JSON cannot hold into something readable. */
function safeValues(): (this: unknown, key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (value instanceof Error)
      return {
        name: value.name,
        message: value.message,
        ...(value.stack === undefined ? {} : { stack: value.stack }),
        ...(value.cause === undefined ? {} : { cause: value.cause }),
      };
    return value;
  };
}
