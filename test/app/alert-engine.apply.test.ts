/**
 * AlertEngine.apply under a partial store outage: one alert subject's store
 * calls fail with UnavailableError (a throttled DynamoDB after the SDK's own
 * retries); the other subjects are still applied, the run still reports the
 * failure (so a batch is redelivered and a scheduled run counts as failed),
 * and each plant's configuration is read once per run.
 */

import { describe, expect, it } from 'vitest';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { MemoryAlertStore } from '../../lambdas/adapters/memory-alert-store.ts';
import { MemoryDayProgressStore } from '../../lambdas/adapters/memory-day-progress-store.ts';
import { APPLY_CONCURRENCY } from '../../lambdas/app/alert-apply.ts';
import { AlertEngine } from '../../lambdas/app/alert-engine.ts';
import type { AlertType, Evaluation } from '../../lambdas/domain/alerts/model.ts';
import { defaultPlantConfig } from '../../lambdas/domain/plant.ts';
import { UnavailableError } from '../../lambdas/domain/ports.ts';
import { FixedClock } from '../support/memory-ports.ts';

const PLANT = 'kz-ast-01';
const T0 = Date.parse('2026-11-20T10:00:00+05:00');

/** The in-process store, except that every call about one subject is unavailable. */
class OutageAlertStore extends MemoryAlertStore {
  constructor(private readonly downSubject: string) {
    super();
  }

  override async getCurrent(plantId: string, type: AlertType, subject: string) {
    if (subject === this.downSubject) throw new UnavailableError('throttled');
    return super.getCurrent(plantId, type, subject);
  }
}

function firing(subject: string): Evaluation {
  return {
    plantId: PLANT,
    type: 'COMBUSTION_TEMPERATURE_LOW',
    subject,
    status: 'firing',
    severity: 'critical',
    window: { start: T0, end: T0 + 60_000 },
    value: 812,
    threshold: 850,
    message: `Furnace temperature on ${subject} below 850 degC`,
  };
}

async function engineOver(alerts: MemoryAlertStore) {
  const clock = new FixedClock(T0);
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  let plantReads = 0;
  const plant = defaultPlantConfig(PLANT);
  const engine = new AlertEngine({
    metrics,
    alerts,
    plants: {
      getPlant: async () => {
        plantReads += 1;
        return plant;
      },
      listPlants: async () => [plant],
    },
    days: new MemoryDayProgressStore(),
    clock,
  });
  return { engine, plantReads: () => plantReads, close: () => metrics.close() };
}

describe('AlertEngine.apply with one subject unavailable', () => {
  it('applies the other subjects, then reports the outage', async () => {
    const alerts = new OutageAlertStore('boiler-1');
    const { engine, close } = await engineOver(alerts);
    try {
      const run = engine.apply([firing('boiler-1'), firing('boiler-2'), firing('boiler-3')], T0 + 120_000);
      await expect(run).rejects.toBeInstanceOf(UnavailableError);
      expect((await alerts.getCurrent(PLANT, 'COMBUSTION_TEMPERATURE_LOW', 'boiler-2'))?.state).toBe('open');
      expect((await alerts.getCurrent(PLANT, 'COMBUSTION_TEMPERATURE_LOW', 'boiler-3'))?.state).toBe('open');
      expect(await alerts.pendingTransitions(10)).toHaveLength(2);
    } finally {
      await close();
    }
  });

  it('reads the plant configuration once per run, however many subjects', async () => {
    const { engine, plantReads, close } = await engineOver(new MemoryAlertStore());
    try {
      const result = await engine.apply(
        [firing('boiler-1'), firing('boiler-2'), firing('boiler-3')],
        T0 + 120_000,
      );
      expect(result.transitions).toBe(3);
      expect(plantReads()).toBe(1);
    } finally {
      await close();
    }
  });

  it('applies different subjects at once: they are separate alert items', async () => {
    let inFlight = 0;
    let most = 0;
    class SlowAlertStore extends MemoryAlertStore {
      override async getCurrent(plantId: string, type: AlertType, subject: string) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
        return super.getCurrent(plantId, type, subject);
      }
    }
    const alerts = new SlowAlertStore();
    const { engine, close } = await engineOver(alerts);
    try {
      const result = await engine.apply(
        [firing('boiler-1'), firing('boiler-2'), firing('boiler-3')],
        T0 + 120_000,
      );
      expect(most).toBe(3);
      expect(result.transitions).toBe(3);
      expect(await alerts.pendingTransitions(10)).toHaveLength(3);
      // A scheduled run's verdicts for every series of a plant: a bounded number at once.
      most = 0;
      const many = Array.from({ length: 20 }, (_, i) => firing(`line-${i}`));
      expect((await engine.apply(many, T0 + 120_000)).transitions).toBe(20);
      expect(most).toBe(APPLY_CONCURRENCY);
    } finally {
      await close();
    }
  });
});
