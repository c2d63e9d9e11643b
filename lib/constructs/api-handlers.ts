import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { routeName, routeOf } from '../../lambdas/handlers/api-routes.ts';
import type { MetricsStoreKind } from '../config-store.ts';
import type { DataAccess } from './data-access.ts';
import { type Invocation, WteFunction } from './wte-function.ts';

export interface ApiHandlersProps {
  readonly access: DataAccess;
  readonly logRetentionDays: number;
}

/**
 * The functions behind the REST API and its authorizer, one per handler of
 * lambdas/entry, each bound to exactly what it uses. The route functions are
 * named as the handlers of API_ROUTES (lambdas/handlers/api-routes.ts), which
 * TelemetryApi routes to them.
 */
export class ApiHandlers extends Construct {
  readonly ingest: WteFunction;
  readonly authorizer: WteFunction;
  readonly kpis: WteFunction;
  readonly series: WteFunction;
  readonly report: WteFunction;
  readonly listAlerts: WteFunction;
  readonly acknowledgeAlert: WteFunction;
  readonly plants: WteFunction;

  constructor(scope: Construct, id: string, props: ApiHandlersProps) {
    super(scope, id);
    const { access, logRetentionDays } = props;
    const handler = (
      handlerId: string,
      options: {
        readonly entry: string;
        readonly exported: string;
        readonly description: string;
        readonly memorySize?: number;
        readonly timeout?: Duration;
        readonly invocation?: Invocation;
        /** For handlers that read metrics: the bundle holds this store only. */
        readonly metricsStore?: MetricsStoreKind;
      },
    ) =>
      new WteFunction(this, handlerId, {
        entry: options.entry,
        handler: options.exported,
        description: options.description,
        memorySize: options.memorySize ?? 512,
        // API Gateway gives up after 29 s.
        timeout: options.timeout ?? Duration.seconds(28),
        logRetentionDays,
        invocation: options.invocation ?? 'api',
        metricsStore: options.metricsStore,
      });

    this.ingest = handler('Ingest', {
      entry: 'ingest',
      exported: 'handler',
      description: `${routeName(routeOf('ingest'))}: validate and enqueue`,
      timeout: Duration.seconds(10),
    }).bind(access.telemetryQueue());
    this.authorizer = handler('Authorizer', {
      entry: 'authorizer',
      exported: 'handler',
      description: 'Gateway bearer-token REQUEST authorizer',
      memorySize: 256,
      timeout: Duration.seconds(5),
      invocation: 'authorizer',
    }).bind(access.stateTable(['GetItem']));
    this.kpis = handler('Kpis', {
      entry: 'query-api',
      exported: 'kpisHandler',
      metricsStore: access.metricsStore,
      description: routeName(routeOf('kpis')),
    }).bind(access.stateTable(['GetItem']), access.metrics({ write: false }));
    this.series = handler('Series', {
      entry: 'query-api',
      exported: 'seriesHandler',
      metricsStore: access.metricsStore,
      description: routeName(routeOf('series')),
    }).bind(access.stateTable(['GetItem']), access.metrics({ write: false }));
    // Its own function: a year of KPIs, coverage and alert pages, apart from the quick KPI and series reads.
    this.report = handler('Report', {
      entry: 'report-api',
      exported: 'handler',
      metricsStore: access.metricsStore,
      memorySize: 1024,
      description: routeName(routeOf('report')),
    }).bind(access.stateTable(['GetItem', 'Query']), access.metrics({ write: false }));
    this.plants = handler('Plants', {
      entry: 'plants-api',
      exported: 'handler',
      description: routeName(routeOf('plants')),
    }).bind(access.stateTable(['Query']));
    this.listAlerts = handler('ListAlerts', {
      entry: 'alerts-api',
      exported: 'listHandler',
      description: routeName(routeOf('listAlerts')),
    }).bind(access.stateTable(['GetItem', 'Query']));
    this.acknowledgeAlert = handler('AcknowledgeAlert', {
      entry: 'alerts-ack',
      exported: 'ackHandler',
      description: routeName(routeOf('acknowledgeAlert')),
    }).bind(access.stateTable(['GetItem', 'PutItem', 'UpdateItem', 'Query']), access.alertsTopic());
  }
}
