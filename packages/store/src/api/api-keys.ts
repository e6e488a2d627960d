import type { ApiDb } from './db.ts';
import { clickHouseFromIso, isoFromMillis, ms, nullableIsoFromMillis, queryRows, table } from './db.ts';

const COLUMNS = `key_id, key_hash, name, role, ${ms('created_at')}, created_by, ${ms('revoked_at')}, revoked_by, version`;

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
  version: string | number;
}

type StoredKeyRow = Omit<KeyRow, 'created_at' | 'revoked_at'> & { created_at_ms: string | number; revoked_at_ms: string | number | null };

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
  const rows = await queryRows<StoredKeyRow>(db, `SELECT ${COLUMNS} FROM ${table(db, 'api_keys')} FINAL ORDER BY created_at, key_id`);
  return rows.map(fromRow);
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
