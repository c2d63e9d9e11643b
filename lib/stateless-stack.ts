import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { WteConfig } from './config.ts';
import { ApiHandlers } from './constructs/api-handlers.ts';
import { DataAccess } from './constructs/data-access.ts';
import { IotIngress } from './constructs/iot-ingress.ts';
import { KpiRollup } from './constructs/kpi-rollup.ts';
import { LakeReaderGrants } from './constructs/lake-reader-grants.ts';
import { PipelineMonitoring } from './constructs/pipeline-monitoring.ts';
import { PlantKpiWidget } from './constructs/plant-kpi-widget.ts';
import { PlantRegistry } from './constructs/plant-registry.ts';
import { TelemetryApi } from './constructs/telemetry-api.ts';
import { TelemetryProcessing } from './constructs/telemetry-processing.ts';
import { POWERTOOLS_TRACER_CONTEXT, type WteFunction } from './constructs/wte-function.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: WteConfig;
  readonly stateful: StatefulStack;
}

export interface PipelineFunctions {
  readonly ingest: WteFunction;
  readonly authorizer: WteFunction;
  readonly processor: WteFunction;
  readonly alertStep: WteFunction;
  readonly scheduler: WteFunction;
  readonly kpis: WteFunction;
  readonly series: WteFunction;
  readonly listAlerts: WteFunction;
  readonly acknowledgeAlert: WteFunction;
  readonly plants: WteFunction;
  readonly kpiRollup: WteFunction;
  readonly kpiWidget: WteFunction;
  readonly report: WteFunction;
}

/**
 * Everything that can be deleted and deployed again without losing data:
 * the functions, the alert step queue, the REST API with its authorizer and WAF, the IoT topic
 * rule and device policy, the schedule, the deploy-time plant registry,
 * alarms on the functions and the operations dashboard.
 */
export class StatelessStack extends Stack {
  readonly functions: PipelineFunctions;
  readonly api: TelemetryApi;
  readonly iot: IotIngress;
  readonly processing: TelemetryProcessing;
  readonly monitoring: PipelineMonitoring;
  readonly kpiRollup: KpiRollup;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    // Read by every WteFunction below: one choice for the whole stack.
    this.node.setContext(POWERTOOLS_TRACER_CONTEXT, config.powertoolsTracer);
    const { logRetentionDays } = config;
    const { opsTopic, alertsTopic } = stateful.notifications;

    const access = new DataAccess(this, 'DataAccess', stateful);
    this.iot = new IotIngress(this, 'Iot', {
      stage: config.stage,
      telemetryQueue: stateful.telemetryQueue,
      queueKey: stateful.dataKey,
      opsTopic,
      logRetentionDays,
    });
    const handlers = new ApiHandlers(this, 'Handlers', { access, logRetentionDays });
    this.processing = new TelemetryProcessing(this, 'Processing', {
      stateful,
      access,
      processor: config.processor,
      schedulerIntervalMinutes: config.schedulerIntervalMinutes,
      iotDataEndpoint: this.iot.dataEndpoint,
      logRetentionDays,
    });
    const { processor, alertStep, scheduler } = this.processing;

    this.kpiRollup = new KpiRollup(this, 'KpiRollup', {
      table: stateful.kpiRollupTable.table,
      dataKey: stateful.dataKey,
      metrics: access.metrics({ write: false }),
      opsTopic,
      rollupSince: new Date(config.kpiRollupSince),
      ...(config.kpiRollupMovementsSince === undefined
        ? {}
        : { movementsSince: new Date(config.kpiRollupMovementsSince) }),
      // On the lake, the recent telemetry table answers every slot of its horizon at once: settle after 20 minutes.
      memoryStoreRetentionHours:
        stateful.lake === undefined
          ? config.retention.memoryStoreHours
          : stateful.lake.recentTelemetry.horizonDays * 24,
      logRetentionDays,
    });
    processor.bind(this.kpiRollup.markerBinding());
    scheduler.bind(this.kpiRollup.readerBinding());
    // Both query routes share one entry module (and so its environment); only the KPI route reads the rollup.
    handlers.kpis.bind(this.kpiRollup.readerBinding());
    handlers.series.bind(this.kpiRollup.readerBinding());
    handlers.report.bind(this.kpiRollup.readerBinding());
    const kpiWidget = new PlantKpiWidget(this, 'PlantKpis', {
      access,
      logRetentionDays,
      bindings: [this.kpiRollup.readerBinding()],
    });

