/**
 * POST /v1/plants/{plantId}/telemetry: validate with the contract, enqueue the
 * accepted items, answer 202 with counts and per-item rejections, or refuse
 * the whole message with problem details (docs/contract.md section 4). When the
 * queue fails the answer is 503: Retry-After 5 s for an outage, 60 s (and
 * the `IngestQueueRefused` metric) when it refused the message for good
 * (docs/telemetry-queue.md).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { tokenAllowsPlant } from '../auth/gateway-tokens.ts';
import { errorName } from '../domain/error-name.ts';
import { parseTelemetryBody } from '../domain/parse-telemetry.ts';
import type { Clock, TelemetryQueue } from '../domain/ports.ts';
import { ProblemType, problem, quote } from '../domain/problem.ts';
import { QueueRefusedError } from '../domain/queue-errors.ts';
import { PLANT_ID_PATTERN } from '../domain/telemetry.ts';
import {
  bodyBytes,
  errorResponse,
  type HttpEvent,
  header,
  isJsonContentType,
  json,
  problemResponse,
} from './http.ts';

export interface IngestDeps {
  readonly queue: TelemetryQueue;
  readonly clock: Clock;
  /** Late-data horizon in ms (default 7 days). */
  readonly lateHorizonMs?: number;
  /** Receives one line per outcome; Powertools Logger in production. */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>) => void;
  /** Adds to a metric (Powertools Metrics in production). */
  readonly count?: (name: string, value: number) => void;
}

export interface IngestResponseBody {
  readonly messageId: string;
  readonly acceptedReadings: number;
  readonly acceptedMovements: number;
  readonly rejected: ReadonlyArray<{
    readonly pointer: string;
    readonly type: string;
    readonly detail: string;
  }>;
}

/** Plants the authorizer allowed, from its context (`plants`: comma-separated). */
function authorizedPlants(event: HttpEvent): string[] | undefined {
  const plants = event.requestContext?.authorizer?.plants;
  return typeof plants === 'string' ? plants.split(',').filter(Boolean) : undefined;
}

/**
 * 503 for a message the queue refused for good: the fault is ours (queued
 * bodies are rebuilt from validated fields), so the gateway must keep the
 * message and send it again, later than after an outage.
 */
function queueRefused(error: QueueRefusedError): APIGatewayProxyResult {
  return problemResponse(
    problem(
      503,
      ProblemType.unavailable,
      'Service unavailable',
      'The telemetry queue refused the message for a reason on our side that retrying soon cannot fix; operators are alerted. Keep the message and send it again later.',
    ),
    { 'retry-after': String(error.retryAfterSeconds) },
  );
}

export function makeIngestHandler(deps: IngestDeps) {
  const log = deps.log ?? (() => {});
  const count = deps.count ?? (() => {});
  return async (event: HttpEvent): Promise<APIGatewayProxyResult> => {
    try {
      const plantId = event.pathParameters?.plantId ?? '';
      const refusal = refusalAtTheDoor(event, plantId);
      if (refusal) return refusal;
      const now = deps.clock.now();
      const result = parseTelemetryBody(bodyBytes(event), {
        now,
        plantId,
        ...(deps.lateHorizonMs === undefined ? {} : { lateHorizonMs: deps.lateHorizonMs }),
      });
      if (!result.ok) {
        log('info', 'telemetry refused', {
          plantId,
          status: result.problem.status,
          type: result.problem.type,
        });
        return problemResponse(result.problem);
      }
      const { message, rejected } = result;
      // Queued in canonical form: the processor reads it back without validating it again (queue-codec.ts).
      await deps.queue.enqueue([{ message, source: 'http', receivedAt: now }]);
      count('MessagesAccepted', 1);
      count('ReadingsAccepted', message.readings.length);
      count('MovementsAccepted', message.movements.length);
      count('ItemsRejected', rejected.length);
      log('info', 'telemetry accepted', {
        plantId,
        messageId: message.messageId,
        readings: message.readings.length,
        movements: message.movements.length,
        rejected: rejected.length,
      });
      const body: IngestResponseBody = {
        messageId: message.messageId,
        acceptedReadings: message.readings.length,
        acceptedMovements: message.movements.length,
        rejected,
      };
      return json(202, body);
    } catch (error) {
      count('IngestUnavailable', 1);
      if (error instanceof QueueRefusedError) {
        // Not an outage: someone has to fix a permission, key or the queue; its own metric alarms.
        log('error', 'telemetry queue refused the message', { code: error.code, detail: error.message });
        count('IngestQueueRefused', 1);
        return queueRefused(error);
      }
      log('error', 'ingest failed', { error: errorName(error) });
      return errorResponse(error);
    }
  };
}

/** The answer before the body is read: no such plant route, no token, a token for other plants, not JSON. */
function refusalAtTheDoor(event: HttpEvent, plantId: string): APIGatewayProxyResult | undefined {
  if (!PLANT_ID_PATTERN.test(plantId)) {
    return problemResponse(
      problem(404, ProblemType.notFound, 'Not found', `No plant route for ${quote(plantId)}.`),
    );
  }
  const plants = authorizedPlants(event);
  if (plants === undefined) {
    return problemResponse(
      problem(401, ProblemType.unauthorized, 'Unauthorized', 'A gateway token is required.'),
    );
  }
  if (!tokenAllowsPlant({ plants }, plantId)) {
    return problemResponse(
      problem(403, ProblemType.forbidden, 'Forbidden', `This token may not write plant ${quote(plantId)}.`),
    );
  }
  if (!isJsonContentType(header(event, 'content-type'))) {
    return problemResponse(
      problem(
        415,
        ProblemType.unsupportedMediaType,
        'Unsupported media type',
        'Send the telemetry message as application/json.',
      ),
      { accept: 'application/json' },
    );
  }
  return undefined;
}
