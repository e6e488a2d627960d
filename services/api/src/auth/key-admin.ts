import type { Role } from '../permissions.ts';
import type { ApiDb, StoredApiKey } from '@chartwatch/store';
import { insertApiKey, listApiKeys, revokeApiKey } from '@chartwatch/store';
import { generateApiKey, generateKeyId, hashApiKey } from './api-key.ts';

/** A key as shown to an admin: never the hash. */
export interface ApiKeyView {
  keyId: string;
  name: string;
  role: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string;
  /** Refused after this instant; null: no expiry. */
  expiresAt: string | null;
  /** Last request it authenticated (to the minute); null: never, or not known here. */
  lastUsedAt: string | null;
}

export function keyView(k: StoredApiKey): ApiKeyView {
  return {
    keyId: k.keyId,
    name: k.name,
    role: k.role,
    createdAt: k.createdAt,
    createdBy: k.createdBy,
    revokedAt: k.revokedAt,
    revokedBy: k.revokedBy,
    expiresAt: k.expiresAt,
    lastUsedAt: k.lastUsedAt ?? null,
  };
}

/** Creates a key; the returned `key` is the only time it exists outside the caller's hands. */
export async function createApiKey(
  db: ApiDb,
  input: { name: string; role: Role; createdBy: string; at: string; expiresAt?: string | null },
): Promise<ApiKeyView & { key: string }> {
  const key = generateApiKey();
  const stored: StoredApiKey = {
    keyId: generateKeyId(),
    keyHash: hashApiKey(key),
    name: input.name,
    role: input.role,
    createdAt: input.at,
    createdBy: input.createdBy,
    revokedAt: null,
    revokedBy: '',
    expiresAt: input.expiresAt ?? null,
  };
  await insertApiKey(db, stored);
  return { ...keyView(stored), key };
}

export async function revokeKey(db: ApiDb, keyId: string, by: string, at: string): Promise<StoredApiKey | null> {
  return revokeApiKey(db, keyId, by, at);
}

export async function listKeys(db: ApiDb): Promise<ApiKeyView[]> {
  return (await listApiKeys(db)).map(keyView);
}
