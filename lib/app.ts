import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { WteConfig } from './config.ts';
import { StatefulStack } from './stateful-stack.ts';

export interface WteStacks {
  readonly stateful: StatefulStack;
}

/** Builds every stack of one stage into `app` and runs cdk-nag over them. */
export function buildApp(app: App, config: WteConfig): WteStacks {
  const stateful = new StatefulStack(app, `Wte-${config.stage}-Stateful`, { stage: config.stage });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful };
}
