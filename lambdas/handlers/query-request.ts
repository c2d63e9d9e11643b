/**
 * The answers every analyst route of a plant shares (the KPI, series and
 * report routes): the plant id from the path, its configuration or the 404
 * for a plant nobody configured, and the 400 for a query with bad parameters.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { PlantConfig } from '../domain/plant.ts';
import type { StateStore } from '../domain/ports.ts';
import { type FieldError, ProblemType, problem } from '../domain/problem.ts';
import { PLANT_ID_PATTERN } from '../domain/telemetry.ts';
import { problemResponse } from './http.ts';

export function invalidQuery(errors: readonly FieldError[]): APIGatewayProxyResult {
  return problemResponse(
    problem(400, ProblemType.invalidQuery, 'Invalid query', 'Some query parameters are invalid.', errors),
  );
}

export function notFound(detail: string): APIGatewayProxyResult {
  return problemResponse(problem(404, ProblemType.notFound, 'Not found', detail));
}

export const NO_SUCH_PLANT = 'No such route: a plant id is 1 to 64 characters of [a-z0-9-].';

/** The plant id of a GET on a plant's route, or the 404 (another method, or no plant id in the path). */
export function plantIdOf(event: {
  readonly httpMethod: string;
  readonly pathParameters?: Record<string, string | undefined> | null;
}): string | APIGatewayProxyResult {
  if (event.httpMethod !== 'GET') return notFound('No such route.');
  const plantId: unknown = event.pathParameters?.plantId;
  return typeof plantId === 'string' && PLANT_ID_PATTERN.test(plantId) ? plantId : notFound(NO_SUCH_PLANT);
}

/** The plant's configuration, or the 404 for a plant nobody configured and no message has named yet. */
export async function plantConfig(
  deps: { readonly plants: Pick<StateStore, 'getPlant'> },
  plantId: string,
): Promise<PlantConfig | APIGatewayProxyResult> {
  return (
    (await deps.plants.getPlant(plantId)) ??
    notFound(
      `No plant ${plantId}: a plant is known once it is configured or its first message has been processed.`,
    )
  );
}
