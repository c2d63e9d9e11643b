/**
 * The one observability wrapper of the Lambda entry points: Powertools
 * Logger with the invocation's Lambda context, Metrics (embedded metric
 * format) flushed after every invocation, and the small `log`/`count`
 * functions the handlers take (so handlers stay free of Powertools and tests
 * pass a recorder instead). Powertools Tracer only in a stack deployed with
 * `-c powertoolsTracer=true` (docs/tracing.md: it costs 122 KiB a bundle).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

/** Set by lib/constructs/wte-function.ts for every bundle; esbuild folds the import away when false. */
declare const __WTE_TRACER__: boolean | undefined;
const tracing =
  typeof __WTE_TRACER__ !== 'undefined' && __WTE_TRACER__ ? await import('./tracing.ts') : undefined;

export const SERVICE_NAME = 'wte-telemetry';
/** One Tracer per process, for the invocations and the SDK clients. */
const tracer = tracing && new tracing.Tracer({ serviceName: SERVICE_NAME });

/** An AWS SDK client whose calls are traced when the stack asked for the Tracer; else the client itself. */
export function tracedClient<C>(client: C): C {
  return tracing && tracer ? tracing.captureClient(tracer, client) : client;
}

export type LogFn = (
  level: 'info' | 'warn' | 'error',
  message: string,
  fields: Record<string, unknown>,
) => void;
/** Adds to a CloudWatch metric (embedded metric format), flushed at the end of the invocation. */
export type CountFn = (name: string, value: number) => void;

export const METRICS_NAMESPACE = 'WteTelemetry';

type Handler<E, R> = (event: E, context?: Context) => Promise<R>;

export interface LoggedEntry {
  readonly logger: Logger;
  readonly log: LogFn;
  /**
   * Wraps the handler: the logger gets each invocation's context, and a failure is logged with it
   * unless `expected` says it is an answer (the authorizer's 401), logged by the handler itself.
   */
  handler<E, R>(
    run: Handler<E, R>,
    options?: { readonly expected?: (error: unknown) => boolean },
  ): Handler<E, R>;
}

export interface MeasuredEntry extends LoggedEntry {
  readonly metrics: Metrics;
  readonly count: CountFn;
}

/** What a wrapper does around one invocation; `after` runs even when the handler failed. */
interface Hooks {
  readonly before?: () => void;
  readonly outcome?: (result: unknown) => void;
  readonly after?: () => void;
}

function entry(functionName: string, logger: Logger, hooks: Hooks): LoggedEntry {
  const traces = tracing && tracer ? tracing.invocationTracer(functionName, tracer) : undefined;
  const log: LogFn = (level, message, fields) => logger[level](message, fields);
  return {
    logger,
    log,
    handler:
      <E, R>(
        run: Handler<E, R>,
        options?: { readonly expected?: (error: unknown) => boolean },
      ): Handler<E, R> =>
      async (event, context) => {
        // Request id, cold start, function name and version on every line of this invocation.
        if (context) logger.addContext(context);
        hooks.before?.();
        try {
          const result = traces
            ? await traces.traced(
                () => run(event, context),
                (answer) => (statusOf(answer) ?? 0) >= 500,
              )
            : await run(event, context);
          hooks.outcome?.(result);
          return result;
        } catch (error) {
          if (!options?.expected?.(error)) logger.error(`${functionName} invocation failed`, error as Error);
          throw error;
        } finally {
          hooks.after?.();
        }
      },
  };
}

function newLogger(functionName: string): Logger {
  return new Logger({ serviceName: SERVICE_NAME, persistentKeys: { function: functionName } });
}

/** Logger alone, for a function that counts nothing: its bundle holds no Metrics (10.7 KiB). */
export function loggedEntry(functionName: string): LoggedEntry {
  return entry(functionName, newLogger(functionName), {});
}

/**
 * Logger and Metrics. An answer with an HTTP status of 500 or more (the API's
 * problem details) is logged and counted as `ServerErrors`, 503 also as
 * `Overloaded`: API Gateway's 5XXError says that one happened, this says which.
 */
export function measuredEntry(functionName: string): MeasuredEntry {
  const logger = newLogger(functionName);
  // A default dimension survives every flush; one added with addDimension is cleared after the first.
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { function: functionName },
  });
  const count: CountFn = (name, value) => metrics.addMetric(name, MetricUnit.Count, value);
  const base = entry(functionName, logger, {
    before: () => metrics.captureColdStartMetric(functionName),
    outcome: (result) => {
      const status = statusOf(result);
      if (status === undefined || status < 500) return;
      logger.error(`${functionName} answered ${status}`, { status, problem: problemOf(result) });
      count('ServerErrors', 1);
      if (status === 503) count('Overloaded', 1);
    },
    // Only when something was counted: an empty flush logs a Powertools warning on every invocation.
    after: () => {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  });
  return { ...base, metrics, count };
}

function statusOf(result: unknown): number | undefined {
  const status = (result as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The problem details' type and title of an error answer, for the log line. */
function problemOf(result: unknown): unknown {
  const body = (result as { body?: unknown }).body;
  if (typeof body !== 'string') return undefined;
  try {
    const { type, title } = JSON.parse(body) as { type?: unknown; title?: unknown };
    return { type, title };
  } catch {
    return undefined;
  }
}
