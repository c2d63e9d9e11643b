import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROBLEM_CONTENT_TYPE, ProblemType, type ProblemTypeUri } from '../../lambdas/domain/problem.ts';
import { acknowledge } from '../checks/acknowledge.ts';
import type { ApiConfig } from '../config.ts';
import { ApiFirewall } from './api-firewall.ts';

export interface TelemetryApiHandlers {
  readonly ingest: lambda.IFunction;
  readonly authorizer: lambda.IFunction;
  readonly kpis: lambda.IFunction;
  readonly series: lambda.IFunction;
  readonly listAlerts: lambda.IFunction;
  readonly plants: lambda.IFunction;
  readonly acknowledgeAlert: lambda.IFunction;
}

export interface TelemetryApiProps {
  readonly stage: string;
  readonly config: ApiConfig;
  readonly logRetentionDays: number;
  readonly handlers: TelemetryApiHandlers;
}

interface GatewayProblem {
  readonly type: apigateway.ResponseType;
  readonly problem: ProblemTypeUri;
  readonly title: string;
  /** Overrides API Gateway's status; the body states it too. */
  readonly status?: number;
  readonly retryAfterSeconds?: number;
}

/**
 * Every error API Gateway answers by itself, in RFC 9457 form like the
 * handlers' own (CONTRACT.md section 4). The contract allows no 5xx but 503,
 * so gateway and integration failures become 503 with Retry-After; and an
 * unknown route (which API Gateway reports as a missing token) is 404.
 */
const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  {
    type: apigateway.ResponseType.UNAUTHORIZED,
    problem: ProblemType.unauthorized,
    title: 'Unauthorized',
    status: 401,
  },
  {
    type: apigateway.ResponseType.ACCESS_DENIED,
    problem: ProblemType.forbidden,
    title: 'Forbidden',
    status: 403,
  },
  {
    type: apigateway.ResponseType.EXPIRED_TOKEN,
    problem: ProblemType.unauthorized,
    title: 'Expired credentials',
    status: 403,
  },
  {
    type: apigateway.ResponseType.INVALID_SIGNATURE,
    problem: ProblemType.unauthorized,
    title: 'Invalid signature',
    status: 403,
  },
  {
    type: apigateway.ResponseType.INVALID_API_KEY,
    problem: ProblemType.forbidden,
    title: 'Forbidden',
    status: 403,
  },
  {
    type: apigateway.ResponseType.WAF_FILTERED,
    problem: ProblemType.forbidden,
    title: 'Blocked',
    status: 403,
  },
  {
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    problem: ProblemType.notFound,
    title: 'Not found',
    status: 404,
  },
  {
    type: apigateway.ResponseType.RESOURCE_NOT_FOUND,
    problem: ProblemType.notFound,
    title: 'Not found',
    status: 404,
  },
  {
    type: apigateway.ResponseType.BAD_REQUEST_BODY,
    problem: ProblemType.invalidMessage,
    title: 'Invalid message',
    status: 400,
  },
  {
    type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS,
    problem: ProblemType.invalidQuery,
    title: 'Invalid request',
    status: 400,
  },
  {
    type: apigateway.ResponseType.REQUEST_TOO_LARGE,
    problem: ProblemType.payloadTooLarge,
    title: 'Payload too large',
    status: 413,
  },
  {
    type: apigateway.ResponseType.UNSUPPORTED_MEDIA_TYPE,
    problem: ProblemType.unsupportedMediaType,
    title: 'Unsupported media type',
    status: 415,
  },
  {
    type: apigateway.ResponseType.THROTTLED,
    problem: ProblemType.rateLimited,
    title: 'Too many requests',
    status: 429,
    retryAfterSeconds: 1,
  },
  {
    type: apigateway.ResponseType.QUOTA_EXCEEDED,
    problem: ProblemType.rateLimited,
    title: 'Quota exceeded',
    status: 429,
    retryAfterSeconds: 60,
  },
  {
    type: apigateway.ResponseType.INTEGRATION_TIMEOUT,
    problem: ProblemType.unavailable,
    title: 'Service unavailable',
    status: 503,
    retryAfterSeconds: 5,
  },
  {
    type: apigateway.ResponseType.INTEGRATION_FAILURE,
    problem: ProblemType.unavailable,
    title: 'Service unavailable',
    status: 503,
    retryAfterSeconds: 5,
  },
  {
    type: apigateway.ResponseType.AUTHORIZER_FAILURE,
    problem: ProblemType.unavailable,
    title: 'Service unavailable',
    status: 503,
    retryAfterSeconds: 5,
  },
  {
    type: apigateway.ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
    problem: ProblemType.unavailable,
    title: 'Service unavailable',
    status: 503,
    retryAfterSeconds: 5,
  },
  {
    type: apigateway.ResponseType.API_CONFIGURATION_ERROR,
    problem: ProblemType.unavailable,
    title: 'Service unavailable',
    status: 503,
    retryAfterSeconds: 5,
  },
  {
    type: apigateway.ResponseType.DEFAULT_5XX,
    problem: ProblemType.unavailable,
    title: 'Service unavailable',
    status: 503,
    retryAfterSeconds: 5,
  },
  // Any other 4xx keeps API Gateway's status, which a template cannot read, so the body leaves `status` out (RFC 9457 allows it).
  {
    type: apigateway.ResponseType.DEFAULT_4XX,
    problem: ProblemType.invalidMessage,
    title: 'Request refused',
  },
];

