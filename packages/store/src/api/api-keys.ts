import type { ApiDb } from './db.ts';
import { clickHouseFromIso, isoFromMillis, ms, nullableIsoFromMillis, queryRows, table } from './db.ts';

const COLUMNS = `key_id, key_hash, name, role, ${ms('created_at')}, created_by, ${ms('revoked_at')}, revoked_by, ${ms('expires_at')}, version`;


/** An API key as stored: its SHA-256 hash, never the key. */
export interface StoredApiKey {
  keyId: string;
  keyHash: string;
  name: string;
  role: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string;
  /** After this instant the key is refused; null: it does not expire. */
  expiresAt: string | null;
  /** When the key last authenticated a request (recorded at most once a minute a key); null: never. Filled by listApiKeys only. */
  lastUsedAt?: string | null;
}

interface KeyRow {
  key_id: string;
  key_hash: string;
  name: string;
  role: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_by: string;
  expires_at: string | null;
  version: string | number;
}

type StoredKeyRow = Omit<KeyRow, 'created_at' | 'revoked_at' | 'expires_at'> & {
  created_at_ms: string | number;
  revoked_at_ms: string | number | null;
  expires_at_ms: string | number | null;
  last_used_ms?: string | number | null;
};

function fromRow(r: StoredKeyRow): StoredApiKey {
  return {
    keyId: r.key_id,
    keyHash: r.key_hash,
    name: r.name,
    role: r.role,
    createdAt: isoFromMillis(r.created_at_ms),
    createdBy: r.created_by,
    revokedAt: nullableIsoFromMillis(r.revoked_at_ms),
    revokedBy: r.revoked_by,
    expiresAt: nullableIsoFromMillis(r.expires_at_ms),
    ...(r.last_used_ms === undefined ? {} : { lastUsedAt: r.last_used_ms === null || Number(r.last_used_ms) === 0 ? null : nullableIsoFromMillis(r.last_used_ms) }),
  };
}

function toRow(k: StoredApiKey, version: number): KeyRow {
  return {
    key_id: k.keyId,
    key_hash: k.keyHash,
    name: k.name,
    role: k.role,
    created_at: clickHouseFromIso(k.createdAt),
    created_by: k.createdBy,
    revoked_at: k.revokedAt === null ? null : clickHouseFromIso(k.revokedAt),
    revoked_by: k.revokedBy,
    expires_at: k.expiresAt === null ? null : clickHouseFromIso(k.expiresAt),
    version,
  };
}

export async function insertApiKey(db: ApiDb, key: StoredApiKey): Promise<void> {
  await db.client.insert({ table: table(db, 'api_keys'), values: [toRow(key, 1)], format: 'JSONEachRow' });
}

/** The key with this hash, revoked or not (the caller decides what revoked means). */
export async function findApiKeyByHash(db: ApiDb, keyHash: string): Promise<StoredApiKey | null> {
  const rows = await queryRows<StoredKeyRow>(
    db,
    `SELECT ${COLUMNS} FROM ${table(db, 'api_keys')} FINAL WHERE key_hash = {hash:String} LIMIT 1`,
    { hash: keyHash },
  );
  return rows[0] === undefined ? null : fromRow(rows[0]);
}

export async function listApiKeys(db: ApiDb): Promise<StoredApiKey[]> {
  const rows = await queryRows<StoredKeyRow>(
    db,
    // Last use comes from api_key_usage (the newest use kept); a key never used joins as 0.
    `SELECT ${COLUMNS}, toUnixTimestamp64Milli(u.last_used) AS last_used_ms FROM ${table(db, 'api_keys')} AS k FINAL
     LEFT JOIN (SELECT key_id, max(last_used_at) AS last_used FROM ${table(db, 'api_key_usage')} GROUP BY key_id) AS u USING key_id
     ORDER BY created_at, key_id`,
  );
  return rows.map(fromRow);
}

/** Records that a key authenticated a request at `at` (the newest use is kept). */
export async function recordApiKeyUse(db: ApiDb, keyId: string, at: string): Promise<void> {
  await db.client.insert({ table: table(db, 'api_key_usage'), values: [{ key_id: keyId, last_used_at: clickHouseFromIso(at) }], format: 'JSONEachRow' });
}

/** Revokes a key; returns it (already revoked keys unchanged) or null when unknown. */
export async function revokeApiKey(db: ApiDb, keyId: string, by: string, at: string): Promise<StoredApiKey | null> {
  const rows = await queryRows<StoredKeyRow>(db, `SELECT ${COLUMNS} FROM ${table(db, 'api_keys')} FINAL WHERE key_id = {id:String} LIMIT 1`, { id: keyId });
  const row = rows[0];
  if (row === undefined) return null;
  const current = fromRow(row);
  if (current.revokedAt !== null) return current;
  const revoked = { ...current, revokedAt: at, revokedBy: by };
  await db.client.insert({ table: table(db, 'api_keys'), values: [toRow(revoked, Number(row.version) + 1)], format: 'JSONEachRow' });
  return revoked;
}
