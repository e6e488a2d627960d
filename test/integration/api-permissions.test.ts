import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, ROUTE_PERMISSIONS, allowedRoles, isPublicRoute, registeredRoutes } from '../../services/api/src/index.ts';
import type { ApiHarness } from './api-harness.ts';
import { makeAlert, makeEvent, openHarness } from './api-harness.ts';

/**
 * The route × role matrix over every route the app registers: each role gets
 * exactly what permissions.ts grants, no credentials get 401, a wrong role
 * gets 403, and no route escapes the permission table.
 */

let h: ApiHarness;
const alert = makeAlert({ alertId: 'al-matrix', evidenceEventIds: [] });

beforeAll(async () => {
  h = await openHarness('api_permissions');
  await h.store.writeEvents([makeEvent({ patientIds: ['p-1'] })]);
  await h.store.writeAlerts([alert]);
});
afterAll(async () => {
  await h?.close();
});

const PARAM_VALUES: Record<string, string> = {
  alertId: 'al-matrix',
  actorId: 'u-alice',
  patientId: 'p-1',
  clientId: 'app-1',
  suppressionId: 'no-such-suppression',
  keyId: 'k_0000000000000000',
  '*': 'index.html',
};

function concreteUrl(pattern: string): string {
  return pattern.replace(/:([A-Za-z]+)/g, (_m, name: string) => PARAM_VALUES[name] ?? 'x').replace(/\*$/, PARAM_VALUES['*'] ?? '');
}

describe('route × role matrix', () => {
  it('every registered route has an entry in the permission table, and every entry a route', () => {
    const routes = registeredRoutes(h.app);
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter((r) => r.routeId === undefined || !(r.routeId in ROUTE_PERMISSIONS));
    expect(missing).toEqual([]);
    const used = new Set(routes.map((r) => r.routeId));
    expect(Object.keys(ROUTE_PERMISSIONS).filter((id) => !used.has(id))).toEqual([]);
  });

  it('walks every route with every role and with no credentials', async () => {
    const routes = registeredRoutes(h.app);
    const seen: string[] = [];
    for (const route of routes) {
      const routeId = route.routeId ?? '';
      const url = concreteUrl(route.url);
      const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      const anonymous = await h.app.inject({ method: route.method as 'GET', url, ...(payload ? { payload } : {}) });
      if (isPublicRoute(routeId)) {
        // Public means no credential check: never 401/403 (an asset name the walk makes up may be 404).
        expect([401, 403], `${route.method} ${route.url} anonymous`).not.toContain(anonymous.statusCode);
        expect(anonymous.statusCode, `${route.method} ${route.url} anonymous`).toBeLessThan(500);
      } else {
        expect(anonymous.statusCode, `${route.method} ${route.url} anonymous`).toBe(401);
        expect(JSON.parse(anonymous.body).error).toBe('CW_ERR_UNAUTHENTICATED');
      }
      for (const role of ROLES) {
        const res = await h.app.inject({ method: route.method as 'GET', url, headers: h.as[role], ...(payload ? { payload } : {}) });
        const allowed = allowedRoles(routeId).includes(role);
        if (allowed) {
          expect([401, 403], `${route.method} ${route.url} as ${role}: ${res.body.slice(0, 200)}`).not.toContain(res.statusCode);
          expect(res.statusCode, `${route.method} ${route.url} as ${role}`).toBeLessThan(500);
        } else {
          expect(res.statusCode, `${route.method} ${route.url} as ${role}`).toBe(403);
          expect(JSON.parse(res.body).error).toBe('CW_ERR_FORBIDDEN');
        }
        seen.push(`${route.method} ${route.url} ${role} ${res.statusCode}`);
      }
    }
    expect(seen.length).toBe(routes.length * ROLES.length);
  });

  it('refuses a revoked key, a malformed key and a key that was never issued', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api-keys', headers: h.as.admin, payload: { name: 'temp', role: 'analyst' } });
    expect(created.statusCode).toBe(201);
    const { key, keyId } = JSON.parse(created.body) as { key: string; keyId: string };
    expect(key).toMatch(/^cwk_/);
    expect((await h.app.inject({ url: '/alerts', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
    const revoked = await h.app.inject({ method: 'DELETE', url: `/api-keys/${keyId}`, headers: h.as.admin });
    expect(revoked.statusCode).toBe(200);
    expect((await h.app.inject({ url: '/alerts', headers: { 'x-api-key': key } })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/alerts', headers: { 'x-api-key': 'cwk_short' } })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/alerts', headers: { 'x-api-key': `cwk_${'A'.repeat(43)}` } })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/alerts', headers: { authorization: 'Basic dXNlcjpwYXNz' } })).statusCode).toBe(401);
    // Only the hash is stored.
    const rows = await h.store.client.query({ query: 'SELECT key_hash FROM api_permissions.api_keys', format: 'JSONEachRow' });
    const hashes = (await rows.json<{ key_hash: string }>()).map((r) => r.key_hash);
    expect(hashes).not.toContain(key);
    expect(hashes.every((x) => /^[0-9a-f]{64}$/.test(x))).toBe(true);
  });

  it('names are resolved only for privacy officers and admins', async () => {
    for (const role of ['analyst'] as const) {
      const res = await h.app.inject({ url: '/alerts?resolveNames=true', headers: h.as[role] });
      expect(res.statusCode).toBe(403);
    }
    for (const role of ['privacy_officer', 'admin'] as const) {
      const res = await h.app.inject({ url: '/alerts?resolveNames=true', headers: h.as[role] });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toHaveProperty('names');
    }
    const plain = await h.app.inject({ url: '/alerts', headers: h.as.analyst });
    expect(JSON.parse(plain.body)).not.toHaveProperty('names');
  });
});
