import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { DataAccess } from './data-access.ts';
import { type Binding, WteFunction } from './wte-function.ts';

export interface PlantKpiWidgetProps {
  readonly access: DataAccess;
  readonly logRetentionDays: number;
  /** More for the function, such as the KPI rollup table's binding. @default none */
  readonly bindings?: readonly Binding[];
}

/**
 * Plant KPIs on the CloudWatch dashboard: a custom widget backed by a
 * function (lambdas/handlers/kpi-widget.ts) that computes every registered
 * plant's daily KPIs over the dashboard's time range from Timestream, as
 * the KPI route does. CloudWatch cannot read Timestream itself. The console
 * invokes the function with the viewer's own credentials
 * (`lambda:InvokeFunction` on it), so the widget needs no resource policy.
 */
export class PlantKpiWidget extends Construct {
  readonly function: WteFunction;
  readonly widget: cloudwatch.CustomWidget;

  constructor(scope: Construct, id: string, props: PlantKpiWidgetProps) {
    super(scope, id);
    this.function = new WteFunction(this, 'Function', {
      entry: 'kpi-widget',
      description: 'CloudWatch custom widget: daily KPIs of every plant over the dashboard range',
      memorySize: 512,
      timeout: Duration.seconds(60),
      logRetentionDays: props.logRetentionDays,
      // Called synchronously by the CloudWatch console on behalf of the viewer.
      invocation: 'api',
      metricsStore: props.access.metricsStore,
    }).bind(
      props.access.stateTable(['Query']),
      props.access.metrics({ write: false }),
      ...(props.bindings ?? []),
    );
    this.widget = new cloudwatch.CustomWidget({
      functionArn: this.function.function.functionArn,
      title: 'Plant KPIs: plant-local days of the dashboard range',
      width: 24,
      height: 7,
      updateOnRefresh: true,
      updateOnResize: false,
      updateOnTimeRangeChange: true,
    });
  }
}
