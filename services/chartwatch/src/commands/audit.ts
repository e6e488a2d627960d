import { existsSync } from 'node:fs';
import { ConfigError } from '@chartwatch/errors';
import { migrateApiTables, modelRegistryMigrations, openStore, verifyApiAuditChain } from '@chartwatch/store';
import { apiKeyStoreConfig, splitDataDir } from './api-key.ts';

export const summary = "check the API audit trail's hash chain and name the first row that breaks it";

export const AUDIT_HELP = `usage:
  chartwatch audit verify [--data-dir DIR] [--json]

Every row of the API audit trail carries the SHA-256 of its content and of
the row before it in its writer's chain. verify walks every chain and
exits 0 when all hold, 1 naming the first row altered, removed from the
middle of a chain or inserted (its request id, time, chain and position).
A chain cut short at its very end cannot be seen this way.

Options:
  --data-dir DIR    the directory \`chartwatch start --data-dir\` uses (as for api-key);
                    with CLICKHOUSE_URL set, that ClickHouse server
  --json            machine-readable output`;

export async function run(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log(AUDIT_HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const { dataDir, rest } = splitDataDir(argv);
  const [sub, ...flags] = rest;
  if (sub !== 'verify') throw new ConfigError('audit', `unknown subcommand ${JSON.stringify(sub ?? '')}\n${AUDIT_HELP}`);
  const unknown = flags.find((f) => f !== '--json');
  if (unknown !== undefined) throw new ConfigError('audit', `unknown flag ${JSON.stringify(unknown)}\n${AUDIT_HELP}`);
  const json = flags.includes('--json');
  const config = apiKeyStoreConfig(process.env, dataDir);
  if (config.url === undefined && !existsSync(config.dataDir)) {
    throw new ConfigError('--data-dir', `no chartwatch store in ${JSON.stringify(config.dataDir)}: is the directory the one chartwatch start uses?`);
  }
  const store = await openStore(config);
  try {
    await store.migrate(modelRegistryMigrations);
    await migrateApiTables(store);
    const report = await verifyApiAuditChain(store);
    if (json) console.log(JSON.stringify(report));
    else if (report.firstBreak === null) {
      console.log(`audit trail intact: ${report.rows} rows in ${report.chains} chain(s) verified${report.unchained > 0 ? `; ${report.unchained} older rows carry no chain` : ''}`);
    } else {
      const b = report.firstBreak;
      console.log(`audit trail BROKEN at request ${b.requestId} (${b.at}, chain ${b.chainId}, seq ${b.seq}): ${b.reason}`);
    }
    return report.firstBreak === null ? 0 : 1;
  } finally {
    await store.close();
  }
}
