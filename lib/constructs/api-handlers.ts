import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { DataAccess } from './data-access.ts';
import { WteFunction } from './wte-function.ts';

export interface ApiHandlersProps {
  readonly access: DataAccess;
  readonly logRetentionDays: number;
}

/**
 * The functions behind the REST API and its authorizer, one per handler of
 * lambdas/entry, each bound to exactly what it uses.
 */
export class ApiHandlers extends Construct {
  readonly ingest: WteFunction;
  readonly authorizer: WteFunction;
  readonly kpis: WteFunction;
  readonly series: WteFunction;
  readonly listAlerts: WteFunction;
  readonly acknowledgeAlert: WteFunction;

  constructor(scope: Construct, id: string, props: ApiHandlersProps) {
    super(scope, id);
    const { access, logRetentionDays } = props;
    const handler = (
      handlerId: string,
      entry: string,
      exported: string,
      description: string,
      memorySize = 512,
      // API Gateway gives up after 29 s.
      timeout = Duration.seconds(28),
    ) =>
      new WteFunction(this, handlerId, {
        entry,
        handler: exported,
        description,
        memorySize,
        timeout,
        logRetentionDays,
        invocation: handlerId === 'Authorizer' ? 'authorizer' : 'api',
      });

    this.ingest = handler(
      'Ingest',
      'ingest',
      'handler',
      'POST /v1/plants/{plantId}/telemetry: validate and enqueue',
      512,
      Duration.seconds(10),
    ).bind(access.telemetryQueue());
    this.authorizer = handler(
      'Authorizer',
      'authorizer',
      'handler',
      'Gateway bearer-token REQUEST authorizer',
      256,
      Duration.seconds(5),
    ).bind(access.stateTable(['GetItem']));
    this.kpis = handler('Kpis', 'query-api', 'kpisHandler', 'GET /v1/plants/{plantId}/kpis').bind(
      access.stateTable(['GetItem']),
      access.metrics({ write: false }),
    );
    this.series = handler('Series', 'query-api', 'seriesHandler', 'GET /v1/plants/{plantId}/series').bind(
      access.stateTable(['GetItem']),
      access.metrics({ write: false }),
    );
    this.listAlerts = handler('ListAlerts', 'alerts-api', 'listHandler', 'GET /v1/alerts').bind(
      access.stateTable(['GetItem', 'Query']),
    );
    this.acknowledgeAlert = handler(
      'AcknowledgeAlert',
      'alerts-api',
      'ackHandler',
      'POST /v1/alerts/{alertId}/ack',
    ).bind(access.stateTable(['GetItem', 'PutItem', 'UpdateItem']));
  }
}
