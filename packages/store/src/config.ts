import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '@chartwatch/errors';

/**
 * Where the store lives. `url` set: a ClickHouse server over HTTP(S).
 * `url` unset: embedded chDB with its data under `dataDir`.
 */
export interface StoreConfig {
  url?: string;
  username?: string;
  password?: string;
  /** ClickHouse database holding every chartwatch table; created when missing. */
  database: string;
  /** chDB data directory (embedded mode only). */
  dataDir: string;
  /** Years access events are kept (TTL); HIPAA asks for 6. Default 6. */
  retentionYears?: number;
  /**
   * A ClickHouse cluster name (server mode): migrations create Replicated
   * tables `ON CLUSTER` behind Distributed ones (cluster-ddl.ts). Unset: the
   * single-node schema.
   */
  cluster?: string;
  /** For an https:// server with a private CA (CLICKHOUSE_CA_FILE), and a client certificate (CLICKHOUSE_CERT_FILE / _KEY_FILE). */
  tls?: StoreTls;
}

/** PEM contents: the CA that signed the server's certificate, and an optional client certificate and key. */
export interface StoreTls {
  caCert: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** A StoreConfig with its defaults filled in. */
export type ResolvedStoreConfig = StoreConfig & { retentionYears: number };

export const DEFAULT_DATABASE = 'chartwatch';
export const DEFAULT_DATA_DIR = '.data/clickhouse';
export const DEFAULT_RETENTION_YEARS = 6;

/** Database names are spliced into SQL as identifiers, so they are held to a safe alphabet here. */
export const DATABASE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const blankAsUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const settings = {
  CLICKHOUSE_URL: {
    schema: z.preprocess(
      blankAsUndefined,
      z
        .url({ protocol: /^https?$/ })
        .optional(),
    ),
    expected: 'an http:// or https:// URL of a ClickHouse server, e.g. http://localhost:8123 (unset = embedded chDB)',
  },
  CLICKHOUSE_USER: { schema: z.preprocess(blankAsUndefined, z.string().optional()), expected: 'a user name' },
  CLICKHOUSE_PASSWORD: { schema: z.preprocess(blankAsUndefined, z.string().optional()), expected: 'a password' },
  CLICKHOUSE_DATABASE: {
    schema: z.preprocess(blankAsUndefined, z.string().regex(DATABASE_NAME_PATTERN).default(DEFAULT_DATABASE)),
    expected: 'a database name of letters, digits and _ (not starting with a digit), at most 63 characters',
  },
  CHARTWATCH_DATA_DIR: {
    schema: z.preprocess(blankAsUndefined, z.string().default(DEFAULT_DATA_DIR)),
    expected: 'a directory path',
  },
  CLICKHOUSE_CLUSTER: {
    schema: z.preprocess(blankAsUndefined, z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/).optional()),
    expected: 'a cluster name from the servers\' remote_servers (letters, digits, _ and -), or unset for one node',
  },
  CHARTWATCH_RETENTION_YEARS: {
    schema: z.preprocess(blankAsUndefined, z.coerce.number().int().min(1).max(100).default(DEFAULT_RETENTION_YEARS)),
    expected: 'a whole number of years between 1 and 100',
  },
} as const;

type Settings = typeof settings;
type Parsed = { [K in keyof Settings]: z.infer<Settings[K]['schema']> };

function read<K extends keyof Settings>(env: Record<string, string | undefined>, name: K): Parsed[K] {
  const { schema, expected } = settings[name];
  const result = schema.safeParse(env[name]);
  if (!result.success) throw new ConfigError(name, `got "${env[name] ?? ''}", expected ${expected}`);
  return result.data as Parsed[K];
}

function readPemFile(env: Record<string, string | undefined>, name: string): Buffer | undefined {
  const path = env[name]?.trim();
  if (!path) return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new ConfigError(name, `cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN ')) throw new ConfigError(name, `expected a PEM file, ${JSON.stringify(path)} holds no "-----BEGIN" block`);
  return pem;
}

/**
 * CLICKHOUSE_CA_FILE (and a client certificate): the server's certificate is
 * verified against this CA, which only means something over https, so an
 * http:// URL with a CA file is refused rather than silently plaintext.
 */
function storeTlsFromEnv(env: Record<string, string | undefined>, url: string | undefined): StoreTls | undefined {
  const caCert = readPemFile(env, 'CLICKHOUSE_CA_FILE');
  const cert = readPemFile(env, 'CLICKHOUSE_CERT_FILE');
  const key = readPemFile(env, 'CLICKHOUSE_KEY_FILE');
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(cert === undefined ? 'CLICKHOUSE_CERT_FILE' : 'CLICKHOUSE_KEY_FILE', 'a client certificate needs both CLICKHOUSE_CERT_FILE and CLICKHOUSE_KEY_FILE');
  }
  if (caCert === undefined) {
    if (cert !== undefined) throw new ConfigError('CLICKHOUSE_CA_FILE', 'required with a client certificate (the server\'s CA)');
    return undefined;
  }
  if (url === undefined || !url.startsWith('https:')) {
    throw new ConfigError('CLICKHOUSE_CA_FILE', `is set, so CLICKHOUSE_URL must be an https:// URL (got ${JSON.stringify(url ?? '')})`);
  }
  return { caCert, ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
}

/** Reads the store's settings from the environment; a bad value throws ConfigError naming the variable. */
export function storeConfigFromEnv(env: Record<string, string | undefined>): ResolvedStoreConfig {
  const url = read(env, 'CLICKHOUSE_URL');
  const username = read(env, 'CLICKHOUSE_USER');
  const password = read(env, 'CLICKHOUSE_PASSWORD');
  const cluster = read(env, 'CLICKHOUSE_CLUSTER');
  const config: ResolvedStoreConfig = {
    database: read(env, 'CLICKHOUSE_DATABASE'),
    dataDir: read(env, 'CHARTWATCH_DATA_DIR'),
    retentionYears: read(env, 'CHARTWATCH_RETENTION_YEARS'),
  };
  if (url !== undefined) config.url = url;
  if (username !== undefined) config.username = username;
  if (password !== undefined) config.password = password;
  if (cluster !== undefined) {
    if (url === undefined) throw new ConfigError('CLICKHOUSE_CLUSTER', `got "${cluster}", but a cluster needs CLICKHOUSE_URL (embedded chDB is one node)`);
    config.cluster = cluster;
  }
  const tls = storeTlsFromEnv(env, url);
  if (tls !== undefined) config.tls = tls;
  return config;
}

/** Checks a StoreConfig built in code (tests, services) the same way the environment is checked. */
export function checkStoreConfig(config: StoreConfig): void {
  if (!DATABASE_NAME_PATTERN.test(config.database)) {
    throw new ConfigError('database', `got "${config.database}", expected ${settings.CLICKHOUSE_DATABASE.expected}`);
  }
  const years = config.retentionYears ?? DEFAULT_RETENTION_YEARS;
  if (!Number.isInteger(years) || years < 1 || years > 100) {
    throw new ConfigError('retentionYears', `got ${years}, expected ${settings.CHARTWATCH_RETENTION_YEARS.expected}`);
  }
  if (config.url === undefined && config.dataDir.trim() === '') {
    throw new ConfigError('dataDir', 'is empty, expected a directory path for embedded chDB');
  }
}
