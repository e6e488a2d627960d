import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseClientConfigOptions } from '@clickhouse/client';
// chdb/connection is CommonJS: its named exports reach ESM only through the default export.
import chdbConnection from 'chdb/connection';
import { ChartwatchError } from '@chartwatch/errors';
import type { StoreConfig } from './config.ts';
import { checkStoreConfig } from './config.ts';

export type StoreMode = 'embedded' | 'server';

/**
 * The ClickHouse clients one Store uses. Both are plain @clickhouse/client
 * clients; only how they reach the engine differs.
 */
export interface ClickHouseConnection {
  readonly mode: StoreMode;
  readonly database: string;
  /** For queries and DDL. In embedded mode, never pass `clickhouse_settings` here: see `insertClient`. */
  readonly client: ClickHouseClient;
  /**
   * For inserts that carry `insert_deduplication_token`. chDB turns each
   * request's `clickhouse_settings` into a `SET` on its connection, where it
   * stays for every later statement; a token left behind would make the next
   * unrelated insert look like a duplicate and vanish. So embedded mode gives
   * token-carrying inserts their own chDB connection on the same data
   * directory, and every insert on it sets its own token. Over HTTP settings
   * are per request and this is `client` itself.
   */
  readonly insertClient: ClickHouseClient;
  close(): Promise<void>;
}

/**
 * chDB binds one data directory per process; opening a second one while the
 * first is live fails deep in the engine with a message about sessions.
 * Counting the live connections here turns that into an error that names
 * both directories.
 */
let embeddedDir: string | null = null;
let embeddedRefs = 0;

function acquireEmbeddedDir(dataDir: string): string {
  const dir = resolve(dataDir);
  if (embeddedDir !== null && embeddedRefs > 0 && embeddedDir !== dir) {
    throw new ChartwatchError(
      'CW_ERR_STORE',
      `embedded chDB already has ${embeddedDir} open in this process and cannot open ${dir} too (one data directory per process): close the other store first or use the same CHARTWATCH_DATA_DIR`,
    );
  }
  // 0700: the store's files are every access event; only chartwatch's user reads them.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  embeddedDir = dir;
  embeddedRefs += 1;
  return dir;
}

function releaseEmbeddedDir(): void {
  embeddedRefs = Math.max(0, embeddedRefs - 1);
  if (embeddedRefs === 0) embeddedDir = null;
}

type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

function embeddedClient(dir: string): ClickHouseClient {
  // chdb types its Connection with @clickhouse/client-common 1.23.0 while the
  // client 1.23.1 bundles its own copy of those types: same shape, two declarations.
  const connection = chdbConnection.createChdbConnection({ path: dir }) as unknown as ClientConnection;
  return createClient({ connection });
}

/** Backticked identifier for a name that checkStoreConfig already held to [A-Za-z0-9_]. */
export function quoteIdentifier(name: string): string {
  return `\`${name}\``;
}

/** Opens the clients for a StoreConfig and creates its database if missing. */
export async function createClickHouse(config: StoreConfig): Promise<ClickHouseConnection> {
  checkStoreConfig(config);
  let connection: ClickHouseConnection;
  if (config.url === undefined) {
    const dir = acquireEmbeddedDir(config.dataDir);
    let client: ClickHouseClient;
    let insertClient: ClickHouseClient;
    try {
      client = embeddedClient(dir);
      insertClient = embeddedClient(dir);
    } catch (err) {
      releaseEmbeddedDir();
      throw new ChartwatchError('CW_ERR_STORE', `cannot open embedded chDB in ${dir}: ${(err as Error).message}`, { cause: err });
    }
    let closed = false;
    connection = {
      mode: 'embedded',
      database: config.database,
      client,
      insertClient,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await insertClient.close();
          await client.close();
        } finally {
          releaseEmbeddedDir();
        }
      },
    };
  } else {
    const client = createClient({
      url: config.url,
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
      // https with a private CA: the server's certificate is checked against it (and ours shown, with a client certificate).
      ...(config.tls === undefined
        ? {}
        : { tls: config.tls.cert !== undefined && config.tls.key !== undefined ? { ca_cert: config.tls.caCert, cert: config.tls.cert, key: config.tls.key } : { ca_cert: config.tls.caCert } }),
      application: 'chartwatch',
    });
    connection = { mode: 'server', database: config.database, client, insertClient: client, close: () => client.close() };
  }
  try {
    await connection.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(config.database)}` });
  } catch (err) {
    await connection.close();
    const where = config.url === undefined ? `embedded chDB in ${resolve(config.dataDir)}` : `ClickHouse at ${new URL(config.url).origin}`;
    throw new ChartwatchError('CW_ERR_STORE', `cannot create database ${config.database} in ${where}: ${(err as Error).message}`, { cause: err });
  }
  return connection;
}
