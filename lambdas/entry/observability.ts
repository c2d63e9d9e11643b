/**
 * Structured logs and CloudWatch metrics (embedded metric format, EMF) for
 * the Lambda entry points, and the small `log` and `count` functions the
 * handlers take (so handlers stay free of both and tests pass recorders).
 *
 * Written here rather than with Powertools Logger and Metrics: those
 * packages have no smaller entry point, and for the three calls we make they
 * added about 31 KiB and their set-up to every cold start (docs/bundles.md).
 * The lines keep the shape Powertools wrote, so log queries, metric filters,
 * the alarms and the dashboard read them unchanged.
 */
import { emfDocuments, MetricsBuffer } from './emf.ts';
import { type LogLevel, logLine, thresholdOf } from './log-line.ts';

export type LogFn = (
  level: 'info' | 'warn' | 'error',
  message: string,
  fields: Record<string, unknown>,
) => void;
/** Adds to a CloudWatch metric (embedded metric format), flushed at the end of the invocation. */
export type CountFn = (name: string, value: number) => void;

export const SERVICE_NAME = 'wte-telemetry';
export const METRICS_NAMESPACE = 'WteTelemetry';

export interface Observability {
  readonly log: LogFn;
  readonly count: CountFn;
  /** Wraps a handler so its metrics are published after every invocation, even a failed one. */
  instrument<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
}

/** Where lines go and what they read; the defaults are the Lambda runtime's. */
export interface ObservabilityIo {
  /** One JSON document; Lambda takes each stdout line as a log event. @default process.stdout */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
  /** `AWS_LAMBDA_LOG_LEVEL` (the function's application log level) and `_X_AMZN_TRACE_ID`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const LEVELS: Readonly<Record<Parameters<LogFn>[0], LogLevel>> = {
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

export function observability(functionName: string, io: ObservabilityIo = {}): Observability {
  const write = io.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = io.now ?? Date.now;
  const env = io.env ?? process.env;
  // Read once: Lambda sets the level with the function's configuration, which a running environment keeps.
  const threshold = thresholdOf(env.AWS_LAMBDA_LOG_LEVEL);
  const context = { service: SERVICE_NAME, function: functionName };

  const log: LogFn = (level, message, fields) => {
    const line = logLine(LEVELS[level], message, fields, {
      threshold,
      timestamp: now(),
      // The runtime sets the trace header per invocation, so it is read per line.
      traceHeader: env._X_AMZN_TRACE_ID,
      context,
    });
    if (line !== undefined) write(line);
  };

  const buffer = new MetricsBuffer();
  const publish = () => {
    for (const document of emfDocuments(buffer.drain(), {
      namespace: METRICS_NAMESPACE,
      dimensions: context,
      timestamp: now(),
    }))
      write(document);
  };
  const count: CountFn = (name, value) => {
    // A full buffer is published mid-invocation, so one invocation holds at most one document's worth.
    if (buffer.full(name)) publish();
    const refused = buffer.add(name, value);
    if (refused !== undefined) log('warn', 'metric value dropped', { metric: name, reason: refused });
  };

  return {
    log,
    count,
    instrument:
      (handler) =>
      async (...args) => {
        try {
          return await handler(...args);
        } finally {
          publish();
        }
      },
  };
}
