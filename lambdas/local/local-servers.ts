/**
 * Local mode's front doors: the MQTT broker with the topic-rule emulation
 * (IoT Core's part) and the HTTP server with the same handlers and the same
 * authorizer as API Gateway.
 */

import type { Clock } from '../domain/ports.ts';
import { makeAcknowledgeAlertHandler, makeListAlertsHandler } from '../handlers/alerts-api.ts';
import { makeIngestHandler } from '../handlers/ingest.ts';
import { makeListPlantsHandler } from '../handlers/plants-api.ts';
import { makeKpisHandler, makeSeriesHandler } from '../handlers/query-api.ts';
import { makeReportHandler } from '../handlers/report-api.ts';
import { DEFAULT_MQTT_HOLD_MS } from './backlog-bound.ts';
import { type RunningHttpServer, startHttpServer } from './http-server.ts';
import { authenticateGateway, localAuthorizer } from './local-auth.ts';
import type { LocalLog, LocalModeOptions } from './local-mode-types.ts';
import type { LocalQueue, LocalRelay } from './local-pipeline.ts';
import type { LocalStores } from './local-stores.ts';
import { type RunningMqttBridge, startMqttBridge } from './mqtt-bridge.ts';
import { makeOperatorPageHandler } from './static-assets.ts';

export const DEFAULT_HTTP_PORT = 8787;
export const DEFAULT_MQTT_PORT = 1883;

/** What both servers share. */
export interface LocalFront {
  readonly options: Pick<LocalModeOptions, 'httpPort' | 'mqttPort' | 'backlog'>;
  readonly devToken: string;
  readonly intake: LocalQueue;
  readonly clock: Clock;
  readonly log: LocalLog;
}

export function startLocalMqtt(
  front: LocalFront,
  stores: Pick<LocalStores, 'state'>,
): Promise<RunningMqttBridge> {
  const { intake, devToken } = front;
  return startMqttBridge(
    {
      authenticate: (username, token) => authenticateGateway(stores.state, devToken, username, token),
      send: (bodies) => intake.queue.send(bodies),
      admit: intake.admit,
      holdMs: front.options.backlog?.mqttHoldMs ?? DEFAULT_MQTT_HOLD_MS,
      clock: front.clock,
      log: front.log,
    },
    front.options.mqttPort ?? DEFAULT_MQTT_PORT,
  );
}

export function startLocalHttp(
  front: LocalFront,
  stores: LocalStores,
  relay: LocalRelay,
  ready: () => boolean,
): Promise<RunningHttpServer> {
  const { intake, clock, log } = front;
  const { state: plants, alerts, metrics, kpiRollup } = stores;
  return startHttpServer(
    {
      authorizer: localAuthorizer(plants, front.devToken),
      ingest: makeIngestHandler({ queue: intake.queue, clock, log }),
      kpis: makeKpisHandler({ metrics: kpiRollup.reads, plants, clock }),
      series: makeSeriesHandler({ metrics: metrics.queries(), plants, clock }),
      report: makeReportHandler({ metrics: kpiRollup.reads, plants, alerts, clock }),
      listAlerts: makeListAlertsHandler({ alerts, clock }),
      // An acknowledgement goes out at once, like the processor's transitions (no lease wait).
      ackAlert: makeAcknowledgeAlertHandler({ alerts, clock, relay: () => relay.run(0) }),
      listPlants: makeListPlantsHandler({ plants, progress: stores.days }),
      page: makeOperatorPageHandler({ log }),
      admit: intake.admit,
      ready,
      status: () => ({ queue: intake.queue.stats() }),
      log,
    },
    front.options.httpPort ?? DEFAULT_HTTP_PORT,
  );
}
