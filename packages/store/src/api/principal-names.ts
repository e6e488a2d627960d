import type { ApiDb } from './db.ts';
import { queryRows, table } from './db.ts';

/**
 * Names for principal ids as the API records them (`key:<keyId>` for API
 * keys): the audit trail and the suppressions page showed `key:k_af85…`
 * where the key's name ("Analyst Ari") says who it was. Other ids (`oidc:…`,
 * `cli`) have no name here and are left out.
 */
export async function principalNames(db: ApiDb, principalIds: readonly string[]): Promise<Record<string, string>> {
  const keyIds = [...new Set(principalIds.filter((p) => p.startsWith('key:')).map((p) => p.slice('key:'.length)))];
  if (keyIds.length === 0) return {};
  const rows = await queryRows<{ key_id: string; name: string }>(
    db,
    `SELECT key_id, argMax(name, version) AS name FROM ${table(db, 'api_keys')} WHERE key_id IN {ids:Array(String)} GROUP BY key_id`,
    { ids: keyIds },
  );
  return Object.fromEntries(rows.map((r) => [`key:${r.key_id}`, r.name]));
}
