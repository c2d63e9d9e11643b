/**
 * dynalite (the DynamoDB wire protocol over LevelDB) in-process on a loopback
 * port, with a client pointed at it: the local state store of local mode and
 * of the adapter tests. In memory unless `path` names a data directory.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { listenOnLoopback } from './listen.ts';

export interface StartDynaliteOptions {
  /** LevelDB data directory, for a store that outlives the process. */
  readonly path?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
}

export interface RunningDynalite {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

export async function startDynalite(options: StartDynaliteOptions = {}): Promise<RunningDynalite> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: 'local',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
