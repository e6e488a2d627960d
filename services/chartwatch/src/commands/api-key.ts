import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API_KEY_USAGE, runApiKeyCommand } from '@chartwatch/api';
import { ConfigError } from '@chartwatch/errors';
import { modelRegistryMigrations, openStore, storeConfigFromEnv } from '@chartwatch/store';
import type { ResolvedStoreConfig } from '@chartwatch/store';
import { START_DEFAULTS } from '../start/flags.ts';

export const summary = 'create, revoke and list API keys in the store `chartwatch start` uses';

export const API_KEY_HELP = `${API_KEY_USAGE}

Options:
  --role ROLE       the new key's role (create)
  --name NAME       a label for the new key (create)
  --expires-days N  the new key is refused N days from now (create; default: no expiry)
  --id KEY_ID       the key to revoke (revoke)
  --json            machine-readable output
  --data-dir DIR    the directory \`chartwatch start --data-dir\` uses (its chDB is DIR/clickhouse);
                    default: CHARTWATCH_DATA_DIR, else ${START_DEFAULTS.dataDir}/clickhouse.
                    With CLICKHOUSE_URL set, the keys go to that ClickHouse server instead.

The key is printed once, at creation; only its SHA-256 is stored.
Embedded chDB lets one process at a time open a data directory: stop
\`chartwatch start\` on that directory first (or, while it runs, manage keys
through its API: POST /api-keys with an admin key).`;

/** Takes --data-dir out of the arguments (the API's parser refuses flags it does not know). */
export function splitDataDir(argv: readonly string[]): { dataDir: string | null; rest: string[] } {
  const rest: string[] = [];
  let dataDir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--data-dir' || arg.startsWith('--data-dir=')) {
      const value = arg === '--data-dir' ? argv[++i] : arg.slice('--data-dir='.length);
      if (value === undefined || value.trim() === '' || value.startsWith('--')) throw new ConfigError('--data-dir', `expected a directory, got ${JSON.stringify(value ?? null)}`);
      dataDir = value;
    } else rest.push(arg);
  }
  return { dataDir, rest };
}

/** The store `chartwatch start` would open with the same flag and environment. */
export function apiKeyStoreConfig(env: Record<string, string | undefined>, dataDir: string | null): ResolvedStoreConfig {
  const envChdb = env['CHARTWATCH_DATA_DIR']?.trim();
  const chdbDir = dataDir !== null ? join(resolve(dataDir), 'clickhouse') : envChdb ? resolve(envChdb) : resolve(START_DEFAULTS.dataDir, 'clickhouse');
  return storeConfigFromEnv({ ...env, CHARTWATCH_DATA_DIR: chdbDir });
}

export async function run(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log(API_KEY_HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const { dataDir, rest } = splitDataDir(argv);
  const config = apiKeyStoreConfig(process.env, dataDir);
  // Embedded: a directory with no store yet. `create` may make one (a key before the first start); `list` and
  // `revoke` there are a mistyped --data-dir, which used to answer "No API keys" from a store made on the spot.
  const fresh = config.url === undefined && !existsSync(config.dataDir);
  if (fresh && rest[0] !== 'create') {
    throw new ConfigError('--data-dir', `no chartwatch store in ${JSON.stringify(config.dataDir)}: is the directory the one chartwatch start uses?`);
  }
  let store;
  try {
    store = await openStore(config);
  } catch (err) {
    // chDB's own words ("Cannot lock file … Another server instance in same directory is already running") name
    // neither the flag nor what to do.
    const text = err instanceof Error ? err.message : String(err);
    if (config.url === undefined && /Cannot lock file|Another server instance/i.test(text)) {
      throw new ConfigError(
        '--data-dir',
        `${JSON.stringify(config.dataDir)} is open in another process (chartwatch start?): chDB lets one process use a data directory. Stop it, or manage keys through its API (POST /api-keys with an admin key).`,
      );
    }
    throw err;
  }
  try {
    // The tables start creates, so a key can be made before the first start (the API's need the store's migration record).
    await store.migrate(modelRegistryMigrations);
    const code = await runApiKeyCommand(rest, { store, out: process.stdout });
    if (fresh) process.stderr.write(`note: ${config.dataDir} held no store; one was created there. chartwatch start must use the same --data-dir for this key to work.\n`);
    return code;
  } finally {
    await store.close();
  }
}
