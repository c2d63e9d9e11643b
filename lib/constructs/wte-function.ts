import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LambdaEnvironment } from '../../lambdas/entry/env-names.ts';
import { acknowledge } from '../checks/acknowledge.ts';
import type { MetricsStoreKind } from '../config-store.ts';
import { kmsForService } from './access.ts';

/** The runtime of every function: the latest Node.js LTS that Lambda runs, on Graviton. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = lambda.Architecture.ARM_64;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY_DIR = fileURLToPath(new URL('../../lambdas/entry/', import.meta.url));

/**
 * ESM bundles still meet CommonJS dependencies that call `require` for Node
 * built-ins; esbuild's ESM output has no `require`, so give it one.
 */
const REQUIRE_BANNER =
  "import { createRequire as __wteCreateRequire } from 'node:module'; const require = __wteCreateRequire(import.meta.url);";

/**
 * How the function is invoked, which decides what a Lambda DLQ could add:
 * - `api`: synchronously by API Gateway; the caller gets the error.
 * - `authorizer`: synchronously by API Gateway's token authorizer.
 * - `queue`: by an SQS event source mapping; the queue's redrive policy is the DLQ.
 * - `async`: asynchronously (EventBridge, CloudFormation): pass `deadLetterQueue`.
 */
export type Invocation = 'api' | 'authorizer' | 'queue' | 'async';

const NO_DLQ_REASON: Record<Exclude<Invocation, 'async'>, string> = {
  api: 'Invoked synchronously by API Gateway: the caller receives the error response and retries; a Lambda DLQ only applies to asynchronous invocations.',
  authorizer:
    'Invoked synchronously by API Gateway as the token authorizer: a failure answers the request with 401/503; a Lambda DLQ only applies to asynchronous invocations.',
  queue:
    "Invoked synchronously by an SQS event source mapping: failed messages return to its queue, whose redrive policy moves them to that queue's DLQ after 5 receives (the telemetry queue, the alert step queue).",
};

/**
 * What a function needs to use one resource: the environment variables its
 * composition root reads and the statements that allow exactly that use, so
 * that granting access and setting the variable happen in one place.
 */
export interface Binding {
  readonly environment: LambdaEnvironment;
  readonly statements: readonly iam.PolicyStatement[];
  readonly managedPolicies?: readonly iam.IManagedPolicy[];
}

export interface WteFunctionProps {
  /** File in lambdas/entry without extension (`ingest`, `processor`, ...). */
  readonly entry: string;
  /** Exported handler name. @default 'handler' */
  readonly handler?: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Variables besides those of `bind`. @default none */
  readonly environment?: LambdaEnvironment;
  readonly logRetentionDays: number;
  readonly invocation: Invocation;
  /** Concurrent executions reserved for this function (taken from the account's pool); 0 or unset: none. */
  readonly reservedConcurrency?: number;
  /** Required for `async` functions: where failed events go after Lambda's retries. */
  readonly deadLetterQueue?: { readonly queue: sqs.IQueue; readonly keyArn: string };
  /**
   * The metrics store the stack chose, for functions bound to it: the bundle
   * then holds that store's adapters and SDK clients only
   * (lambdas/entry/metrics-stores.ts), and `bind` refuses the other store's
   * binding. @default both stores bundled, `METRICS_STORE` decides at cold start
   */
  readonly metricsStore?: MetricsStoreKind;
}

/** The metrics store a binding sets up, if it is a metrics store binding (lib/constructs/data-access.ts). */
export function metricsStoreOf(binding: Binding): MetricsStoreKind | undefined {
  const { METRICS_STORE, TIMESTREAM_DATABASE } = binding.environment;
  if (METRICS_STORE === 'lake' || METRICS_STORE === 'timestream') return METRICS_STORE;
  return TIMESTREAM_DATABASE === undefined ? undefined : 'timestream';
}

/**
 * Construct context the stateless stack sets from the `powertoolsTracer`
 * setting, so every function of the stack is built with or without the Tracer.
 */
export const POWERTOOLS_TRACER_CONTEXT = 'wte:powertoolsTracer';

/**
 * The esbuild `define`s of a bundle: the metrics store it holds, if one, and
 * whether it holds Powertools Tracer (bench/bundles.ts mirrors this).
 */
