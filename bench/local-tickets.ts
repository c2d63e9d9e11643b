/**
 * Local mode with weighbridge tickets, the issue #19 load: N gateways (one
 * plant each) POST back to back for a fixed time, each message carrying T
 * tickets and R readings; a 503 is honoured (sent again after Retry-After).
 * After the last 202 the KPI API is polled until every accepted ticket is
 * counted: each ticket weighs exactly 1 t in, so a plant's `received_t` over
 * all time is the number of its tickets counted, and a count above what was
 * accepted would be a double count.
 */
import { Agent } from 'node:http';
import { join } from 'node:path';
import { call, startServer, stopServer } from './local-bench.ts';
import type { Scratch } from './processes.ts';
import type { LocalTickets } from './results.ts';

export interface TicketParams {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly ticketsPerMessage: number;
  readonly readingsPerMessage: number;
  /** How long to keep polling for the count after the last 202. */
  readonly drainTimeoutMs: number;
}

/** The phase's figures, unrounded (results.ts LocalTickets). */
export type TicketFigures = LocalTickets;

const GAUGES = [
  ['boiler-1', 'furnace_temperature', 950, 'degC'],
  ['boiler-1', 'steam_flow', 60, 't/h'],
  ['boiler-1', 'steam_pressure', 40, 'bar'],
  ['boiler-1', 'flue_gas_o2', 8, '%'],
  ['turbine', 'power_gross', 20, 'MW'],
] as const;

/** Message `i` of gateway `g`: 10 s after message i - 1, its readings one second apart, its tickets unique. */
function body(g: number, plantId: string, i: number, p: TicketParams, start: number): string {
  const ts = start + i * 10_000;
  const readings = Array.from({ length: p.readingsPerMessage }, (_, k) => {
    const [line, metric, value, unit] = GAUGES[k % GAUGES.length] as (typeof GAUGES)[number];
    return { ts: ts + Math.floor(k / GAUGES.length) * 1000, line, metric, value: value + (k % 3), unit };
  });
  const movements = Array.from({ length: p.ticketsPerMessage }, (_, k) => ({
    ticketId: `WB-${g}-${i}-${k}`,
    ts,
    direction: 'in',
    netTonnes: 1,
    material: 'mixed_waste',
  }));
  return JSON.stringify({
    schema: 'wte.telemetry.v1',
    messageId: `gw-${g}:${i}`,
    plantId,
    sentAt: new Date().toISOString(),
    readings,
    movements,
  });
}

export async function runTicketPhase(scratch: Scratch, p: TicketParams): Promise<TicketFigures> {
  const token = 'wte-bench-dev-token';
  const { child, url } = await startServer(join(scratch.dir, 'local-tickets'), token);
  const agent = new Agent({ keepAlive: true, maxSockets: p.concurrency * 2 });
  // A day back: 8,640 messages per gateway before one would lie in the future (more than 15 minutes
  // ahead is refused). An hour back broke the run once a gateway sent 450 messages in the 20 s.
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 86_400_000;
  const accepted = new Map<string, number>();
  let messagesAccepted = 0;
  let refused = 0;
  let lastAccepted = 0;
  try {
    const t0 = performance.now();
    const end = t0 + p.durationMs;
    const gateway = async (g: number) => {
      const plantId = `kz-bench-t${String(g).padStart(2, '0')}`;
      accepted.set(plantId, 0);
      const target = new URL(`/v1/plants/${plantId}/telemetry`, url);
      for (let i = 0; performance.now() < end; i++) {
        const text = body(g, plantId, i, p, start);
        for (;;) {
          const answer = await call(
            agent,
            target,
            'POST',
            { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            text,
          );
          if (answer.status === 202) {
            const tickets = (JSON.parse(answer.body) as { acceptedMovements: number }).acceptedMovements;
            accepted.set(plantId, (accepted.get(plantId) ?? 0) + tickets);
            messagesAccepted++;
            lastAccepted = performance.now();
            break;
          }
          if (answer.status !== 503)
            throw new Error(`ingest answered ${answer.status}: ${answer.body.slice(0, 200)}`);
          refused++;
          const wait = answer.retryAfterMs ?? 1000;
          if (performance.now() + wait >= end) return;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    };
    await Promise.all(Array.from({ length: p.concurrency }, (_, g) => gateway(g)));

    const ticketsAccepted = [...accepted.values()].reduce((a, b) => a + b, 0);
    const range = `from=${new Date(start - 86_400_000).toISOString()}&to=${new Date(Date.now() + 86_400_000).toISOString()}`;
    // Every plant asked at once (they queue on local mode's query connections): a round of the count is
    // what the tail figure carries on top of the real time to counted, so it is kept short.
    const countedOf = async (plantId: string): Promise<number> => {
      const answer = await call(
        agent,
        new URL(`/v1/plants/${plantId}/kpis?${range}&interval=1d`, url),
        'GET',
        {},
      );
      if (answer.status !== 200) throw new Error(`kpis answered ${answer.status}`);
      let total = 0;
      for (const point of (JSON.parse(answer.body) as { points: Array<{ received_t: number }> }).points)
        total += point.received_t;
      return total;
    };
    const counted = async () =>
      Math.round((await Promise.all([...accepted.keys()].map(countedOf))).reduce((a, b) => a + b, 0));
    const deadline = performance.now() + p.drainTimeoutMs;
    let ticketsCounted = await counted();
    while (ticketsCounted < ticketsAccepted && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ticketsCounted = await counted();
    }
    const allAt = ticketsCounted >= ticketsAccepted ? performance.now() : undefined;
    return {
      concurrency: p.concurrency,
      durationS: p.durationMs / 1000,
      ticketsPerMessage: p.ticketsPerMessage,
      readingsPerMessage: p.readingsPerMessage,
      messagesAccepted,
      ticketsAccepted,
      ticketsCounted,
      ticketsPerSecCounted:
        allAt === undefined
          ? ticketsCounted / ((deadline - t0) / 1000)
          : ticketsAccepted / ((allAt - t0) / 1000),
      countedAfterLast202Ms: allAt === undefined ? null : allAt - lastAccepted,
      refused,
    };
  } finally {
    agent.destroy();
    await stopServer(child);
  }
}
