/**
 * Typed deployment configuration, read once from CDK context in bin/app.ts and
 * validated here; constructs never read the environment. Context values given
 * with `cdk deploy -c key=value` arrive as strings, so numbers, booleans and
 * lists are also accepted in their text form (`-c apiRateLimit=50`,
 * `-c opsEmails=a@example.com,b@example.com`, `-c plants='[{"plantId":"kz-ast-01"}]'`).
 */
import type { Node } from 'constructs';
import * as z from 'zod';
import type { PlantConfig } from '../lambdas/domain/plant.ts';
import { fail } from './config-error.ts';
import {
  booleanSetting,
  contextValue,
  integerSetting,
  listSetting,
  settingsObject,
  textSetting,
  unique,
} from './config-fields.ts';
import { plantIdSetting, plantSetting } from './config-plants.ts';
import { parseStoreConfig, STORE_CONTEXT_KEYS, type StoreConfig } from './config-store.ts';
import { MAX_RESERVED_CONCURRENCY, reservedConcurrencyOf } from './reserved-concurrency.ts';

export { ConfigError } from './config-error.ts';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** An e-mail subscription to the alerts topic, optionally filtered (SNS filter policy). */
export interface AlertSubscription {
  readonly email: string;
  /** Only alerts of these plants. @default every plant */
  readonly plantIds?: readonly string[];
  /** Only alerts of these severities. @default every severity */
  readonly severities?: readonly AlertSeverity[];
}

export interface ApiConfig {
  /** Stage-wide steady request rate (requests per second). */
  readonly rateLimit: number;
  /** Stage-wide burst (token bucket size). */
  readonly burstLimit: number;
  /** Steady rate of each query route (KPIs, series): they scan Timestream. */
  readonly queryRateLimit: number;
  readonly queryBurstLimit: number;
  /** WAF rate-based rule: requests per client IP per 5 minutes. */
  readonly wafRateLimit: number;
  /**
   * How long API Gateway caches the token authorizer's answer per token. A
   * revoked token keeps working for at most this long; 0 disables the cache.
   */
  readonly authorizerCacheTtlSeconds: number;
  /**
   * Create the account-wide role API Gateway needs to write execution logs
   * (`AWS::ApiGateway::Account`). Turn off when the account already has one.
   */
  readonly manageAccountLoggingRole: boolean;
}

export interface ProcessorConfig {
  /** Queue messages per invocation. */
  readonly batchSize: number;
  /** How long the event source gathers a batch. */
  readonly maxBatchingWindowSeconds: number;
  /** Function timeout; the queue's visibility timeout is six times this. */
  readonly timeoutSeconds: number;
  /** Concurrent processor invocations the event source may run (protects Timestream and DynamoDB). */
  readonly maxConcurrency: number;
  /**
   * Reserved for the processor (0: none); at least `maxConcurrency` otherwise (lib/reserved-concurrency.ts).
   * When set, the alert step reserves `maxConcurrency` too.
   */
  readonly reservedConcurrency: number;
}

export interface RetentionConfig {
  /** Timestream memory store retention (1 to 8766 hours). */
  readonly memoryStoreHours: number;
  /** Timestream magnetic store retention (days); at least the 7-day late-data horizon. */
  readonly magneticStoreDays: number;
}

/** The metrics store and the lake's settings live in config-store.ts. */
export interface WteConfig extends StoreConfig {
  /** Deployment stage, part of every stack name (`dev`, `prod`, ...). */
  readonly stage: string;
  /** Plants registered at deploy time (the scheduled rules run over registered plants). */
  readonly plants: readonly PlantConfig[];
  readonly retention: RetentionConfig;
  /** E-mail subscriptions to alert transitions. */
  readonly alertSubscriptions: readonly AlertSubscription[];
  /** E-mail addresses that receive operational alarms. */
  readonly opsEmails: readonly string[];
  readonly api: ApiConfig;
  readonly processor: ProcessorConfig;
  /** Minutes between scheduled runs (staleness, daily rules, outbox relay). */
  readonly schedulerIntervalMinutes: number;
  /** Retention of every log group, in days (a CloudWatch Logs retention value). */
  readonly logRetentionDays: number;
  /** Keep tables, Timestream, buckets and keys when the stacks are deleted. */
  readonly retainData: boolean;
  /**
   * ISO time from which every write marks its KPI rollup slots (docs/kpi-rollup.md):
   * a fixed value, before the stage's first data or the rollup's first deployment
   * plus 15 minutes; older slots are read raw until backfilled.
   */
  readonly kpiRollupSince: string;
  /**
   * ISO time from which every write also marks its tickets' slots: set it on a
   * stage whose rollup predates ticket tonnages (that deployment plus 15
   * minutes, docs/kpi-rollup.md); unset, it is `kpiRollupSince`.
   */
  readonly kpiRollupMovementsSince?: string;
  /**
   * Bundle Powertools Tracer into every function (docs/tracing.md): a subsegment
   * per invocation and per AWS call, at about 124 KiB and a slower cold start
   * per function. Off: X-Ray still traces each invocation (Lambda's segments).
   */
  readonly powertoolsTracer: boolean;
}

