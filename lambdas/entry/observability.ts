/**
 * Powertools Logger and Metrics for the Lambda entry points, and the small
 * `log` function the handlers take (so handlers stay free of Powertools and
 * tests pass a recorder instead).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

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
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly log: LogFn;
  readonly count: CountFn;
  /** Wraps a handler so its metrics are published after every invocation, even a failed one. */
  instrument<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
}

/** Powertools Logger alone, for a function that counts nothing: its bundle holds no Metrics. */
export function logging(functionName: string): Pick<Observability, 'logger' | 'log'> {
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { function: functionName } });
  const log: LogFn = (level, message, fields) => logger[level](message, fields);
  return { logger, log };
}

export function observability(functionName: string): Observability {
  const { logger, log } = logging(functionName);
  // A default dimension survives every flush; one added with addDimension is cleared after the first.
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { function: functionName },
  });
  const count: CountFn = (name, value) => metrics.addMetric(name, MetricUnit.Count, value);
  return {
    logger,
    metrics,
    log,
    count,
    instrument:
      (handler) =>
      async (...args) => {
        try {
          return await handler(...args);
        } finally {
          metrics.publishStoredMetrics();
        }
      },
  };
}
