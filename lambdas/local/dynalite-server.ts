/**
 * dynalite (the DynamoDB wire protocol over LevelDB) on a loopback port, with
 * a client pointed at it: the local state store of local mode and of the
 * adapter tests. In memory unless `path` names a data directory. Local mode
 * runs it in a process of its own (`ownProcess`), so its CPU is not taken
 * from ingest and the processor on the main thread (docs/performance.md).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { listenOnLoopback } from './listen.ts';

const CHILD_SCRIPT = fileURLToPath(new URL('./dynalite-process.mjs', import.meta.url));

export interface StartDynaliteOptions {
  /** LevelDB data directory, for a store that outlives the process. */
  readonly path?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Run dynalite in a child process (any free port). @default false */
  readonly ownProcess?: boolean;
  /** Hears of a child process that stopped while in use (the state store is gone), with its last stderr. */
  readonly onExit?: (exit: { code: number | null; signal: string | null; stderr: string }) => void;
}

export interface RunningDynalite {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** The child process's id, when `ownProcess`. */
  readonly pid?: number;
  close(): Promise<void>;
}

export async function startDynalite(options: StartDynaliteOptions = {}): Promise<RunningDynalite> {
  const started = options.ownProcess ? await startChild(options) : await startInProcess(options);
  const endpoint = `http://127.0.0.1:${started.port}`;
  const client = new DynamoDBClient({
    region: 'local',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    ...(started.pid === undefined ? {} : { pid: started.pid }),
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
  const port = await listenOnLoopback(server, options.port ?? 0);
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

async function startChild(options: StartDynaliteOptions): Promise<Started> {
  const child = fork(CHILD_SCRIPT, options.path === undefined ? [] : [options.path], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // The child is plain JavaScript: it needs none of the loaders this process may run with.
    execArgv: [],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  let closing = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port?: unknown }) => {
      if (typeof message?.port === 'number') resolve(message.port);
      else reject(new Error(`dynalite sent ${JSON.stringify(message)}`));
    });
    child.once('error', reject);
    void exited.then(({ code, signal }) =>
      reject(new Error(`dynalite exited (${code ?? signal}) before listening: ${stderr}`)),
    );
  });
  void exited.then((exit) => {
    if (!closing) options.onExit?.({ ...exit, stderr });
  });
  return {
    port,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    close: async () => {
      closing = true;
      if (child.connected) child.send('close');
      else child.kill();
      await exited;
    },
  };
}
