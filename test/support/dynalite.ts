/** The adapter tests use local mode's dynalite server. */
export {
  type RunningDynalite,
  type StartDynaliteOptions,
  startDynalite,
} from '../../lambdas/local/dynalite-server.ts';
