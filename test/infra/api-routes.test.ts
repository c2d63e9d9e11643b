/**
 * The API Gateway API is the route table (lambdas/handlers/api-routes.ts):
 * exactly one method per route, at its path, with its auth (the gateway-token
 * authorizer or IAM), its path parameters required, its function, and the
 * query throttle where the table asks for it; nothing else.
 */
import { describe, expect, it } from 'vitest';
import { API_ROUTES, type ApiRoute, pathParameterNames } from '../../lambdas/handlers/api-routes.ts';
import { buildTestApp, props, referencedId, resourcesOf } from './support.ts';

const { stateless } = buildTestApp();

/** Each API Gateway resource's full path (`/v1/plants/{plantId}`), by logical id. */
function resourcePaths(): Map<string, string> {
  const resources = new Map(
    resourcesOf(stateless, 'AWS::ApiGateway::Resource').map(([id, r]) => [id, props(r)]),
  );
  const pathOf = (id: string): string => {
    const resource = resources.get(id);
    if (!resource) return ''; // the API's root resource
    return `${pathOf(referencedId(resource.ParentId) ?? '')}/${String(resource.PathPart)}`;
  };
  return new Map([...resources.keys()].map((id) => [id, pathOf(id)]));
}

interface DeployedMethod {
  readonly route: string;
  readonly auth: string;
  readonly authorizer?: string;
  readonly parameters: readonly string[];
  readonly function?: string;
}

function deployedMethods(): DeployedMethod[] {
  const paths = resourcePaths();
  return resourcesOf(stateless, 'AWS::ApiGateway::Method').map(([, method]) => {
    const p = props(method);
    const uri = JSON.stringify((p.Integration as { Uri?: unknown }).Uri);
    const authorizer = referencedId(p.AuthorizerId);
    return {
      route: `${String(p.HttpMethod)} ${paths.get(referencedId(p.ResourceId) ?? '') ?? '/'}`,
      auth: String(p.AuthorizationType),
      ...(authorizer === undefined ? {} : { authorizer }),
      parameters: Object.keys((p.RequestParameters as Record<string, boolean> | undefined) ?? {}).sort(),
      function: /"(Handlers[A-Za-z]+?)Function[0-9A-F]{8}"/.exec(uri)?.[1],
    };
  });
}

function expected(route: ApiRoute, authorizer: string): DeployedMethod {
  const parameters = pathParameterNames(route.path).map((name) => `method.request.path.${name}`);
  if (route.auth === 'token') parameters.push('method.request.header.Authorization');
  return {
    route: `${route.method} ${route.path}`,
    auth: route.auth === 'token' ? 'CUSTOM' : 'AWS_IAM',
    ...(route.auth === 'token' ? { authorizer } : {}),
    parameters: parameters.sort(),
    // ApiHandlers names each route's function as the table names its handler.
    function: `Handlers${route.handler[0]?.toUpperCase()}${route.handler.slice(1)}`,
  };
}

describe('the API Gateway API', () => {
  const authorizers = resourcesOf(stateless, 'AWS::ApiGateway::Authorizer');

  it('has one REQUEST authorizer on the Authorization header', () => {
    expect(authorizers).toHaveLength(1);
    expect(props(authorizers[0]?.[1] ?? { Type: '' })).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
    });
  });

  it("has exactly the table's routes, each with its auth, path parameters and function", () => {
    const authorizer = authorizers[0]?.[0] ?? '';
    const sort = (methods: DeployedMethod[]) => methods.sort((a, b) => a.route.localeCompare(b.route));
    expect(sort(deployedMethods())).toEqual(sort(API_ROUTES.map((route) => expected(route, authorizer))));
  });

  it('throttles exactly the query routes of the table more tightly than the stage', () => {
    const [[, stage] = ['', { Type: '' }]] = resourcesOf(stateless, 'AWS::ApiGateway::Stage');
    const settings = (props(stage).MethodSettings as Array<Record<string, unknown>>)
      .filter((s) => s.ResourcePath !== '/*')
      .map((s) => `${String(s.HttpMethod)} ${String(s.ResourcePath).slice(1).replaceAll('~1', '/')}`)
      .sort();
    expect(settings).toEqual(
      API_ROUTES.filter((r) => r.queryThrottle)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
  });

  it('checks the telemetry model only where the table says so', () => {
    const withModel = resourcesOf(stateless, 'AWS::ApiGateway::Method')
      .filter(([, m]) => props(m).RequestModels !== undefined)
      .map(([, m]) => String(props(m).HttpMethod));
    expect(withModel).toEqual(API_ROUTES.filter((r) => r.telemetryBody).map((r) => r.method));
  });
});