/** The context keys this app reads; `cdk.json` or `-c key=value`. */
export const CONTEXT_KEYS = [
  'stage',
  'plants',
  'memoryStoreRetentionHours',
  'magneticStoreRetentionDays',
  'alertEmails',
  'opsEmails',
  'apiRateLimit',
  'apiBurstLimit',
  'queryRateLimit',
  'queryBurstLimit',
  'wafRateLimit',
  'authorizerCacheTtlSeconds',
  'manageApiGatewayAccountRole',
  'processorBatchSize',
  'processorBatchingWindowSeconds',
  'processorTimeoutSeconds',
  'processorMaxConcurrency',
  'processorReservedConcurrency',
  'schedulerIntervalMinutes',
  'logRetentionDays',
  'retainData',
  'kpiRollupSince',
  'kpiRollupMovementsSince',
  'powertoolsTracer',
  ...STORE_CONTEXT_KEYS,
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];
export type RawContext = { readonly [K in ContextKey]?: unknown };

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Items older than this are refused at ingest (docs/contract.md section 1); Timestream must still accept them. */
const LATE_DATA_HORIZON_DAYS = 7;
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export const DEFAULTS = {
  stage: 'dev',
  memoryStoreRetentionHours: 24,
  magneticStoreRetentionDays: 1825,
  apiRateLimit: 50,
  apiBurstLimit: 100,
  queryRateLimit: 10,
  queryBurstLimit: 20,
  wafRateLimit: 2000,
  authorizerCacheTtlSeconds: 60,
  manageApiGatewayAccountRole: true,
  processorBatchSize: 25,
  processorBatchingWindowSeconds: 2,
  processorTimeoutSeconds: 60,
  processorMaxConcurrency: 5,
  schedulerIntervalMinutes: 5,
  logRetentionDays: 30,
  retainData: true,
  kpiRollupSince: '2026-01-01T00:00:00Z',
  powertoolsTracer: false,
} as const;

/** Reads the keys this app knows from the CDK context of `node` (the app). */
export function readContext(node: Node): RawContext {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  return raw;
}

function integer(context: RawContext, key: ContextKey & keyof typeof DEFAULTS, min: number, max: number) {
  return contextValue(key, integerSetting(min, max), context[key] ?? DEFAULTS[key]);
}

function boolean(context: RawContext, key: ContextKey & keyof typeof DEFAULTS): boolean {
  return contextValue(key, booleanSetting, context[key] ?? DEFAULTS[key]);
}

const RFC3339 = 'an RFC 3339 time such as 2026-01-01T00:00:00Z';
/** An RFC 3339 UTC or offset time such as `2026-01-01T00:00:00Z`, after 1970, as its UTC ISO string. */
const isoTime = z
  .string({ error: RFC3339 })
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, { error: RFC3339 })
  .refine((text) => Date.parse(text) >= 0, { error: RFC3339 })
  .transform((text) => new Date(Date.parse(text)).toISOString());

const emailSetting = textSetting(EMAIL_PATTERN, 'an e-mail address');

/** An e-mail address, or one with the plants and severities it hears of (an SNS filter policy). */
const alertSubscription = z.preprocess(
  (value) => (typeof value === 'string' ? { email: value } : value),
  settingsObject(
    {
      email: emailSetting,
      plantIds: z
        .array(plantIdSetting, { error: 'a non-empty array of plant ids' })
        .min(1, { error: 'a non-empty array of plant ids' })
        .optional(),
      severities: z
        .array(z.unknown(), { error: `a non-empty array of ${ALERT_SEVERITIES.join(', ')}` })
        .refine(
          (list) =>
            list.length > 0 && list.every((s) => (ALERT_SEVERITIES as readonly unknown[]).includes(s)),
          { error: `a non-empty array of ${ALERT_SEVERITIES.join(', ')}` },
        )
        .transform((list) => list as AlertSeverity[])
        .optional(),
    },
    'an e-mail address or { email, plantIds?, severities? }',
  ).transform(
    ({ email, plantIds, severities }): AlertSubscription => ({
      email,
      ...(plantIds === undefined ? {} : { plantIds }),
      ...(severities === undefined ? {} : { severities }),
    }),
  ),
);

