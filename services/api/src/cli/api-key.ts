import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createLogger } from '@chartwatch/logger';
import { AuditTrail } from '../audit-trail.ts';
import { createApiMetrics } from '../metrics.ts';
import { ConfigError } from '@chartwatch/errors';
import { createApiKey, listKeys, revokeKey } from '../auth/key-admin.ts';
import { ROLES, isRole } from '../permissions.ts';
import type { ApiDb } from '@chartwatch/store';
import { migrateApiTables } from '@chartwatch/store';
import { keyNameSchema } from '../routes/keys.ts';

export interface ApiKeyCommandDeps {
  /** An open store (the chartwatch CLI opens it from the environment). */
  store: ApiDb;
  /** Where the command prints (process.stdout in the CLI). */
  out: { write(text: string): unknown };
  clock?: () => Date;
}

export const API_KEY_USAGE = `usage:
  chartwatch api-key create --role <${ROLES.join('|')}> --name <name> [--expires-days N] [--json]
  chartwatch api-key revoke --id <keyId> [--json]
  chartwatch api-key list [--json]`;

/**
 * Key changes made from the command line go on the API audit trail like the
 * API's own (principal `system:cli`), chained by a writer of their own.
 */
async function auditCli(store: ApiDb, routeId: string, at: Date, keyId: string, status = 200): Promise<void> {
  const trail = new AuditTrail({ db: store, logger: createLogger({ level: 'silent' }), metrics: createApiMetrics(new Registry()), batchSize: 1 });
  await trail.record({
    at: at.toISOString(),
    requestId: randomUUID(),
    principalId: 'system:cli',
    principalKind: 'system',
    role: 'admin',
    routeId,
    method: 'CLI',
    urlPath: `chartwatch api-key ${routeId.slice('cli.keys.'.length)}`,
    patientIds: [],
    alertIds: [],
    actorIds: [],
    subjectIds: [keyId],
    ip: '',
    status,
  });
}

/**
 * `chartwatch api-key …`: create, revoke and list API keys. The key itself
 * is printed once, at creation; only its SHA-256 is stored. Bad arguments
 * throw ConfigError naming the flag. Returns the exit code.
 */
export async function runApiKeyCommand(args: readonly string[], deps: ApiKeyCommandDeps): Promise<number> {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: {
        role: { type: 'string' },
        name: { type: 'string' },
        id: { type: 'string' },
        'expires-days': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new ConfigError('api-key', `${(err as Error).message}\n${API_KEY_USAGE}`);
  }
  const { values } = parsed;
  const clock = deps.clock ?? (() => new Date());
  const print = (human: string, json: unknown): void => {
    deps.out.write(values.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
  };
  await migrateApiTables(deps.store);

  switch (sub) {
    case 'create': {
      if (!isRole(values.role)) throw new ConfigError('--role', `expected one of ${ROLES.join(', ')}, got ${JSON.stringify(values.role ?? '')}`);
      const name = keyNameSchema.safeParse(values.name);
      if (!name.success) throw new ConfigError('--name', `expected 1-128 printable characters, got ${JSON.stringify(values.name ?? '')}`);
      const days = values['expires-days'];
      if (days !== undefined && !/^[1-9][0-9]{0,4}$/.test(days)) throw new ConfigError('--expires-days', `expected a whole number of days from 1 to 99999, got ${JSON.stringify(days)}`);
      const now = clock();
      const expiresAt = days === undefined ? null : new Date(now.getTime() + Number(days) * 86_400_000).toISOString();
      const created = await createApiKey(deps.store, { name: name.data, role: values.role, createdBy: 'cli', at: now.toISOString(), expiresAt });
      await auditCli(deps.store, 'cli.keys.create', now, created.keyId);
      print(
        `created API key ${created.keyId} (${created.name}, role ${created.role})\n${created.key}\nThis key is shown once: store it now.`,
        created,
      );
      return 0;
    }
    case 'revoke': {
      if (values.id === undefined || !/^k_[0-9a-f]{16}$/.test(values.id)) throw new ConfigError('--id', `expected a key id like k_0123456789abcdef, got ${JSON.stringify(values.id ?? '')}`);
      const now = clock();
      const revoked = await revokeKey(deps.store, values.id, 'cli', now.toISOString());
      await auditCli(deps.store, 'cli.keys.revoke', now, values.id, revoked === null ? 404 : 200);
      if (revoked === null) {
        print(`no API key ${values.id}`, { error: 'CW_ERR_NOT_FOUND', keyId: values.id });
        return 1;
      }
      print(`revoked API key ${revoked.keyId} (${revoked.name}) at ${revoked.revokedAt ?? ''}; running APIs stop accepting it within their key cache time (API_KEY_CACHE_MS)`, {
        keyId: revoked.keyId,
        revokedAt: revoked.revokedAt,
      });
      return 0;
    }
    case 'list': {
      const keys = await listKeys(deps.store);
      print(
        keys.length === 0 ? 'no API keys' : keys
              .map((k) => {
                const state = k.revokedAt !== null ? `revoked ${k.revokedAt}` : k.expiresAt !== null ? `active until ${k.expiresAt}` : 'active';
                return `${k.keyId}\t${k.role}\t${k.name}\t${state}\tlast used ${k.lastUsedAt ?? 'never'}`;
              })
              .join('\n'),
        keys,
      );
      return 0;
    }
    default:
      throw new ConfigError('api-key', `unknown subcommand ${JSON.stringify(sub ?? '')}\n${API_KEY_USAGE}`);
  }
}