/**
 * `$context.error.messageString` is API Gateway's own message, already a
 * quoted JSON string; it never echoes the request.
 */
function problemTemplate(problem: GatewayProblem): string {
  const status = problem.status === undefined ? '' : `"status":${problem.status},`;
  return `{"type":"${problem.problem}","title":"${problem.title}",${status}"detail":$context.error.messageString,"errors":[],"instance":"$context.requestId"}`;
}

/** Minimal JSON Schema (draft 4) of a telemetry message; the handler validates the rest. */
const TELEMETRY_MODEL_SCHEMA: apigateway.JsonSchema = {
  schema: apigateway.JsonSchemaVersion.DRAFT4,
  title: 'TelemetryMessage',
  type: apigateway.JsonSchemaType.OBJECT,
  required: ['schema'],
  properties: {
    schema: { type: apigateway.JsonSchemaType.STRING, enum: ['wte.telemetry.v1'] },
    readings: { type: apigateway.JsonSchemaType.ARRAY },
    movements: { type: apigateway.JsonSchemaType.ARRAY },
  },
};

const ACCESS_LOG_FORMAT = apigateway.AccessLogFormat.custom(
  JSON.stringify({
    requestId: apigateway.AccessLogField.contextRequestId(),
    requestTime: apigateway.AccessLogField.contextRequestTimeEpoch(),
    ip: apigateway.AccessLogField.contextIdentitySourceIp(),
    caller: apigateway.AccessLogField.contextIdentityUserArn(),
    gateway: apigateway.AccessLogField.contextAuthorizerPrincipalId(),
    method: apigateway.AccessLogField.contextHttpMethod(),
    resource: apigateway.AccessLogField.contextResourcePath(),
    path: apigateway.AccessLogField.contextPath(),
    status: apigateway.AccessLogField.contextStatus(),
    responseLength: apigateway.AccessLogField.contextResponseLength(),
    responseLatency: apigateway.AccessLogField.contextResponseLatency(),
    integrationLatency: apigateway.AccessLogField.contextIntegrationLatency(),
    authorizerStatus: apigateway.AccessLogField.contextAuthorizerStatus(),
    authorizerError: apigateway.AccessLogField.contextAuthorizerError(),
    errorType: apigateway.AccessLogField.contextErrorResponseType(),
    error: apigateway.AccessLogField.contextErrorMessage(),
    wafStatus: apigateway.AccessLogField.contextWafResponseCode(),
    traceId: apigateway.AccessLogField.contextXrayTraceId(),
  }),
);

/**
 * The REST API of CONTRACT.md section 4. Gateways POST telemetry with a
 * bearer token checked by the REQUEST authorizer (cached per token for the
 * configured TTL); analysts and ops call the query and alert routes with
 * IAM (SigV4). The stage throttles explicitly (query routes tighter),
 * writes JSON access logs and error-level execution logs, traces with
 * X-Ray, and sits behind a WAF web ACL.
 */
