import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROBLEM_CONTENT_TYPE } from '../../lambdas/domain/problem.ts';
import {
  API_ROUTES,
  type ApiAuth,
  type ApiHandlerName,
  type ApiRoute,
  pathParameterNames,
} from '../../lambdas/handlers/api-routes.ts';
import { acknowledge } from '../checks/acknowledge.ts';
import type { ApiConfig } from '../config.ts';
import { ApiFirewall } from './api-firewall.ts';
import { GATEWAY_PROBLEMS, problemTemplate } from './gateway-problems.ts';

/** The functions behind the routes of API_ROUTES (by their `handler`), and the gateway-token authorizer. */
export interface TelemetryApiHandlers extends Readonly<Partial<Record<ApiHandlerName, lambda.IFunction>>> {
  readonly ingest: lambda.IFunction;
  readonly authorizer: lambda.IFunction;
  readonly kpis: lambda.IFunction;
  readonly series: lambda.IFunction;
  /** GET /v1/plants/{plantId}/report; the route exists only when given. */
  readonly report?: lambda.IFunction;
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

const COGNITO_REASON: Readonly<Record<ApiAuth, string>> = {
  token:
    'Gateways are devices, not Cognito users: they authenticate with per-gateway bearer tokens checked by the REQUEST authorizer (README.md, Architecture, docs/reference/reliability-practice.md decision 3).',
  iam: 'Analysts and ops call these routes with IAM (SigV4) credentials, so access is granted by IAM policies (execute-api:Invoke) rather than a Cognito user pool.',
};

/** The route's function; a missing one is an error unless the route is optional. */
function routeHandler(handlers: TelemetryApiHandlers, route: ApiRoute): lambda.IFunction | undefined {
  const fn = handlers[route.handler];
  if (!fn && !route.optional) {
    throw new Error(
      `TelemetryApi: no function for ${route.method} ${route.path} (handlers.${route.handler})`,
    );
  }
  return fn;
}

/** Path parameters and, behind the token authorizer, the Authorization header: API Gateway requires them. */
function requestParametersOf(route: ApiRoute): Pick<apigateway.MethodOptions, 'requestParameters'> {
  const parameters: Record<string, boolean> = {};
  for (const name of pathParameterNames(route.path)) parameters[`method.request.path.${name}`] = true;
  if (route.auth === 'token') parameters['method.request.header.Authorization'] = true;
  return Object.keys(parameters).length > 0 ? { requestParameters: parameters } : {};
}

/**
 * The REST API of docs/contract.md section 4, one method per route of
 * API_ROUTES (lambdas/handlers/api-routes.ts). Gateways POST telemetry with a
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
  /** The method of each route of API_ROUTES, by its handler's name (no report without its function). */
  readonly methods: Readonly<Partial<Record<ApiHandlerName, apigateway.Method>>>;

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
        methodOptions: Object.fromEntries(
          API_ROUTES.filter((route) => route.queryThrottle && routeHandler(handlers, route)).map((route) => [
            `${route.path}/${route.method}`,
            queryThrottle,
          ]),
        ),
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

    this.addProblemResponses();

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

    this.methods = this.addRoutes(handlers, validator, telemetryModel);

    this.firewall = new ApiFirewall(this, 'Firewall', {
      name: `wte-${props.stage}-api`,
      stage: this.api.deploymentStage,
      rateLimit: config.wafRateLimit,
    });
  }

  /** A resource and method per route of API_ROUTES, in the table's order. */
  private addRoutes(
    handlers: TelemetryApiHandlers,
    validator: apigateway.RequestValidator,
    telemetryModel: apigateway.Model,
  ): Partial<Record<ApiHandlerName, apigateway.Method>> {
    const methods: Partial<Record<ApiHandlerName, apigateway.Method>> = {};
    for (const route of API_ROUTES) {
      const fn = routeHandler(handlers, route);
      if (!fn) continue;
      const options: apigateway.MethodOptions = {
        ...(route.auth === 'token'
          ? { authorizationType: apigateway.AuthorizationType.CUSTOM, authorizer: this.authorizer }
          : { authorizationType: apigateway.AuthorizationType.IAM }),
        requestValidator: validator,
        ...requestParametersOf(route),
        // Only JSON bodies are checked here: other media types reach the handler, which answers 415.
        ...(route.telemetryBody ? { requestModels: { 'application/json': telemetryModel } } : {}),
      };
      const method = this.api.root
        .resourceForPath(route.path)
        .addMethod(route.method, new apigateway.LambdaIntegration(fn, { allowTestInvoke: false }), options);
      methods[route.handler] = method;
      acknowledge(method, 'AwsSolutions-COG4', COGNITO_REASON[route.auth]);
    }
    return methods;
  }

  /** Refusals by API Gateway itself answer problem details, like the handlers. */
  private addProblemResponses(): void {
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
  }

  /** The stage's base URL (`https://{api}.execute-api.{region}.amazonaws.com/{stage}/`). */
  get url(): string {
    return this.api.url;
  }
}