export function bundlingDefines(
  metricsStore: MetricsStoreKind | undefined,
  tracer: boolean,
): Record<string, string> {
  return {
    __WTE_TRACER__: JSON.stringify(tracer),
    ...(metricsStore === undefined ? {} : { __WTE_METRICS_STORE__: JSON.stringify(metricsStore) }),
  };
}

/**
 * One Lambda function of the pipeline with the project's defaults in one
 * place: an esbuild bundle (minified ESM with source maps, AWS SDK bundled),
 * Node.js on arm64, X-Ray tracing, JSON logs into its own log group with a
 * retention, and its own role that starts with no permissions. Callers add
 * exactly the statements the function needs with `allow`.
 */
export class WteFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The composition root (lambdas/entry/<entry>.ts) and its exported handler. */
  readonly entry: string;
  readonly handlerName: string;
  /** The one metrics store the bundle holds, if it was built for one. */
  readonly metricsStore?: MetricsStoreKind;
  /** Whether the bundle holds Powertools Tracer (docs/tracing.md). */
  readonly powertoolsTracer: boolean;
  private accessPolicy?: iam.Policy;

  constructor(scope: Construct, id: string, props: WteFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.handlerName = props.handler ?? 'handler';
    if (props.metricsStore !== undefined) this.metricsStore = props.metricsStore;
    this.powertoolsTracer = this.node.tryGetContext(POWERTOOLS_TRACER_CONTEXT) === true;
    if (props.invocation === 'async' && !props.deadLetterQueue) {
      throw new Error(`function ${id} is invoked asynchronously and needs a deadLetterQueue`);
    }
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `wte-telemetry ${id}: ${props.description}`,
    });
    // Only the two write actions Lambda needs, on this function's log group only.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: `${ENTRY_DIR}${props.entry}.ts`,
      handler: this.handlerName,
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      // Stack traces point into lambdas/ rather than the minified bundle.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...(props.environment ?? {}) },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundled SDK clients start faster than the runtime's copy and are the versions we test.
        externalModules: [],
        banner: REQUIRE_BANNER,
        define: bundlingDefines(props.metricsStore, this.powertoolsTracer),
        logLevel: nodejs.LogLevel.WARNING,
      },
    });

    if (props.deadLetterQueue) {
      // Set the DLQ on the L1 and grant exactly SendMessage plus the two KMS
      // actions SQS needs: the L2 `deadLetterQueue` grant adds kms:ReEncrypt* and kms:GenerateDataKey*.
      const cfn = this.function.node.defaultChild as lambda.CfnFunction;
      cfn.deadLetterConfig = { targetArn: props.deadLetterQueue.queue.queueArn };
      this.allow(
        new iam.PolicyStatement({
          actions: ['sqs:SendMessage'],
          resources: [props.deadLetterQueue.queue.queueArn],
        }),
        ...kmsForService(props.deadLetterQueue.keyArn, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']),
      );
    } else if (props.invocation !== 'async') {
      acknowledge(this.function, 'Serverless-LambdaDLQ', NO_DLQ_REASON[props.invocation]);
    }
    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      acknowledge(
        defaultPolicy,
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray tracing (Tracing.ACTIVE) adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html). Data access lives in the separate Access policy, which has no wildcard.',
      );
    }
  }

  /** Sets the environment and grants the access of each binding. */
  bind(...bindings: readonly Binding[]): this {
    for (const binding of bindings) {
      const store = metricsStoreOf(binding);
      if (store !== undefined && this.metricsStore !== undefined && store !== this.metricsStore)
        throw new Error(
          `function ${this.node.id} is bundled with the ${this.metricsStore} metrics store and cannot be bound to the ${store} store`,
        );
      for (const [name, value] of Object.entries(binding.environment))
        this.function.addEnvironment(name, value);
      if (binding.statements.length > 0) this.allow(...binding.statements);
      for (const policy of binding.managedPolicies ?? []) this.role.addManagedPolicy(policy);
    }
    return this;
  }

  /** Adds statements to the function's own access policy (kept apart from CDK's default policy). */
  allow(...statements: iam.PolicyStatement[]): this {
    if (!this.accessPolicy) {
      this.accessPolicy = new iam.Policy(this, 'Access', { roles: [this.role] });
    }
    this.accessPolicy.addStatements(...statements);
    return this;
  }

  /** The access policy, once `allow` was called (for acknowledgments scoped to it). */
  get access(): iam.Policy | undefined {
    return this.accessPolicy;
  }
}
