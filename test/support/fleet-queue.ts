/** What HTTP ingest would enqueue for a simulated fleet, as SQS message bodies. */
import { parseTelemetry } from '../../lambdas/domain/parse-telemetry.ts';
import { encodeQueued } from '../../lambdas/domain/queue-codec.ts';
import { type FleetOptions, simulateFleet } from '../../lambdas/sim/fleet.ts';

/** Each message is received 5 s after it was sent, validated like ingest, and encoded for the queue. */
export function fleetQueueBodies(options: FleetOptions): string[] {
  const bodies: string[] = [];
  for (const { body } of simulateFleet(options)) {
    const receivedAt = body.sentAt + 5_000;
    const parsed = parseTelemetry(body, { now: receivedAt, plantId: body.plantId });
    if (!parsed.ok) throw new Error(parsed.problem.detail);
    bodies.push(...encodeQueued({ message: parsed.message, source: 'http', receivedAt }));
  }
  return bodies;
}
