/**
 * An in-process DynamoDB-API server (dynalite, in memory) on a loopback port,
 * for integration tests and local runs. Free of test-framework imports so
 * `local/` can start it too.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { listenOnLoopback } from './listen.ts';

export interface DynamoServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** A new client bound to this server (each call: its own client and middleware stack). */
  client(): DynamoDBClient;
  /** Stops the server and destroys every client it handed out. */
  close(): Promise<void>;
}

export interface DynamoServerOptions {
  /** Folder for an on-disk database (kept across runs); in memory when absent. */
  readonly path?: string;
  /** Default 0: any free port. */
  readonly port?: number;
}

/** Starts dynalite on 127.0.0.1 with tables ACTIVE at once. */
export async function startDynamoServer(options: DynamoServerOptions = {}): Promise<DynamoServer> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  const port = await listenOnLoopback(server, options.port ?? 0);
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];

  return {
    endpoint,
    client() {
      const client = new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      // Keep-alive sockets would hold `close` open until they time out.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
