/**
 * The environment variables the CDK app sets on a function and its entry
 * reads: one list for both sides. Constructs type their bindings with
 * `LambdaEnvironment` (lib/constructs/wte-function.ts) and entries parse with
 * `readEnv`, whose keys must be names of this list, so a name spelled
 * differently on one side is a type error, not a cold start that fails.
 * Entries import the type only: no bytes in a bundle.
 */
export const LAMBDA_ENV_NAMES = [
  // Read by Node itself, set for every function.
  'NODE_OPTIONS',
  'STATE_TABLE_NAME',
  'TELEMETRY_QUEUE_URL',
  'ALERT_STEP_QUEUE_URL',
  'ALERTS_TOPIC_ARN',
  'IOT_DATA_ENDPOINT',
  'METRICS_STORE',
  'TIMESTREAM_DATABASE',
  'TIMESTREAM_READINGS_TABLE',
  'TIMESTREAM_MOVEMENTS_TABLE',
  'ATHENA_WORKGROUP',
  'LAKE_CATALOG',
  'LAKE_DATABASE',
  'LAKE_READINGS_STREAM',
  'LAKE_MOVEMENTS_STREAM',
  'RECENT_TELEMETRY_TABLE',
  'RECENT_TELEMETRY_HORIZON_DAYS',
  'RECENT_TELEMETRY_COMPLETE_SINCE',
  'KPI_ROLLUP_TABLE',
  'KPI_ROLLUP_SINCE',
  'KPI_ROLLUP_MEMORY_RETENTION_HOURS',
  'KPI_ROLLUP_MOVEMENTS_SINCE',
] as const;

export type LambdaEnvName = (typeof LAMBDA_ENV_NAMES)[number];

/** Variables a construct sets on a function: only names of the list. */
export type LambdaEnvironment = Readonly<Partial<Record<LambdaEnvName, string>>>;
