#!/usr/bin/env -S npx tsx
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';
import { ConfigError, parseConfig, readContext } from '../lib/config.ts';

const app = new App();
try {
  buildApp(app, parseConfig(readContext(app.node)));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A configuration mistake is the deployer's to fix: say what is wrong, without a stack trace.
  console.error(`wte-telemetry: invalid configuration: ${error.message}`);
  process.exit(1);
}
app.synth();
