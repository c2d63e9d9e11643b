import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { WteChecks } from './checks/wte-checks.ts';
import type { WteConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface WteStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * Builds every stack of one stage into `app` and runs the rule packs over
 * them at synthesis: cdk-nag's AwsSolutions and Serverless packs and the
 * project's own IoT checks. Any unacknowledged finding fails `cdk synth`.
 */
export function buildApp(app: App, config: WteConfig): WteStacks {
  const description = `wte-telemetry ${config.stage}`;
  const stateful = new StatefulStack(app, `Wte-${config.stage}-Stateful`, {
    config,
    description: `${description}: keys, queues, state table, ${config.metricsStore === 'lake' ? 'metrics lake' : 'Timestream'}, topics`,
  });
  const stateless = new StatelessStack(app, `Wte-${config.stage}-Stateless`, {
    config,
    stateful,
    description: `${description}: functions, API, IoT rule, schedule, dashboard`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app), new WteChecks(app));
  return { stateful, stateless };
}
