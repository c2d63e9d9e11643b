/**
 * GET /v1/alerts and POST /v1/alerts/{alertId}/ack (docs/contract.md sections 4
 * and 6). Analysts and ops reach them with IAM auth on AWS.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import { acknowledge } from '../domain/alerts/lifecycle.ts';
import { ALERT_STATES, alertJson } from '../domain/alerts/model.ts';
import type { AlertStore, Clock } from '../domain/ports.ts';
import { type FieldError, ProblemType, problem } from '../domain/problem.ts';
import { PLANT_ID_PATTERN } from '../domain/telemetry.ts';
import { errorResponse, type HttpEvent, json, problemResponse } from './http.ts';
import { parseQuery, refuse } from './query-parameters.ts';

export interface AlertsApiDeps {
  readonly alerts: AlertStore;
  readonly clock: Clock;
  /**
   * Publishes what an acknowledgement queued, through the leased relay
   * (docs/alert-delivery.md); best effort and bounded: what it leaves, the
   * lease holder or the scheduled run publishes. Default: nothing here.
   */
  readonly relay?: () => Promise<unknown>;
}

export const MAX_ALERTS_PAGE = 500;
const ALERT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,2048}$/;
const CURSOR_DETAIL = 'is not a cursor this API returned';
const PLANT_ID_DETAIL = 'must be a plant id: 1 to 64 characters of [a-z0-9-]';
const LIMIT_DETAIL = `must be an integer from 1 to ${MAX_ALERTS_PAGE}`;

/**
 * `?plantId&state&limit&cursor`, each optional. Read leniently, as since the
 * route was written: a name it does not take is ignored, not refused.
 */
export const ALERTS_QUERY = {
  names: ['plantId', 'state', 'limit', 'cursor'],
  schema: z.object({
    plantId: z.optional(
      z.string({ error: PLANT_ID_DETAIL }).check(z.regex(PLANT_ID_PATTERN, { error: PLANT_ID_DETAIL })),
    ),
    state: z.optional(z.enum(ALERT_STATES, { error: 'must be open, acknowledged or resolved' })),
    limit: z._default(
      z.pipe(
        z.string({ error: LIMIT_DETAIL }),
        z.transform((text: string, payload) => {
          const limit = Number(text);
          return Number.isInteger(limit) && limit >= 1 && limit <= MAX_ALERTS_PAGE
            ? limit
            : refuse(payload, LIMIT_DETAIL, text);
        }),
      ),
      100,
    ),
    cursor: z.optional(
      z.string({ error: CURSOR_DETAIL }).check(z.regex(CURSOR_PATTERN, { error: CURSOR_DETAIL })),
    ),
  }),
};

function invalidQuery(errors: FieldError[]): APIGatewayProxyResult {
  return problemResponse(
    problem(400, ProblemType.invalidQuery, 'Invalid query', 'Some query parameters are invalid.', errors),
  );
}

/** Who acknowledged: the IAM caller on AWS, or `local` in local mode. */
function callerOf(event: HttpEvent): string {
  const identity = (
    event.requestContext as { identity?: { userArn?: string | null; caller?: string | null } }
  )?.identity;
  return identity?.userArn ?? identity?.caller ?? 'local';
}

export function makeListAlertsHandler(deps: AlertsApiDeps) {
  return async (event: HttpEvent): Promise<APIGatewayProxyResult> => {
    try {
      const read = parseQuery(ALERTS_QUERY, event.queryStringParameters ?? {});
      if (!read.ok) return invalidQuery(read.errors);
      const { plantId, state, limit, cursor } = read.query;
      const page = await deps.alerts.listAlerts({
        ...(plantId === undefined ? {} : { plantId }),
        ...(state === undefined ? {} : { state }),
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      });
      return json(200, {
        alerts: page.items.map(alertJson),
        ...(page.cursor === undefined ? {} : { nextCursor: page.cursor }),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'InvalidCursorError') {
        return invalidQuery([{ pointer: '/query/cursor', detail: CURSOR_DETAIL }]);
      }
      return errorResponse(error);
    }
  };
}

export function makeAcknowledgeAlertHandler(deps: AlertsApiDeps) {
  return async (event: HttpEvent): Promise<APIGatewayProxyResult> => {
    try {
      const alertId = event.pathParameters?.alertId ?? '';
      if (!ALERT_ID_PATTERN.test(alertId)) {
        return problemResponse(problem(404, ProblemType.notFound, 'Not found', 'No such alert.'));
      }
      for (let attempt = 0; attempt < 5; attempt++) {
        const alert = await deps.alerts.getAlert(alertId);
        if (!alert) return problemResponse(problem(404, ProblemType.notFound, 'Not found', 'No such alert.'));
        const change = acknowledge(alert, callerOf(event), deps.clock.now());
        // Already acknowledged or resolved: acknowledging again changes nothing.
        if (!change) return json(200, alertJson(alert));
        if (await deps.alerts.applyTransition(change.next, alert.sequence, change.transition)) {
          // The acknowledgement is stored and queued: a relay failure must not turn it into an error.
          await deps.relay?.().catch(() => undefined);
          return json(200, alertJson(change.next));
        }
      }
      return problemResponse(problem(503, ProblemType.unavailable, 'Busy', 'The alert is changing; retry.'), {
        'retry-after': '1',
      });
    } catch (error) {
      return errorResponse(error);
    }
  };
}
