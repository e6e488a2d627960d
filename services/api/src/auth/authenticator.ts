import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../errors.ts';
import { isRole } from '../permissions.ts';
import type { ApiDb, StoredApiKey } from '@chartwatch/store';
import { findApiKeyByHash } from '@chartwatch/store';
import { API_KEY_PATTERN, hashApiKey } from './api-key.ts';
import type { OidcVerifier } from './oidc.ts';
import type { Principal } from './principal.ts';

export interface AuthenticatorOptions {
  db: ApiDb;
  oidc: OidcVerifier | null;
  /** How long a key look-up is remembered; a key revoked by another process stops working within this time. */
  cacheMs: number;
  now: () => number;
  /** Most keys remembered (default 10,000); the least recently looked up goes first. */
  maxCached?: number;
  /** Called when a key authenticates a request, at most once a minute per key (records its last use). */
  onKeyUsed?: (keyId: string, atMs: number) => void;
}

export interface Authenticator {
  /** The caller, or null when the request carries no credentials at all. Bad credentials throw 401. */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal | null>;
  /** Forget a cached key (after revoking it in this process). */
  forget(keyHash: string): void;
}

// Bounded so a flood of random keys cannot grow it without limit.
const MAX_CACHED = 10_000;
// A key's last use is recorded to the minute: one write a minute per key, not one per request.
const USE_RESOLUTION_MS = 60_000;

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function createAuthenticator(o: AuthenticatorOptions): Authenticator {
  // A Map iterates in insertion order, and a hit is re-inserted: the first entry is the least recently used.
  const cache = new Map<string, { key: StoredApiKey | null; until: number }>();
  const maxCached = o.maxCached ?? MAX_CACHED;
  const lastUseRecorded = new Map<string, number>();

  async function lookUp(hash: string): Promise<StoredApiKey | null> {
    const now = o.now();
    const hit = cache.get(hash);
    if (hit !== undefined && hit.until > now) {
      cache.delete(hash);
      cache.set(hash, hit);
      return hit.key;
    }
    const key = await findApiKeyByHash(o.db, hash);
    if (o.cacheMs > 0) {
      cache.delete(hash);
      while (cache.size >= maxCached) {
        const oldest = cache.keys().next();
        if (oldest.done === true) break;
        cache.delete(oldest.value);
      }
      cache.set(hash, { key, until: now + o.cacheMs });
    }
    return key;
  }

  function noteUse(keyId: string): void {
    if (o.onKeyUsed === undefined) return;
    const now = o.now();
    const last = lastUseRecorded.get(keyId);
    if (last !== undefined && now - last < USE_RESOLUTION_MS) return;
    if (lastUseRecorded.size >= maxCached) lastUseRecorded.clear();
    lastUseRecorded.set(keyId, now);
    o.onKeyUsed(keyId, now);
  }

  async function fromApiKey(raw: string): Promise<Principal> {
    // Shape first: a malformed key never reaches the database.
    if (!API_KEY_PATTERN.test(raw)) throw new ApiError('CW_ERR_UNAUTHENTICATED', 'malformed API key');
    const hash = hashApiKey(raw);
    const key = await lookUp(hash);
    if (key === null || key.revokedAt !== null || !isRole(key.role)) throw new ApiError('CW_ERR_UNAUTHENTICATED', 'unknown or revoked API key');
    if (key.expiresAt !== null && Date.parse(key.expiresAt) <= o.now()) throw new ApiError('CW_ERR_UNAUTHENTICATED', `API key ${key.keyId} expired at ${key.expiresAt}`);
    noteUse(key.keyId);
    return { id: `key:${key.keyId}`, kind: 'api_key', name: key.name, roles: [key.role] };
  }

  return {
    async authenticate(headers) {
      const apiKey = headerValue(headers['x-api-key']);
      const authorization = headerValue(headers.authorization);
      if (apiKey !== undefined) return fromApiKey(apiKey.trim());
      if (authorization === undefined) return null;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (match === null) throw new ApiError('CW_ERR_UNAUTHENTICATED', 'authorization header must be "Bearer <token>"');
      const token = match[1] ?? '';
      if (token.startsWith('cwk_')) return fromApiKey(token);
      if (o.oidc === null) throw new ApiError('CW_ERR_UNAUTHENTICATED', 'bearer tokens are not accepted: OIDC is not configured');
      if (token.length > 16_384) throw new ApiError('CW_ERR_UNAUTHENTICATED', 'bearer token too long');
      return o.oidc(token);
    },
    forget(keyHash) {
      cache.delete(keyHash);
    },
  };
}
