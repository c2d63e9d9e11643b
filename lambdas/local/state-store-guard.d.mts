// Types of state-store-guard.mjs (plain JavaScript: it runs in the state store's child process).
import type { Server } from 'node:http';

export interface StateStoreKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export declare const MAX_REQUEST_BYTES: number;
export declare const MAX_SKEW_MS: number;

/** Refuses, with DynamoDB's error shapes, every request to `server` not signed with `credentials`. */
export declare function guardStateStore(
  server: Server,
  credentials: StateStoreKeyPair,
  options?: { readonly now?: () => number },
): void;
