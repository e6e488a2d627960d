import { createRemoteJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import type { JWTPayload } from 'jose';
import type { OidcConfig } from '../config.ts';
import { ApiError } from '../errors.ts';
import { isRole } from '../permissions.ts';
import type { Role } from '../permissions.ts';
import type { Principal } from './principal.ts';

export type OidcVerifier = (token: string) => Promise<Principal>;

/**
 * Reads a claim by dotted path (`realm_access.roles`), only as a path: a
 * top-level claim literally named "realm_access.roles" is not it (a token
 * issuer may let users set such claims; the nested one is the IdP's).
 * Only own properties count, so `__proto__` or `constructor` read nothing.
 */
export function claimAt(payload: JWTPayload, path: string): unknown {
  let cur: unknown = payload;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** How far ahead of our clock a token's iat may be: the IdP's clock may run a little fast, not hours. */
export const MAX_IAT_SKEW_SECONDS = 60;

/** Roles in the claim: an array of strings or one space/comma-separated string; unknown names are ignored. */
export function rolesFromClaim(value: unknown): Role[] {
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const roles: Role[] = [];
  for (const n of names) if (isRole(n) && !roles.includes(n)) roles.push(n);
  return roles;
}

/**
 * Verifies bearer tokens against the identity provider's JWKS (fetched and
 * cached by jose, refetched when an unknown key id appears), with issuer and
 * audience checks and the clock the app runs on.
 */
export function createOidcVerifier(config: OidcConfig, clock: () => Date): OidcVerifier {
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: config.issuer,
        audience: config.audience,
        currentDate: clock(),
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      const reason = err instanceof joseErrors.JOSEError ? err.code : 'ERR_JWKS_UNAVAILABLE';
      throw new ApiError('CW_ERR_UNAUTHENTICATED', `bearer token rejected (${reason})`);
    }
    // jose checks exp and nbf; a token issued in the future (a forged or mis-clocked issuer) is refused too.
    if (payload.iat !== undefined && payload.iat > clock().getTime() / 1000 + MAX_IAT_SKEW_SECONDS) {
      throw new ApiError('CW_ERR_UNAUTHENTICATED', 'bearer token rejected (iat is in the future)');
    }
    const roles = rolesFromClaim(claimAt(payload, config.roleClaim));
    if (roles.length === 0) {
      throw new ApiError('CW_ERR_FORBIDDEN', `token carries no chartwatch role in claim ${config.roleClaim}`);
    }
    const sub = String(payload.sub);
    const display = claimAt(payload, 'preferred_username') ?? claimAt(payload, 'email') ?? sub;
    return { id: `oidc:${sub}`, kind: 'oidc', name: String(display), roles };
  };
}
