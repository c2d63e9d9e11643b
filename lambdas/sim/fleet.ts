/**
 * A deterministic simulated fleet of waste-to-energy plants: seeded, so the
 * same options always give the same messages (tests, benchmarks and the
 * local-mode simulator share it). Values follow docs/reference/domain.md section 3: about
 * 1,000 to 1,600 t/day per plant, 850-1,000 degC in the 2-second zone, about
 * 0.55 MWh exported per tonne, bottom ash about 22 % of the feed.
 */

export interface FleetOptions {
  readonly plants: number;
  /** Epoch ms of the first sample. */
  readonly start: number;
  readonly durationMs: number;
  /** Gauge sampling and message interval per plant, ms (default 60 s). */
  readonly intervalMs?: number;
  readonly seed?: number;
}

export interface SimMessage {
  readonly plantId: string;
  readonly body: {
    readonly schema: 'wte.telemetry.v1';
    readonly messageId: string;
    readonly plantId: string;
    readonly sentAt: number;
    readonly readings: ReadonlyArray<Record<string, unknown>>;
    readonly movements: ReadonlyArray<Record<string, unknown>>;
  };
}

/** Small, fast, seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FLEET_PLANT_IDS = ['kz-ast-01', 'kz-ala-01', 'kz-shy-01', 'kz-kar-01', 'kz-akt-01', 'kz-pav-01'];

export function plantIdOf(index: number): string {
  return FLEET_PLANT_IDS[index] ?? `kz-sim-${String(index + 1).padStart(2, '0')}`;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Messages of the whole fleet in time order (plant by plant within each interval). */
export function* simulateFleet(options: FleetOptions): Generator<SimMessage> {
  const interval = options.intervalMs ?? 60_000;
  const random = prng(options.seed ?? 1);
  const plants = Array.from({ length: options.plants }, (_, i) => {
    const tonnesPerDay = 1000 + 600 * random();
    return {
      plantId: plantIdOf(i),
      feedTph: tonnesPerDay / 24,
      wasteFed: 10_000 + 1_000 * random(),
      generated: 50_000 + 5_000 * random(),
      exported: 40_000 + 5_000 * random(),
      heat: 20_000 + 2_000 * random(),
      seq: 0,
      tickets: 0,
      nextTicketAt: options.start + random() * 600_000,
    };
  });
  const end = options.start + options.durationMs;
  for (let t = options.start; t < end; t += interval) {
    for (const plant of plants) {
      const hours = interval / 3_600_000;
      const feed = plant.feedTph * (0.9 + 0.2 * random());
      plant.wasteFed += feed * hours;
      const grossMw = feed * 0.65 * (0.95 + 0.1 * random());
      plant.generated += grossMw * hours;
      plant.exported += grossMw * 0.85 * hours;
      plant.heat += feed * 0.4 * hours;
      const furnace = 930 + 40 * (random() - 0.5);
      const readings: Record<string, unknown>[] = [
        { ts: t, line: 'boiler-1', metric: 'furnace_temperature', value: round(furnace, 1), unit: 'degC' },
        { ts: t, line: 'boiler-1', metric: 'waste_feed_rate', value: round(feed, 3), unit: 't/h' },
        { ts: t, line: 'boiler-1', metric: 'steam_flow', value: round(feed * 3.1, 2), unit: 't/h' },
        { ts: t, line: 'boiler-1', metric: 'steam_pressure', value: round(40 + random(), 2), unit: 'bar' },
        {
          ts: t,
          line: 'boiler-1',
          metric: 'steam_temperature',
          value: round(400 + 5 * random(), 1),
          unit: 'degC',
        },
        { ts: t, line: 'boiler-1', metric: 'flue_gas_o2', value: round(8 + 2 * random(), 2), unit: '%' },
        { ts: t, line: 'boiler-1', metric: 'boiler_dp', value: round(6 + random(), 2), unit: 'mbar' },
        { ts: t, line: 'boiler-1', metric: 'waste_fed', value: round(plant.wasteFed, 3), unit: 't' },
        { ts: t, line: 'turbine', metric: 'power_gross', value: round(grossMw, 3), unit: 'MW' },
        { ts: t, line: 'turbine', metric: 'power_export', value: round(grossMw * 0.85, 3), unit: 'MW' },
        {
          ts: t,
          line: 'turbine',
          metric: 'electricity_generated',
          value: round(plant.generated, 3),
          unit: 'MWh',
        },
        {
          ts: t,
          line: 'turbine',
          metric: 'electricity_exported',
          value: round(plant.exported * 1000, 1),
          unit: 'kWh',
        },
        { ts: t, line: 'heat', metric: 'heat_exported', value: round(plant.heat / 1.163, 3), unit: 'Gcal' },
        { ts: t, line: 'stack', metric: 'co', value: round(10 + 10 * random(), 2), unit: 'mg/Nm3' },
        { ts: t, line: 'stack', metric: 'nox', value: round(120 + 40 * random(), 2), unit: 'mg/Nm3' },
        { ts: t, line: 'stack', metric: 'dust', value: round(1 + 2 * random(), 2), unit: 'mg/Nm3' },
      ];
      const movements: Record<string, unknown>[] = [];
      while (plant.nextTicketAt < t + interval) {
        const ts = Math.floor(plant.nextTicketAt);
        plant.tickets += 1;
        const ticketId = `WB-${plant.plantId}-${String(plant.tickets).padStart(6, '0')}`;
        const roll = random();
        if (roll < 0.8) {
          movements.push({
            ticketId,
            ts,
            direction: 'in',
            netTonnes: round(10 + 15 * random(), 2),
            material: 'mixed_waste',
          });
        } else if (roll < 0.9) {
          movements.push({
            ticketId,
            ts,
            direction: 'out',
            netTonnes: round(15 + 10 * random(), 2),
            material: 'bottom_ash',
            destination: random() < 0.7 ? 'recycling' : 'landfill',
            operationCode: 'R5',
          });
        } else if (roll < 0.95) {
          movements.push({
            ticketId,
            ts,
            direction: 'out',
            netTonnes: round(2 + 3 * random(), 2),
            material: 'metals',
            destination: 'recycling',
            operationCode: 'R4',
          });
        } else {
          movements.push({
            ticketId,
            ts,
            direction: 'out',
            netTonnes: round(5 + 10 * random(), 2),
            material: 'rejects',
            destination: 'landfill',
            operationCode: 'D1',
          });
        }
        // about 1,300 t/day in at ~17.5 t a load: a ticket every ~13 minutes on average, spread randomly
        plant.nextTicketAt += 60_000 + random() * 1_200_000;
      }
      plant.seq += 1;
      yield {
        plantId: plant.plantId,
        body: {
          schema: 'wte.telemetry.v1',
          messageId: `gw-${plant.plantId}:${String(plant.seq).padStart(8, '0')}`,
          plantId: plant.plantId,
          sentAt: t,
          readings,
          movements,
        },
      };
    }
  }
}
