/**
 * The plant KPI custom widget and its place on the operations dashboard:
 * built next to a test stage (not yet wired into the stateless stack), so
 * the assertions cover the construct, the function's least privilege, the
 * dashboard row and the rule packs at synthesis.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.ts';
import { parseConfig } from '../../lib/config.ts';
import { DataAccess } from '../../lib/constructs/data-access.ts';
import { PipelineMonitoring } from '../../lib/constructs/pipeline-monitoring.ts';
import { PlantKpiWidget } from '../../lib/constructs/plant-kpi-widget.ts';
import { iamStatements, newApp, props, resourcesOf } from './support.ts';

const app = newApp();
const config = parseConfig({ stage: 'test' });
const { stateful, stateless } = buildApp(app, config);
const stack = new Stack(app, 'Wte-test-Widget');
const kpis = new PlantKpiWidget(stack, 'PlantKpis', {
  access: new DataAccess(stack, 'DataAccess', stateful),
  logRetentionDays: 30,
});
const monitoring = new PipelineMonitoring(stack, 'Monitoring', {
  stage: config.stage,
  functions: stateless.functions,
  api: stateless.api,
  iot: stateless.iot,
  stateful,
  opsTopic: stateful.notifications.opsTopic,
  schedule: stateless.processing.schedule,
  alertStep: stateless.processing.alertStep,
  plantKpis: kpis.widget,
});
const template = Template.fromStack(stack);
const stack1 = Template.fromStack(stateless);

const dashboardBody = (t: Template): string => {
  const [[, dashboard] = []] = resourcesOf(t, 'AWS::CloudWatch::Dashboard');
  return JSON.stringify(props(dashboard as never).DashboardBody);
};

describe('the plant KPI widget', () => {
  it('is a function of the kpi-widget entry reading the plant list and Timestream, and nothing else', () => {
    const [[, fn] = []] = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('PlantKpisFunction'),
    );
    expect(props(fn as never)).toMatchObject({
      Description: 'CloudWatch custom widget: daily KPIs of every plant over the dashboard range',
      Timeout: 60,
      Environment: {
        Variables: expect.objectContaining({
          STATE_TABLE_NAME: expect.anything(),
          TIMESTREAM_DATABASE: expect.anything(),
          TIMESTREAM_READINGS_TABLE: expect.anything(),
          TIMESTREAM_MOVEMENTS_TABLE: expect.anything(),
        }),
      },
    });
    const access = kpis.function.access;
    if (!access) throw new Error('the widget function has no access policy');
    const accessId = stack.getLogicalId(access.node.defaultChild as never);
    const actions = iamStatements([template])
      .filter((s) => s.where === accessId)
      .flatMap((s) => s.actions);
    expect(actions).toContain('dynamodb:Query');
    expect(actions.some((a) => a.startsWith('timestream:Select'))).toBe(true);
    const writes = actions.filter((a) => /Put|Update|Delete|Write|BatchWrite|Publish|Send/.test(a));
    expect(writes).toEqual([]);
  });

  it('shows on the dashboard as a full-width custom widget right under the title, following the time range', () => {
    const body = dashboardBody(template);
    expect(body).toContain('\\"type\\":\\"custom\\"');
    expect(body).toContain('\\"title\\":\\"Plant KPIs: plant-local days of the dashboard range\\"');
    expect(body).toContain('\\"updateOn\\":{\\"refresh\\":true,\\"resize\\":false,\\"timeRange\\":true}');
    expect(body.indexOf('\\"type\\":\\"custom\\"')).toBeLessThan(body.indexOf('Ingest rate'));
    expect(body).toContain('Plant KPIs first');
    expect(monitoring.dashboard).toBeDefined();
  });

  it('is wired into the stage’s own dashboard, as its first row', () => {
    const body = dashboardBody(stack1);
    expect(body).toContain('\\"type\\":\\"custom\\"');
    expect(body.indexOf('\\"type\\":\\"custom\\"')).toBeLessThan(body.indexOf('Ingest rate'));
  });

  it('passes the rule packs (cdk-nag AwsSolutions and Serverless, the project checks) at synthesis', () => {
    expect(() => app.synth()).not.toThrow();
  });
});
