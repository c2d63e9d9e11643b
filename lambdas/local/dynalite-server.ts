/**
 * dynalite (the DynamoDB wire protocol over LevelDB) on a loopback port, with
 * a client pointed at it: the local state store of local mode and of the
 * adapter tests. In memory unless `path` names a data directory. Local mode
 * runs it in a process of its own (`ownProcess`), so its CPU is not taken
 * from ingest and the processor on the main thread (docs/performance.md).
 * Given `credentials`, it refuses every request not signed with them
 * (state-store-guard.mjs, docs/local-security.md); without, it takes any
 * signature, as dynalite does (the adapter tests' in-memory stores).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { listenOnLoopback } from './listen.ts';
import { guardStateStore, type StateStoreKeyPair } from './state-store-guard.mjs';

const CHILD_SCRIPT = fileURLToPath(new URL('./dynalite-process.mjs', import.meta.url));

export interface StartDynaliteOptions {
  /** LevelDB data directory, for a store that outlives the process. */
  readonly path?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Run dynalite in a child process (any free port). @default false */
  readonly ownProcess?: boolean;
  /** The key pair every request must be signed with (the client uses it). @default none: any signature */
  readonly credentials?: StateStoreKeyPair;
  /** Hears of a child that died while in use and was started again on its port, with its last stderr. */
  readonly onRestart?: (exit: { code: number | null; signal: string | null; stderr: string }) => void;
  /**
   * Hears of a child that died while in use and could not be started again (or died more than
   * three times in a minute): the state store is gone.
   */
  readonly onExit?: (exit: { code: number | null; signal: string | null; stderr: string }) => void;
}

export interface RunningDynalite {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** The child process's id, when `ownProcess` (a new one after a restart). */
  readonly pid?: number;
  close(): Promise<void>;
}

export async function startDynalite(options: StartDynaliteOptions = {}): Promise<RunningDynalite> {
  const started = options.ownProcess ? await startChild(options) : await startInProcess(options);
  const endpoint = `http://127.0.0.1:${started.port}`;
  const client = new DynamoDBClient({
    region: 'local',
    endpoint,
    credentials: options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    get pid() {
      return started.pid;
    },
    close: async () => {
      client.destroy();
      await started.close();
    },
  };
}

interface Started {
  readonly port: number;
  readonly pid?: number;
  close(): Promise<void>;
}

async function startInProcess(options: StartDynaliteOptions): Promise<Started> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  if (options.credentials) guardStateStore(server, options.credentials);
  const port = await listenOnLoopback(server, options.port ?? 0);
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A child that dies is started again on its port, at most this many times a minute, then reported gone. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
/** A child that does not listen, or does not exit once told to close, within these is killed. */
const START_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 10_000;

type Exit = { code: number | null; signal: string | null };

interface Child {
  readonly process: ChildProcess;
  readonly port: number;
  readonly exited: Promise<Exit>;
  stderr(): string;
}

async function spawnChild(
  path: string | undefined,
  port: number,
  credentials: StateStoreKeyPair | undefined,
): Promise<Child> {
  const child = fork(CHILD_SCRIPT, [path ?? '', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // The child is plain JavaScript: it needs none of the loaders this process may run with.
    execArgv: [],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // A send on a channel that is closing emits 'error' on the child: the exit that follows is what counts.
  child.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    const listening = await new Promise<number>((resolve, reject) => {
      child.once('message', (message: { port?: unknown }) => {
        if (typeof message?.port === 'number') resolve(message.port);
        else reject(new Error(`dynalite sent ${JSON.stringify(message)}`));
      });
      child.once('error', reject);
      void exited.then(({ code, signal }) =>
        reject(new Error(`dynalite exited (${code ?? signal}) before listening: ${stderr}`)),
      );
      timer = setTimeout(
        () => reject(new Error(`dynalite did not listen within ${START_TIMEOUT_MS / 1000} s: ${stderr}`)),
        START_TIMEOUT_MS,
      );
      // Over the channel, not argv or the environment, so the secret shows up in no process listing.
      child.send({ credentials: credentials ?? null });
    });
    return { process: child, port: listening, exited, stderr: () => stderr };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.connected) child.process.send('close');
  else child.process.kill();
  const timer = setTimeout(() => child.process.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
  await child.exited;
  clearTimeout(timer);
}

/** The child, started again on the same port (the client's endpoint) when it dies while in use. */
async function startChild(options: StartDynaliteOptions): Promise<Started> {
  let current = await spawnChild(options.path, options.port ?? 0, options.credentials);
  const port = current.port;
  let closing = false;
  /** A restart in flight: close waits for it, so no child starts after close has resolved. */
  let restarting: Promise<void> | undefined;
  const restarts: number[] = [];
  const restart = async (died: Exit & { stderr: string }): Promise<void> => {
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] as number) < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      options.onExit?.(died);
      return;
    }
    let next: Child;
    try {
      next = await spawnChild(options.path, port, options.credentials);
    } catch (error) {
      if (!closing)
        options.onExit?.({ ...died, stderr: `${died.stderr}\nrestart failed: ${(error as Error).message}` });
      return;
    }
    current = next;
    if (closing) return stopChild(next);
    options.onRestart?.(died);
    supervise(next);
  };
  const supervise = (child: Child): void => {
    void child.exited.then((exit) => {
      if (closing) return;
      restarting = restart({ ...exit, stderr: child.stderr() }).finally(() => {
        restarting = undefined;
      });
    });
  };
  supervise(current);
  return {
    port,
    get pid() {
      return current.process.pid;
    },
    close: async () => {
      closing = true;
      await restarting;
      await stopChild(current);
    },
  };
}
