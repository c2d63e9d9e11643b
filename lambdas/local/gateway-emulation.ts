/**
 * What API Gateway does in front of the ingest handler, for local mode and
 * tests: run the REQUEST authorizer, answer 401 when it says "Unauthorized",
 * evaluate its policy against the method ARN (403 when it does not allow),
 * and pass its context to the handler.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type AuthorizerPolicy, policyAllows } from '../auth/policy.ts';
import { ProblemType, problem } from '../domain/problem.ts';
import type { HttpEvent } from '../handlers/http.ts';
import { problemResponse } from '../handlers/http.ts';

export const LOCAL_API_ARN = 'arn:aws:execute-api:local:000000000000:wte-local/local';

export type Authorizer = (event: {
  headers: HttpEvent['headers'];
  methodArn: string;
}) => Promise<AuthorizerPolicy>;
export type ApiHandler = (event: HttpEvent) => Promise<APIGatewayProxyResult>;

/** The authorizer's verdict on a request's headers: its policy, or the refusal to answer with. */
export async function authorize(
  authorizer: Authorizer,
  method: string,
  path: string,
  headers: HttpEvent['headers'],
): Promise<{ readonly policy: AuthorizerPolicy } | { readonly refusal: APIGatewayProxyResult }> {
  const methodArn = `${LOCAL_API_ARN}/${method}${path}`;
  let policy: AuthorizerPolicy;
  try {
    policy = await authorizer({ headers, methodArn });
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') {
      return {
        refusal: problemResponse(
          problem(401, ProblemType.unauthorized, 'Unauthorized', 'A valid gateway token is required.'),
          { 'www-authenticate': 'Bearer' },
        ),
      };
    }
    return {
      refusal: problemResponse(problem(503, ProblemType.unavailable, 'Service unavailable', 'Retry later.'), {
        'retry-after': '5',
      }),
    };
  }
  if (!policyAllows(policy, methodArn)) {
    return {
      refusal: problemResponse(
        problem(403, ProblemType.forbidden, 'Forbidden', 'This token may not write to this plant.'),
      ),
    };
  }
  return { policy };
}

/** The handler with the authorizer's context, as API Gateway calls it once the authorizer allowed the request. */
export function invokeWithPolicy(
  handler: ApiHandler,
  event: HttpEvent,
  policy: AuthorizerPolicy,
): Promise<APIGatewayProxyResult> {
  return handler({ ...event, requestContext: { ...event.requestContext, authorizer: policy.context } });
}

/** Both steps at once, for callers that hold the whole event (tests). */
export async function invokeAuthorized(
  authorizer: Authorizer,
  handler: ApiHandler,
  event: HttpEvent,
): Promise<APIGatewayProxyResult> {
  const verdict = await authorize(authorizer, event.httpMethod, event.path, event.headers);
  return 'refusal' in verdict ? verdict.refusal : invokeWithPolicy(handler, event, verdict.policy);
}