    this.functions = {
      ingest: handlers.ingest,
      authorizer: handlers.authorizer,
      processor,
      alertStep: alertStep.function,
      scheduler,
      kpis: handlers.kpis,
      series: handlers.series,
      listAlerts: handlers.listAlerts,
      acknowledgeAlert: handlers.acknowledgeAlert,
      plants: handlers.plants,
      kpiRollup: this.kpiRollup.function,
      kpiWidget: kpiWidget.function,
      report: handlers.report,
    };

    if (stateful.lake !== undefined) {
      // The processor only writes the lake (Firehose): it queries nothing, so it holds no grant.
      const { alertStep: a, scheduler: s, kpis, series, kpiRollup, kpiWidget, report } = this.functions;
      new LakeReaderGrants(this, 'LakeReaders', {
        lake: stateful.lake,
        readers: { alertStep: a, scheduler: s, kpis, series, kpiRollup, kpiWidget, report },
      });
    }

    this.api = new TelemetryApi(this, 'Api', {
      stage: config.stage,
      config: config.api,
      logRetentionDays,
      handlers: {
        ingest: handlers.ingest.function,
        authorizer: handlers.authorizer.function,
        kpis: handlers.kpis.function,
        series: handlers.series.function,
        listAlerts: handlers.listAlerts.function,
        acknowledgeAlert: handlers.acknowledgeAlert.function,
        plants: handlers.plants.function,
        report: handlers.report.function,
      },
    });

    new PlantRegistry(this, 'Plants', {
      plants: config.plants,
      table: stateful.stateTable.table,
      tableKey: stateful.dataKey,
      logRetentionDays,
    });

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stage: config.stage,
      functions: this.functions,
      api: this.api,
      iot: this.iot,
      stateful,
      opsTopic,
      schedule: this.processing.schedule,
      alertStep: this.processing.alertStep,
      plantKpis: kpiWidget.widget,
    });

    const outputs: Record<string, [value: string, description: string]> = {
      ApiUrl: [this.api.url, 'Base URL of the REST API'],
      ApiId: [
        this.api.api.restApiId,
        'For execute-api:Invoke policies of analysts and ops (IAM-authorized routes)',
      ],
      StateTableName: [stateful.stateTable.table.tableName, 'For `npx wte token create --table <name>`'],
      GatewayIotPolicyName: [this.iot.devicePolicy.ref, 'IoT policy to attach to each gateway certificate'],
      IotDataEndpoint: [this.iot.dataEndpoint, 'MQTT endpoint of the account (port 8883)'],
      TelemetryQueueUrl: [stateful.telemetryQueue.queueUrl, 'For `npx wte quarantine replay --queue-url`'],
      AlertsTopicArn: [alertsTopic.topicArn, 'Subscribe further endpoints to alert transitions'],
      DashboardName: [this.monitoring.dashboard.dashboardName, 'The operations dashboard'],
      ...metricsStoreOutputs(stateful),
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }
}

/** The metrics store's names, for `npx wte migrate-to-lake` and operators (docs/migrate-to-lake.md). */
function metricsStoreOutputs(stateful: StatefulStack): Record<string, [value: string, description: string]> {
  const { lake, timestream } = stateful;
  if (lake !== undefined)
    return {
      LakeReadingsStreamName: [lake.delivery.readingsStream.ref, 'Firehose stream of the readings table'],
      LakeMovementsStreamName: [lake.delivery.movementsStream.ref, 'Firehose stream of the movements table'],
      RecentTelemetryTableName: [
        lake.recentTelemetry.table.tableName,
        'Recent telemetry table (the last recentHorizonDays, for alerts and recent reads)',
      ],
      LakeWorkGroupName: [lake.query.workGroupName, 'Athena workgroup (DuckDB engine) of the lake'],
    };
  if (timestream === undefined) return {};
  return {
    TimestreamDatabaseName: [
      timestream.databaseName,
      'Timestream database (write it down before a switch to the lake)',
    ],
    TimestreamReadingsTableName: [timestream.readingsTable.attrName, 'Timestream readings table'],
    TimestreamMovementsTableName: [timestream.movementsTable.attrName, 'Timestream movements table'],
  };
}
