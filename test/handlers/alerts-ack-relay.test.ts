/** POST /v1/alerts/{alertId}/ack publishes the acknowledgement through the relay at once, best effort. */
import { describe, expect, it } from 'vitest';
import { MemoryAlertStore } from '../../lambdas/adapters/memory-alert-store.ts';
import type { AlertTransition } from '../../lambdas/domain/alerts/model.ts';
import { makeAcknowledgeAlertHandler } from '../../lambdas/handlers/alerts-api.ts';
import { open, T0 } from '../adapters/alerts/alert-fixtures.ts';

const clock = { now: () => T0 + 60_000 };
const ackEvent = (alertId: string) => ({
  httpMethod: 'POST',
  path: `/v1/alerts/${alertId}/ack`,
  pathParameters: { alertId },
  queryStringParameters: null,
  headers: {},
  body: null,
  isBase64Encoded: false,
});

async function storeWithOpenAlert() {
  const alerts = new MemoryAlertStore();
  const step = open();
  await alerts.applyTransition(step.next, step.expected, step.transition);
  await alerts.markPublished(step.transition.transitionId);
  return { alerts, alertId: step.next.alertId };
}

describe('acknowledging an alert', () => {
  it('runs the relay after the acknowledgement is queued, so it goes out without waiting for the scheduled run', async () => {
    const { alerts, alertId } = await storeWithOpenAlert();
    const seen: AlertTransition[][] = [];
    const ack = makeAcknowledgeAlertHandler({
      alerts,
      clock,
      relay: async () => {
        seen.push(await alerts.pendingTransitions(10));
      },
    });
    expect((await ack(ackEvent(alertId))).statusCode).toBe(200);
    expect(seen.map((pending) => pending.map((t) => [t.kind, t.alert.sequence]))).toEqual([
      [['acknowledged', 2]],
    ]);
  });

  it('answers 200 when the relay fails: the acknowledgement is stored and stays queued', async () => {
    const { alerts, alertId } = await storeWithOpenAlert();
    const ack = makeAcknowledgeAlertHandler({
      alerts,
      clock,
      relay: () => Promise.reject(new Error('topic down')),
    });
    const answer = await ack(ackEvent(alertId));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).state).toBe('acknowledged');
    expect((await alerts.pendingTransitions(10)).map((t) => t.kind)).toEqual(['acknowledged']);
  });
});
