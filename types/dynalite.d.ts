/** dynalite ships no types; this is the part of its API local mode and the tests use. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** How long a new table stays CREATING, ms (default 500). */
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
    readonly maxItemSizeKb?: number;
    /** LevelDB directory; in memory when absent. */
    readonly path?: string;
    readonly ssl?: boolean;
    readonly verbose?: boolean;
    readonly debug?: boolean;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export default dynalite;
}
