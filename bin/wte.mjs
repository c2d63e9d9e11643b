#!/usr/bin/env node
// The `wte` command's body: runs the TypeScript CLI through tsx, so
// `npx wte` works straight after `npm ci` with no build step.
// Started by wte.cjs, which sizes libuv's thread pool first.
import { register } from 'tsx/esm/api';

// A closed pipe (`wte catalog | head`) ends the command quietly.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { main } = await import('./wte.ts');
process.exitCode = await main(process.argv.slice(2));
