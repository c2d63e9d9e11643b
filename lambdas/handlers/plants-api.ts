/**
 * GET /v1/plants: the registered plants with what a dashboard needs to draw
 * them (name, time zone, diversion target, minimum combustion temperature).
 *
 * An extension of CONTRACT.md section 4 for the operator page's plant picker
 * (docs/dashboards.md). Analysts and ops reach it with IAM auth on AWS, like
 * the other read routes. The plant list is short (one item per plant, read
 * from the state store's plant index), so it comes in one answer.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { PlantConfig } from '../domain/plant.ts';
import type { StateStore } from '../domain/ports.ts';
import { ProblemType, problem } from '../domain/problem.ts';
import { type KpiTarget, targetsFor } from '../domain/targets.ts';
import { errorResponse, type HttpEvent, json, problemResponse } from './http.ts';

export interface PlantsApiDeps {
  readonly plants: Pick<StateStore, 'listPlants'>;
}

/** A plant as GET /v1/plants lists it. */
export interface PlantSummary {
  readonly plantId: string;
  readonly name: string;
  readonly timeZone: string;
  readonly diversionTarget: number;
  readonly combustionMinTempC: number;
  /** Diversion and recycling targets with their source (targets.ts); the page draws year to date against them. */
  readonly targets: readonly KpiTarget[];
}

export function plantSummary(plant: PlantConfig): PlantSummary {
  return {
    plantId: plant.plantId,
    name: plant.name,
    timeZone: plant.timeZone,
    diversionTarget: plant.diversionTarget,
    combustionMinTempC: plant.combustionMinTempC,
    targets: targetsFor(plant),
  };
}

/** GET /v1/plants: `{ plants: [PlantSummary] }` ordered by plant id. */
export function makeListPlantsHandler(deps: PlantsApiDeps) {
  return async (event: HttpEvent): Promise<APIGatewayProxyResult> => {
    if (event.httpMethod !== 'GET') {
      return problemResponse(problem(404, ProblemType.notFound, 'Not found', 'No such route.'));
    }
    if (Object.keys(event.queryStringParameters ?? {}).length > 0) {
      return problemResponse(
        problem(400, ProblemType.invalidQuery, 'Invalid query', 'Some query parameters are invalid.', [
          { pointer: '/query', detail: 'this API takes no parameters' },
        ]),
      );
    }
    try {
      const plants = await deps.plants.listPlants();
      return json(200, {
        plants: plants
          .map(plantSummary)
          .sort((a, b) => (a.plantId < b.plantId ? -1 : a.plantId > b.plantId ? 1 : 0)),
      });
    } catch (error) {
      return errorResponse(error);
    }
  };
}
