#!/usr/bin/env -S npx tsx
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';
import { parseConfig } from '../lib/config.ts';

const app = new App();
buildApp(app, parseConfig({ stage: app.node.tryGetContext('stage') }));
app.synth();
