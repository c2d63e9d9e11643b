import { readFile } from 'node:fs/promises';
import { parseTelemetryBody } from '../lambdas/domain/parse-telemetry.ts';
import type { Clock } from '../lambdas/domain/ports.ts';
import type { CliIo } from './io.ts';

/**
 * `wte validate FILE [--plant P]`: checks a telemetry message against the
 * contract exactly as ingest would, without sending it. Exit 0 when every
 * item is accepted, 1 when some are rejected or the message is refused.
 */
export async function validateCommand(
  io: CliIo,
  clock: Clock,
  file: string,
  plantId: string | undefined,
): Promise<number> {
  const body = file === '-' ? await readStdin() : await readFile(file);
  const result = parseTelemetryBody(body, { now: clock.now(), ...(plantId ? { plantId } : {}) });
  if (!result.ok) {
    io.out(JSON.stringify(result.problem, null, 2));
    return 1;
  }
  const { message, rejected } = result;
  io.out(
    JSON.stringify(
      {
        messageId: message.messageId,
        plantId: message.plantId,
        acceptedReadings: message.readings.length,
        acceptedMovements: message.movements.length,
        rejected,
      },
      null,
      2,
    ),
  );
  return rejected.length === 0 ? 0 : 1;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
