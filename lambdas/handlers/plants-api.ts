/**
 * GET /v1/plants: the registered plants with what a dashboard needs to draw
 * them (name, time zone, diversion target, minimum combustion temperature,
 * stale threshold, targets) and, where the day progress is bound, the latest
 * data time each plant sent (its frontier, docs/alert-completeness.md).
 *
 * An extension of docs/contract.md section 4 for the operator page's plant picker
 * (docs/dashboards.md). Analysts and ops reach it with IAM auth on AWS, like
 * the other read routes. The plant list is short (one item per plant, read
 * from the state store's plant index), so it comes in one answer.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { mapLimited } from '../adapters/map-limited.ts';
import type { PlantConfig } from '../domain/plant.ts';
import type { DayProgressStore, StateStore } from '../domain/ports.ts';
import { ProblemType, problem } from '../domain/problem.ts';
import { type KpiTarget, targetsFor } from '../domain/targets.ts';
import { toIso } from '../domain/time.ts';
import { errorResponse, type HttpEvent, json, problemResponse } from './http.ts';

export interface PlantsApiDeps {
  readonly plants: Pick<StateStore, 'listPlants'>;
  /** Each plant's data frontier, for `lastDataAt`; without it `lastDataAt` is left out. */
  readonly progress?: Pick<DayProgressStore, 'progress'>;
}

/** Plants whose frontier is read at once. */
const PROGRESS_CONCURRENCY = 8;

/** A plant as GET /v1/plants lists it. */
export interface PlantSummary {
  readonly plantId: string;
  readonly name: string;
  readonly timeZone: string;
  readonly diversionTarget: number;
  readonly combustionMinTempC: number;
  /** Minutes without GOOD data before a series is stale: the page's stale warning. */
  readonly staleAfterMinutes: number;
  /** The latest data time received from the plant (ISO), null before any; absent when not read. */
  readonly lastDataAt?: string | null;
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
    staleAfterMinutes: plant.staleAfterMinutes,
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
      const summaries = plants
        .map(plantSummary)
        .sort((a, b) => (a.plantId < b.plantId ? -1 : a.plantId > b.plantId ? 1 : 0));
      const { progress } = deps;
      if (progress === undefined) return json(200, { plants: summaries });
      const withFreshness = await mapLimited(summaries, PROGRESS_CONCURRENCY, async (summary) => {
        const { frontier } = await progress.progress(summary.plantId);
        return { ...summary, lastDataAt: frontier === undefined ? null : toIso(frontier) };
      });
      return json(200, { plants: withFreshness });
    } catch (error) {
      return errorResponse(error);
    }
  };
}
