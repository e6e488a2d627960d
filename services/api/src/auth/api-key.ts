import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are `cwk_` + 32 random bytes in base64url. Only the SHA-256 of a
 * key is stored: a key has 256 bits of entropy, so a fast hash is enough (a
 * slow KDF protects guessable passwords, not random keys) and keeps the
 * per-request check cheap.
 */
export const API_KEY_PREFIX = 'cwk_';
export const API_KEY_PATTERN = /^cwk_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function generateKeyId(): string {
  return `k_${randomBytes(8).toString('hex')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