export class TelemetryApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogs: logs.LogGroup;
  readonly executionLogs: logs.LogGroup;
  readonly authorizer: apigateway.RequestAuthorizer;
  readonly firewall: ApiFirewall;
  readonly methods: {
    readonly ingest: apigateway.Method;
    readonly kpis: apigateway.Method;
    readonly series: apigateway.Method;
    readonly listAlerts: apigateway.Method;
    readonly plants: apigateway.Method;
    readonly acknowledgeAlert: apigateway.Method;
  };

  constructor(scope: Construct, id: string, props: TelemetryApiProps) {
    super(scope, id);
    const { config, handlers } = props;
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const queryThrottle = {
      throttlingRateLimit: config.queryRateLimit,
      throttlingBurstLimit: config.queryBurstLimit,
    };

    this.api = new apigateway.RestApi(this, 'Api', {
      description: `wte-telemetry ${props.stage}: telemetry ingest, KPI and alert API`,
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: config.manageAccountLoggingRole,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stage,
        throttlingRateLimit: config.rateLimit,
        throttlingBurstLimit: config.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        methodOptions: {
          '/v1/plants/{plantId}/kpis/GET': queryThrottle,
          '/v1/plants/{plantId}/series/GET': queryThrottle,
        },
      },
    });

    // API Gateway would create the execution log group itself, without a retention; create it first.
    this.executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${props.stage}`,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api.deploymentStage.node.addDependency(this.executionLogs);

    const loggingRole = this.api.node.tryFindChild('CloudWatchRole');
    if (loggingRole) {
      acknowledge(
        loggingRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'API Gateway writes execution logs with the account-wide role of AWS::ApiGateway::Account; AWS documents this managed policy for it (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html).',
      );
    }

    for (const problem of GATEWAY_PROBLEMS) {
      this.api.addGatewayResponse(`Problem${problem.type.responseType}`, {
        type: problem.type,
        ...(problem.status === undefined ? {} : { statusCode: String(problem.status) }),
        responseHeaders: {
          'Content-Type': `'${PROBLEM_CONTENT_TYPE}'`,
          'Cache-Control': "'no-store'",
          ...(problem.retryAfterSeconds === undefined
            ? {}
            : { 'Retry-After': `'${problem.retryAfterSeconds}'` }),
        },
        templates: { 'application/json': problemTemplate(problem) },
      });
    }

    const validator = this.api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const telemetryModel = this.api.addModel('TelemetryMessage', {
      contentType: 'application/json',
      schema: TELEMETRY_MODEL_SCHEMA,
    });

    this.authorizer = new apigateway.RequestAuthorizer(this, 'GatewayTokenAuthorizer', {
      handler: handlers.authorizer,
      identitySources: [apigateway.IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
    });

    const integration = (fn: lambda.IFunction) =>
      new apigateway.LambdaIntegration(fn, { allowTestInvoke: false });
    const iamAuth: apigateway.MethodOptions = { authorizationType: apigateway.AuthorizationType.IAM };

    const v1 = this.api.root.addResource('v1');
    const plantsResource = v1.addResource('plants');
    const plants = plantsResource.addMethod('GET', integration(handlers.plants), {
      ...iamAuth,
      requestValidator: validator,
    });
    const plant = plantsResource.addResource('{plantId}');
    const plantParameter = { 'method.request.path.plantId': true };
    const ingest = plant.addResource('telemetry').addMethod('POST', integration(handlers.ingest), {
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      authorizer: this.authorizer,
      requestValidator: validator,
      requestParameters: { ...plantParameter, 'method.request.header.Authorization': true },
      // Only JSON bodies are checked here: other media types reach the handler, which answers 415.
      requestModels: { 'application/json': telemetryModel },
    });
    const kpis = plant.addResource('kpis').addMethod('GET', integration(handlers.kpis), {
      ...iamAuth,
      requestValidator: validator,
      requestParameters: plantParameter,
    });
    const series = plant.addResource('series').addMethod('GET', integration(handlers.series), {
      ...iamAuth,
      requestValidator: validator,
      requestParameters: plantParameter,
    });
    const alerts = v1.addResource('alerts');
    const listAlerts = alerts.addMethod('GET', integration(handlers.listAlerts), {
      ...iamAuth,
      requestValidator: validator,
    });
    const acknowledgeAlert = alerts
      .addResource('{alertId}')
      .addResource('ack')
      .addMethod('POST', integration(handlers.acknowledgeAlert), {
        ...iamAuth,
        requestValidator: validator,
        requestParameters: { 'method.request.path.alertId': true },
      });
    this.methods = { ingest, kpis, series, listAlerts, acknowledgeAlert, plants };

    acknowledge(
      ingest,
      'AwsSolutions-COG4',
      'Gateways are devices, not Cognito users: they authenticate with per-gateway bearer tokens checked by the REQUEST authorizer (ARCHITECTURE.md, reliability.md decision 3).',
    );
    for (const method of [kpis, series, listAlerts, acknowledgeAlert, plants]) {
      acknowledge(
        method,
        'AwsSolutions-COG4',
        'Analysts and ops call these routes with IAM (SigV4) credentials, so access is granted by IAM policies (execute-api:Invoke) rather than a Cognito user pool.',
      );
    }

    this.firewall = new ApiFirewall(this, 'Firewall', {
      name: `wte-${props.stage}-api`,
      stage: this.api.deploymentStage,
      rateLimit: config.wafRateLimit,
    });
  }

  /** The stage's base URL (`https://{api}.execute-api.{region}.amazonaws.com/{stage}/`). */
  get url(): string {
    return this.api.url;
  }
}
