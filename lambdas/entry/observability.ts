/**
 * Powertools Logger and Metrics for the Lambda entry points, and the small
 * `log` function the handlers take (so handlers stay free of Powertools and
 * tests pass a recorder instead).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export type LogFn = (
  level: 'info' | 'warn' | 'error',
  message: string,
  fields: Record<string, unknown>,
) => void;

export const SERVICE_NAME = 'wte-telemetry';
export const METRICS_NAMESPACE = 'WteTelemetry';

export function observability(functionName: string): { logger: Logger; metrics: Metrics; log: LogFn } {
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { function: functionName } });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const log: LogFn = (level, message, fields) => logger[level](message, fields);
  return { logger, metrics, log };
}
