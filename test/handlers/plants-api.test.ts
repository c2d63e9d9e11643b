import { describe, expect, it } from 'vitest';
import { DEFAULT_PLANT_SETTINGS, defaultPlantConfig, type PlantConfig } from '../../lambdas/domain/plant.ts';
import { UnavailableError } from '../../lambdas/domain/ports.ts';
import { targetsFor } from '../../lambdas/domain/targets.ts';
import type { HttpEvent } from '../../lambdas/handlers/http.ts';
import { makeListPlantsHandler } from '../../lambdas/handlers/plants-api.ts';

const event = (overrides: Partial<HttpEvent> = {}): HttpEvent => ({
  httpMethod: 'GET',
  path: '/v1/plants',
  headers: {},
  pathParameters: null,
  queryStringParameters: null,
  body: null,
  isBase64Encoded: false,
  ...overrides,
});

const astana: PlantConfig = {
  ...DEFAULT_PLANT_SETTINGS,
  plantId: 'kz-ast-01',
  name: 'Astana WtE',
  diversionTarget: 0.45,
  combustionMinTempC: 870,
};

const store = (plants: PlantConfig[]) => ({ listPlants: async () => plants });

describe('GET /v1/plants', () => {
  it('lists every registered plant by id with its name, time zone, thresholds and targets, and nothing else', async () => {
    const handler = makeListPlantsHandler({ plants: store([defaultPlantConfig('kz-shy-01'), astana]) });
    const response = await handler(event());
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    expect(JSON.parse(response.body)).toEqual({
      plants: [
        {
          plantId: 'kz-ast-01',
          name: 'Astana WtE',
          timeZone: 'Asia/Almaty',
          diversionTarget: 0.45,
          combustionMinTempC: 870,
          staleAfterMinutes: 15,
          targets: targetsFor(astana),
        },
        {
          plantId: 'kz-shy-01',
          name: 'kz-shy-01',
          timeZone: 'Asia/Almaty',
          diversionTarget: 0.4,
          combustionMinTempC: 850,
          staleAfterMinutes: 15,
          targets: targetsFor(defaultPlantConfig('kz-shy-01')),
        },
      ],
    });
  });

  it("adds each plant's latest data time from its day progress, null before any data", async () => {
    const frontier = Date.parse('2026-12-06T10:15:00Z');
    const asked: string[] = [];
    const handler = makeListPlantsHandler({
      plants: store([defaultPlantConfig('kz-shy-01'), { ...astana, staleAfterMinutes: 60 }]),
      progress: {
        progress: async (plantId) => {
          asked.push(plantId);
          return plantId === 'kz-ast-01' ? { frontier, days: [] } : { days: [] };
        },
      },
    });
    const { plants } = JSON.parse((await handler(event())).body) as {
      plants: Array<Record<string, unknown>>;
    };
    expect(plants.map((p) => [p.plantId, p.lastDataAt, p.staleAfterMinutes])).toEqual([
      ['kz-ast-01', '2026-12-06T10:15:00.000Z', 60],
      ['kz-shy-01', null, 15],
    ]);
    expect(asked.sort()).toEqual(['kz-ast-01', 'kz-shy-01']);
  });

  it('answers an empty list when no plant is registered yet', async () => {
    const response = await makeListPlantsHandler({ plants: store([]) })(event());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ plants: [] });
  });

  it('refuses query parameters with 400 problem details without reading the store', async () => {
    let reads = 0;
    const handler = makeListPlantsHandler({
      plants: {
        listPlants: async () => {
          reads++;
          return [];
        },
      },
    });
    const response = await handler(event({ queryStringParameters: { limit: '5' } }));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({
      type: 'urn:wte:problem:invalid-query',
      errors: [{ pointer: '/query' }],
    });
    expect(reads).toBe(0);
  });

  it('answers 404 to any method but GET', async () => {
    const response = await makeListPlantsHandler({ plants: store([astana]) })(event({ httpMethod: 'POST' }));
    expect(response.statusCode).toBe(404);
  });

  it('answers 503 with Retry-After when the state store is unavailable, never the error text', async () => {
    const handler = makeListPlantsHandler({
      plants: {
        listPlants: async () => {
          throw new UnavailableError('dynamo throttled: secret internals', 7);
        },
      },
    });
    const response = await handler(event());
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('7');
    expect(response.body).not.toContain('secret');
  });
});