const plants = listSetting.pipe(z.array(plantSetting));
const alertSubscriptions = listSetting.pipe(z.array(alertSubscription));
const emails = listSetting.pipe(z.array(emailSetting));

/** Validates raw context values; every message names the key and shows the bad value. */
export function parseConfig(context: RawContext): WteConfig {
  const stage = contextValue(
    'stage',
    textSetting(
      STAGE_PATTERN,
      'lowercase letters, digits and hyphens, starting with a letter, at most 16 characters',
    ),
    context.stage ?? DEFAULTS.stage,
  );

  const logRetentionDays = integer(context, 'logRetentionDays', 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail('logRetentionDays', `one of ${LOG_RETENTION_DAYS.join(', ')}`, context.logRetentionDays);
  }

  const maxConcurrency = integer(context, 'processorMaxConcurrency', 2, 1000);
  const reserved = reservedConcurrencyOf(context.processorReservedConcurrency, maxConcurrency);
  if (typeof reserved !== 'number') fail('processorReservedConcurrency', reserved.expected, reserved.got);
  // The alert step reserves processorMaxConcurrency beside the processor (lib/constructs/alert-step.ts).
  if (reserved > 0 && reserved + maxConcurrency > MAX_RESERVED_CONCURRENCY) {
    fail(
      'processorReservedConcurrency',
      `0 (reserve none) or at most ${MAX_RESERVED_CONCURRENCY - maxConcurrency}: the alert step reserves processorMaxConcurrency (${maxConcurrency}) beside it, ${MAX_RESERVED_CONCURRENCY} in all`,
      context.processorReservedConcurrency ?? reserved,
    );
  }
  const processor: ProcessorConfig = {
    batchSize: integer(context, 'processorBatchSize', 1, 10_000),
    maxBatchingWindowSeconds: integer(context, 'processorBatchingWindowSeconds', 0, 300),
    timeoutSeconds: integer(context, 'processorTimeoutSeconds', 10, 900),
    maxConcurrency,
    reservedConcurrency: reserved,
  };
  if (processor.batchSize > 10 && processor.maxBatchingWindowSeconds < 1) {
    fail(
      'processorBatchingWindowSeconds',
      `at least 1 when processorBatchSize is above 10 (it is ${processor.batchSize})`,
      processor.maxBatchingWindowSeconds,
    );
  }

  const api: ApiConfig = {
    rateLimit: integer(context, 'apiRateLimit', 1, 10_000),
    burstLimit: integer(context, 'apiBurstLimit', 1, 5000),
    queryRateLimit: integer(context, 'queryRateLimit', 1, 10_000),
    queryBurstLimit: integer(context, 'queryBurstLimit', 1, 5000),
    wafRateLimit: integer(context, 'wafRateLimit', 10, 2_000_000_000),
    authorizerCacheTtlSeconds: integer(context, 'authorizerCacheTtlSeconds', 0, 3600),
    manageAccountLoggingRole: boolean(context, 'manageApiGatewayAccountRole'),
  };
  if (api.queryRateLimit > api.rateLimit) {
    fail('queryRateLimit', `at most apiRateLimit (${api.rateLimit})`, context.queryRateLimit);
  }

  return {
    stage,
    plants: unique('plants', contextValue('plants', plants, context.plants), (p) => p.plantId),
    retention: {
      memoryStoreHours: integer(context, 'memoryStoreRetentionHours', 1, 8766),
      magneticStoreDays: integer(context, 'magneticStoreRetentionDays', LATE_DATA_HORIZON_DAYS, 73_000),
    },
    alertSubscriptions: unique(
      'alertEmails',
      contextValue('alertEmails', alertSubscriptions, context.alertEmails),
      (s) => s.email,
    ),
    opsEmails: unique('opsEmails', contextValue('opsEmails', emails, context.opsEmails), (e) => e),
    api,
    processor,
    schedulerIntervalMinutes: integer(context, 'schedulerIntervalMinutes', 1, 60),
    logRetentionDays,
    retainData: boolean(context, 'retainData'),
    powertoolsTracer: boolean(context, 'powertoolsTracer'),
    ...(context.kpiRollupMovementsSince === undefined
      ? {}
      : {
          kpiRollupMovementsSince: contextValue(
            'kpiRollupMovementsSince',
            isoTime,
            context.kpiRollupMovementsSince,
          ),
        }),
    kpiRollupSince: contextValue(
      'kpiRollupSince',
      isoTime,
      context.kpiRollupSince ?? DEFAULTS.kpiRollupSince,
    ),
    ...parseStoreConfig(context),
  };
}
