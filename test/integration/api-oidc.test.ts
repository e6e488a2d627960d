import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHarness } from './api-harness.ts';
import { openHarness } from './api-harness.ts';

/**
 * OIDC bearer tokens verified for real: a JWKS served over HTTP on
 * 127.0.0.1, tokens signed with node:crypto (not with the library the API
 * verifies with), issuer, audience, expiry and role claim checked.
 */

const ISSUER = 'https://idp.test/realms/hospital';
const AUDIENCE = 'chartwatch-api';
let server: Server;
let h: ApiHarness;
let hNested: ApiHarness;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
let jwksRequests = 0;

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function token(claims: Record<string, unknown>, key: KeyObject = privateKey, kid = 'k1'): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'RS256', typ: 'JWT', kid });
  const body = b64({ iss: ISSUER, aud: AUDIENCE, sub: 'user-42', iat: now, exp: now + 300, ...claims });
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), key).toString('base64url');
  return `${head}.${body}.${signature}`;
}

beforeAll(async () => {
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    jwksRequests += 1;
    if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const env = { OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: AUDIENCE, OIDC_JWKS_URL: `http://127.0.0.1:${port}/jwks` };
  h = await openHarness('api_oidc', { env });
  hNested = await openHarness('api_oidc_nested', { env: { ...env, OIDC_ROLE_CLAIM: 'realm_access.roles', CHARTWATCH_TIMEZONE: 'America/New_York' } });
});

afterAll(async () => {
  await h?.close();
  await hNested?.close();
  await new Promise((resolve) => server?.close(resolve));
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('OIDC bearer tokens', () => {
  it('accepts a valid token and takes the role from the claim', async () => {
    const res = await h.app.inject({ url: '/me', headers: bearer(token({ roles: ['analyst'], preferred_username: 'dana' })) });
    expect(res.statusCode).toBe(200);
    // timezone: CHARTWATCH_TIMEZONE's default, the clock the dashboard shows times on.
    expect(JSON.parse(res.body)).toEqual({ id: 'oidc:user-42', kind: 'oidc', name: 'dana', roles: ['analyst'], timezone: 'UTC' });
    expect(jwksRequests).toBeGreaterThan(0);
    expect((await h.app.inject({ url: '/alerts', headers: bearer(token({ roles: ['analyst'] })) })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/audit', headers: bearer(token({ roles: ['analyst'] })) })).statusCode).toBe(403);
    expect((await h.app.inject({ url: '/audit', headers: bearer(token({ roles: 'auditor' })) })).statusCode).toBe(200);
  });

  it('refuses wrong issuer, wrong audience, expired, unsigned, foreign-key and tampered tokens with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      token({ roles: ['admin'], iss: 'https://evil.test' }),
      token({ roles: ['admin'], aud: 'someone-else' }),
      token({ roles: ['admin'], exp: now - 3600, iat: now - 7200 }),
      token({ roles: ['admin'] }, other.privateKey),
      token({ roles: ['admin'] }, other.privateKey, 'unknown-kid'),
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now + 60, roles: ['admin'] })}.`,
      (() => {
        const [head, , sig] = token({ roles: ['analyst'] }).split('.');
        return `${head}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now + 60, roles: ['admin'] })}.${sig}`;
      })(),
      'not-a-jwt',
    ];
    for (const t of bad) {
      const res = await h.app.inject({ url: '/me', headers: bearer(t) });
      expect(res.statusCode, t.slice(0, 40)).toBe(401);
      expect(JSON.parse(res.body).error).toBe('CW_ERR_UNAUTHENTICATED');
    }
  });

  it('a valid token without a chartwatch role is 403', async () => {
    const res = await h.app.inject({ url: '/me', headers: bearer(token({ roles: ['nurse', 'superuser'] })) });
    expect(res.statusCode).toBe(403);
  });

  it('reads a nested role claim when configured', async () => {
    const t = token({ realm_access: { roles: ['privacy_officer', 'offline_access'] } });
    const res = await hNested.app.inject({ url: '/me', headers: bearer(t) });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).roles).toEqual(['privacy_officer']);
    expect((await hNested.app.inject({ url: '/me', headers: bearer(token({ roles: ['admin'] })) })).statusCode).toBe(403);
  });

  it('resolves a dotted role claim only as a path: a top-level claim spelled "realm_access.roles" is not it', async () => {
    const literal = token({ 'realm_access.roles': ['admin'] });
    const res = await hNested.app.inject({ url: '/me', headers: bearer(literal) });
    expect(res.statusCode, res.body).toBe(403);
    // Prototype names read nothing either.
    const proto = token({ realm_access: { roles: ['auditor'] }, constructor: { roles: ['admin'] } });
    expect(JSON.parse((await hNested.app.inject({ url: '/me', headers: bearer(proto) })).body).roles).toEqual(['auditor']);
  });

  it('refuses a token issued in the future (iat ahead of the clock by more than a minute)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const future = token({ roles: ['admin'], iat: now + 3600, exp: now + 7200 });
    const res = await h.app.inject({ url: '/me', headers: bearer(future) });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('iat');
    // A few seconds of IdP clock skew is fine.
    expect((await h.app.inject({ url: '/me', headers: bearer(token({ roles: ['admin'], iat: now + 5 })) })).statusCode).toBe(200);
  });

  it("passes the hospital's configured time zone to the dashboard on /me", async () => {
    const res = await hNested.app.inject({ url: '/me', headers: bearer(token({ realm_access: { roles: ['auditor'] } })) });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).timezone).toBe('America/New_York');
  });
});
