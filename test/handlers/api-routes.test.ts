/**
 * The route table's own rules: a path parameter matches exactly one
 * non-empty segment (as on API Gateway) and comes back as it was sent; no
 * request can match two routes of the same method; each handler serves one route.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_ROUTES, pathParameterNames, pathPattern, routeOf } from '../../lambdas/handlers/api-routes.ts';

/** One path segment as it arrives: any non-empty text without a slash. */
const segment = fc.string({ minLength: 1, maxLength: 24 }).filter((s) => !s.includes('/'));

function fill(path: string, values: readonly string[]): string {
  let i = 0;
  return path.replace(/\{[A-Za-z0-9]+\}/g, () => values[i++] ?? '');
}

describe('the route table', () => {
  it.each(API_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s matches any segment as each parameter and captures it',
    (_, route) => {
      const names = pathParameterNames(route.path);
      fc.assert(
        fc.property(fc.array(segment, { minLength: names.length, maxLength: names.length }), (values) => {
          const match = pathPattern(route.path).exec(fill(route.path, values));
          expect(match?.slice(1)).toEqual(values);
        }),
      );
    },
  );

  it.each(API_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s matches no empty or two-segment parameter, extra segment or trailing slash',
    (_, route) => {
      const pattern = pathPattern(route.path);
      const names = pathParameterNames(route.path);
      fc.assert(
        fc.property(
          fc.array(segment, { minLength: names.length, maxLength: names.length }),
          segment,
          (values, extra) => {
            const path = fill(route.path, values);
            expect(pattern.test(`${path}/`)).toBe(false);
            expect(pattern.test(`${path}/${extra}`)).toBe(false);
            expect(pattern.test(`/${extra}${path}`)).toBe(false);
            if (names.length > 0)
              expect(
                pattern.test(
                  fill(
                    route.path,
                    values.map((v) => `${v}/${extra}`),
                  ),
                ),
              ).toBe(false);
          },
        ),
      );
      if (names.length > 0)
        expect(
          pattern.test(
            fill(
              route.path,
              names.map(() => ''),
            ),
          ),
        ).toBe(false);
    },
  );

  it('names the parameters of a path in order', () => {
    expect(pathParameterNames('/v1/plants/{plantId}/telemetry')).toEqual(['plantId']);
    expect(pathParameterNames('/a/{x}/b/{y}')).toEqual(['x', 'y']);
    expect(pathParameterNames('/v1/alerts')).toEqual([]);
  });

  it('reads literal segments literally', () => {
    expect(pathPattern('/a.b/{x}').test('/a.b/1')).toBe(true);
    expect(pathPattern('/a.b/{x}').test('/aXb/1')).toBe(false);
  });

  it('has no request that two routes of one method could both take', () => {
    for (const route of API_ROUTES) {
      const path = fill(
        route.path,
        pathParameterNames(route.path).map(() => 'x'),
      );
      const takers = API_ROUTES.filter((r) => r.method === route.method && pathPattern(r.path).test(path));
      expect(takers).toEqual([route]);
    }
  });

  it('gives each handler exactly one route', () => {
    const handlers = API_ROUTES.map((r) => r.handler);
    expect(new Set(handlers).size).toBe(handlers.length);
    for (const route of API_ROUTES) expect(routeOf(route.handler)).toBe(route);
  });
});
