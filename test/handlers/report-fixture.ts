/**
 * Data for the annual report tests, on the local engines: two plant-local
 * days of simulated telemetry through the processor into DuckDB, with five
 * hours of AST left out (a known gap); plants (AST with R1 settings, ALA in
 * Asia/Kolkata without) and four alerts in dynalite.
 */
import type { SQSRecord } from 'aws-lambda';
import { DuckDbMetricsStore } from '../../lambdas/adapters/duckdb/duckdb-metrics-store.ts';
import { DynamoAlertStore } from '../../lambdas/adapters/dynamo/dynamo-alert-store.ts';
import { createStateTable, DynamoStateStore } from '../../lambdas/adapters/dynamo/dynamo-state-store.ts';
import type { Alert, AlertType } from '../../lambdas/domain/alerts/model.ts';
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { defaultPlantConfig, type R1Settings } from '../../lambdas/domain/plant.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { makeProcessorHandler } from '../../lambdas/handlers/processor.ts';
import type { ReportApiDeps } from '../../lambdas/handlers/report-api.ts';
import { simulateFleet } from '../../lambdas/sim/fleet.ts';
import { type RunningDynalite, startDynalite } from '../support/dynalite.ts';
import { FixedClock, MemoryRejections } from '../support/memory-ports.ts';

export const HOUR = 3_600_000;
const MIN = 60_000;
export const DATA_START = Date.parse('2026-11-23T00:00:00+05:00');
export const DATA_END = Date.parse('2026-11-25T00:00:00+05:00');
export const NOW = DATA_END + 2 * HOUR;
export const GAP_START = Date.parse('2026-11-23T10:00:00+05:00');
export const GAP_END = Date.parse('2026-11-23T15:00:00+05:00');
export const YEAR_START = Date.parse('2026-01-01T00:00:00+05:00');
export const YEAR_END = Date.parse('2027-01-01T00:00:00+05:00');
export const AST = 'kz-ast-01'; // Asia/Almaty, with R1 settings
export const ALA = 'kz-ala-01'; // Asia/Kolkata, without

export const R1_SETTINGS: R1Settings = {
  wasteNcvGJPerT: 9.5,
  importedEnergyGJPerYear: 2_000,
  auxiliaryFuelGJPerYear: 500,
  heatingDegreeDays: 5_200,
  permittedOn: '2021-03-15',
};

function alert(plantId: string, type: AlertType, openedAt: number, n: number): Alert {
  return {
    alertId: `${plantId}-${type}-${n}`,
    plantId,
    type,
    subject: `s-${n}`,
    severity: 'warning',
    state: 'open',
    openedAt,
    updatedAt: openedAt,
    window: { start: openedAt - HOUR, end: openedAt },
    value: 0.3,
    threshold: 0.4,
    message: 'test alert',
    sequence: 1,
  };
}

export interface ReportFixture {
  readonly deps: ReportApiDeps;
  readonly metrics: DuckDbMetricsStore;
  readonly state: DynamoStateStore;
  readonly alerts: DynamoAlertStore;
  readonly clock: FixedClock;
  close(): Promise<void>;
}

export async function startReportFixture(table = 'state-report'): Promise<ReportFixture> {
  const dynalite: RunningDynalite = await startDynalite();
  await createStateTable(dynalite.client, table);
  const tableProps = { client: dynalite.client, tableName: table };
  const state = new DynamoStateStore(tableProps);
  await state.putPlant({ ...defaultPlantConfig(AST), name: 'Astana WtE', r1: R1_SETTINGS });
  await state.putPlant({ ...defaultPlantConfig(ALA), timeZone: 'Asia/Kolkata' });
  const alerts = new DynamoAlertStore(tableProps);
  const opened = [
    alert(AST, 'DIVERSION_BELOW_TARGET', Date.parse('2026-03-02T10:00:00+05:00'), 1),
    alert(AST, 'DIVERSION_BELOW_TARGET', Date.parse('2026-11-24T10:00:00+05:00'), 2),
    alert(AST, 'SENSOR_STALE', Date.parse('2026-11-23T10:30:00+05:00'), 3),
    // The last hour of 2025 in Almaty: the 2025 report's, not 2026's.
    alert(AST, 'SENSOR_STALE', Date.parse('2025-12-31T23:30:00+05:00'), 4),
  ];
  for (const a of opened)
    if (!(await alerts.applyTransition(a, 0))) throw new Error(`alert ${a.alertId} not stored`);

  const clock = new FixedClock(NOW);
  const metrics = await DuckDbMetricsStore.open({ path: ':memory:', clock });
  const process = makeProcessorHandler({ metrics, state, rejections: new MemoryRejections() });
  const bodies: string[] = [];
  for (const { body } of simulateFleet({
    plants: 2,
    start: DATA_START,
    durationMs: DATA_END - DATA_START,
    intervalMs: 15 * MIN,
    seed: 7,
  })) {
    const sent = (body as { sentAt: number }).sentAt;
    if (body.plantId === AST && sent >= GAP_START && sent < GAP_END) continue;
    const parsed = parseTelemetry(body, { now: NOW, plantId: body.plantId });
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    bodies.push(...encodeQueued({ message: parsed.message, source: 'http', receivedAt: NOW }));
  }
  for (let i = 0; i < bodies.length; i += 25) {
    const records = bodies
      .slice(i, i + 25)
      .map((body, j) => ({ messageId: `m-${i + j}`, body }) as SQSRecord);
    const failures = (await process({ Records: records })).batchItemFailures;
    if (failures.length > 0) throw new Error(`processor failed ${failures.length} records`);
  }
  return {
    deps: { metrics: metrics.queries(), plants: state, alerts, clock },
    metrics,
    state,
    alerts,
    clock,
    close: async () => {
      await metrics.close();
      await dynalite.close();
    },
  };
}
