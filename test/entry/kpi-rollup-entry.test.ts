/**
 * The KPI rollup entry as deployed, on each metrics store: a scheduled run
 * rolls the settled slots of KPI_ROLLUP_TABLE up from the store's tickets,
 * so a reader of the rollup table finds the tonnes; a backfill event marks
 * the slots of the plant and range it names.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoKpiRollupReader,
  DynamoKpiRollupStore,
} from '../../lambdas/adapters/dynamo/dynamo-kpi-rollup-store.ts';
import { movement } from '../support/stored-items.ts';
import {
  BASE_ENV,
  type DynamoBoundary,
  dynamoBoundary,
  LAKE_ENV,
  lambdaContext,
  loadEntry,
  ROLLUP_ENV,
  scheduledEvent,
  TIMESTREAM_ENV,
} from './entry-support.ts';
import { type MetricsBackend, metricsBackend } from './metrics-backend.ts';

type RollupRun = { pending: number; rolled: number; superseded: number; deferred: number; marked: number };
type Rollup = { handler: (event: unknown, context: unknown) => Promise<RollupRun> };

const HOUR = 3_600_000;
const SLOT = 15 * 60_000;
const ENV = { AWS_REGION: BASE_ENV.AWS_REGION, ...ROLLUP_ENV };
/** Two days back: settled, and within the recent horizon on the lake. */
const FROM = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR;
/** The rollup table as a store sees it, with a clock `lagMs` behind. */
const rollupTable = (lagMs = 0) => ({
  client: dynamo.local.client,
  tableName: ROLLUP_ENV.KPI_ROLLUP_TABLE,
  clock: { now: () => Date.now() - lagMs },
  rollupSince: Number(ROLLUP_ENV.KPI_ROLLUP_SINCE),
});

let dynamo: DynamoBoundary;
let backend: MetricsBackend | undefined;

beforeAll(async () => {
  dynamo = await dynamoBoundary({
    recent: LAKE_ENV.RECENT_TELEMETRY_TABLE,
    rollup: ROLLUP_ENV.KPI_ROLLUP_TABLE,
  });
});
afterEach(() => {
  backend?.restore();
  backend = undefined;
});
afterAll(async () => {
  await dynamo.close();
});

describe.each([
  ['timestream', TIMESTREAM_ENV, 'kz-ast-01'],
  ['lake', LAKE_ENV, 'kz-ala-01'],
] as const)('kpi-rollup entry on %s', (store, storeEnv, plantId) => {
  it('rolls the settled slots of KPI_ROLLUP_TABLE up from the tickets in the store', async () => {
    backend = await metricsBackend(store, dynamo, {
      movements: [
        movement({ plantId, ticketId: `WB-rollup-${store}`, ts: FROM + SLOT + 60_000, netTonnes: 21.5 }),
      ],
    });
    // The processor marked both slots seven hours ago: settled by now, whichever store's tier they were in.
    await new DynamoKpiRollupStore(rollupTable(7 * HOUR)).markTouched([
      { plantId, slotStarts: [FROM, FROM + SLOT] },
    ]);
    const { handler } = await loadEntry<Rollup>('kpi-rollup', { ...ENV, ...storeEnv });
    const run = await handler(scheduledEvent('wte-prod-kpi-rollup'), lambdaContext('kpi-rollup', 60_000));
    expect(run).toMatchObject({ marked: 0, rolled: 2, deferred: 0 });
    expect(dynamo.tablesCalled()).toContain(ROLLUP_ENV.KPI_ROLLUP_TABLE);

    const rolled = await new DynamoKpiRollupReader(rollupTable()).readRolledSlots(
      plantId,
      FROM,
      FROM + 2 * SLOT,
    );
    expect([...rolled.keys()].sort()).toEqual([FROM, FROM + SLOT]);
    expect(JSON.stringify(rolled.get(FROM + SLOT))).toContain('21.5');
    expect(JSON.stringify(rolled.get(FROM))).not.toContain('21.5');
  });

  it('marks every slot of the range a backfill event names, to roll up once settled', async () => {
    const { handler } = await loadEntry<Rollup>('kpi-rollup', { ...ENV, ...storeEnv });
    const run = await handler(
      {
        backfill: {
          plantId,
          from: new Date(FROM).toISOString(),
          to: new Date(FROM + 2 * HOUR).toISOString(),
        },
      },
      lambdaContext('kpi-rollup', 60_000),
    );
    expect(run).toMatchObject({ marked: 8, rolled: 0 });
    const marked = dynamo
      .inputsTo(ROLLUP_ENV.KPI_ROLLUP_TABLE)
      .filter((input) => JSON.stringify(input).includes(plantId));
    expect(marked.length).toBeGreaterThanOrEqual(8);
    await expect(
      handler({ backfill: { plantId, from: 'yesterday', to: 'today' } }, lambdaContext('kpi-rollup')),
    ).rejects.toThrow('invalid backfill request');
  });
});
