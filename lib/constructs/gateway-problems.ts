/** The API's own error answers (gateway responses) as RFC 9457 problem details; telemetry-api.ts installs them. */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { ProblemType, type ProblemTypeUri } from '../../lambdas/domain/problem.ts';

export interface GatewayProblem {
  readonly type: apigateway.ResponseType;
  readonly problem: ProblemTypeUri;
  readonly title: string;
  /** Overrides API Gateway's status; the body states it too. */
  readonly status?: number;
  readonly retryAfterSeconds?: number;
}

/**
 * Every error API Gateway answers by itself, in RFC 9457 form like the
 * handlers' own (docs/contract.md section 4). The contract allows no 5xx but 503,
 * so gateway and integration failures become 503 with Retry-After; and an
 * unknown route (which API Gateway reports as a missing token) is 404.
 */
export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
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
export function problemTemplate(problem: GatewayProblem): string {
  const status = problem.status === undefined ? '' : `"status":${problem.status},`;
  return `{"type":"${problem.problem}","title":"${problem.title}",${status}"detail":$context.error.messageString,"errors":[],"instance":"$context.requestId"}`;
}
