import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listApiAudit } from '@chartwatch/store';
import { createApiKey, createAuthenticator } from '../../services/api/src/index.ts';
import type { ApiHarness } from './api-harness.ts';
import { json, makeAlert, openHarness } from './api-harness.ts';

/**
 * Least privilege and the audit trail, as a security tester probes them:
 * each test here failed before its fix (issue 18, findings 1, 2, 3, 4, 5,
 * 6 and 9).
 */

let h: ApiHarness;
let now = new Date('2025-03-10T12:00:00.000Z');

beforeAll(async () => {
  h = await openHarness('api_security', { clock: () => now });
  await h.store.writeAlerts([
    makeAlert({ alertId: 'al-sec-1', actorId: 'u-sec-a', patientIds: ['p-sec-1'], firedAt: '2025-03-09T10:00:00.000Z' }),
    makeAlert({ alertId: 'al-sec-2', actorId: 'u-sec-b', patientIds: ['p-sec-2', 'p-sec-3'], firedAt: '2025-03-09T11:00:00.000Z' }),
    makeAlert({ alertId: 'al-sec-3', actorId: 'u-sec-c', patientIds: ['p-sec-4'], firedAt: '2025-03-09T12:00:00.000Z' }),
  ]);
});
afterAll(async () => {
  await h?.close();
});

/** The audit rows of one request, read straight from the table: no flush, no wait. */
async function auditOf(requestId: string) {
  const rows = await listApiAudit(h.store, { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z', limit: 100_000 });
  return rows.filter((r) => r.requestId === requestId);
}

describe('finding 1: suppressing through a transition needs the suppress permission', () => {
  it('refuses the analyst 403 and creates nothing; a privacy officer may', async () => {
    const body = { to: 'closed', resolution: 'false_positive', reason: 'fp', suppress: { days: 365 } };
    const res = await h.app.inject({ method: 'POST', url: '/alerts/al-sec-1/transition', headers: h.as.analyst, payload: body });
    expect(res.statusCode, res.body).toBe(403);
    const list = json<{ items: unknown[] }>(await h.app.inject({ url: '/suppressions?actor=u-sec-a', headers: h.as.analyst }));
    expect(list.items).toEqual([]);
    // Closing without a suppression stays the analyst's to do.
    const plain = await h.app.inject({ method: 'POST', url: '/alerts/al-sec-3/transition', headers: h.as.analyst, payload: { to: 'closed', resolution: 'false_positive', reason: 'fp' } });
    expect(plain.statusCode, plain.body).toBe(200);
    const po = await h.app.inject({ method: 'POST', url: '/alerts/al-sec-1/transition', headers: h.as.privacy_officer, payload: body });
    expect(po.statusCode, po.body).toBe(200);
    const [row] = await auditOf(String(po.headers['x-request-id']));
    expect(row?.subjectIds).toEqual([json<{ suppression: { suppressionId: string } }>(po).suppression.suppressionId]);
  });
});

describe('finding 2: a list answer records every patient it served', () => {
  it('GET /alerts?resolveNames=true records the patients of every alert on the page', async () => {
    const res = await h.app.inject({ url: '/alerts?actor=u-sec-b&resolveNames=true', headers: h.as.privacy_officer });
    expect(res.statusCode, res.body).toBe(200);
    const [row] = await auditOf(String(res.headers['x-request-id']));
    expect(new Set(row?.patientIds)).toEqual(new Set(['p-sec-2', 'p-sec-3']));
    const all = await h.app.inject({ url: '/alerts', headers: h.as.analyst });
    const [allRow] = await auditOf(String(all.headers['x-request-id']));
    expect(new Set(allRow?.patientIds)).toEqual(new Set(['p-sec-1', 'p-sec-2', 'p-sec-3', 'p-sec-4']));
  });
});

describe('finding 3: the audit row is stored before the data leaves', () => {
  it('a 200 has its row in the table when the client gets it', async () => {
    const res = await h.app.inject({ url: '/patients/p-sec-1/access-report', headers: h.as.privacy_officer });
    expect(res.statusCode).toBe(200);
    expect((await auditOf(String(res.headers['x-request-id']))).map((r) => r.patientIds)).toEqual([['p-sec-1']]);
  });

  it('when the row cannot be stored, the caller gets 503 and no patient data', async () => {
    const t = `\`${h.store.database}\`.api_audit`;
    await h.store.client.command({ query: `RENAME TABLE ${t} TO \`${h.store.database}\`.api_audit_away` });
    try {
      const res = await h.app.inject({ url: '/alerts/al-sec-2', headers: h.as.privacy_officer });
      expect(res.statusCode).toBe(503);
      expect(json(res)['error']).toBe('CW_ERR_AUDIT_UNAVAILABLE');
      expect(res.body).not.toContain('p-sec-2');
      const csv = await h.app.inject({ url: '/patients/p-sec-1/access-report?format=csv', headers: h.as.privacy_officer });
      expect(csv.statusCode).toBe(503);
      expect(csv.headers['content-disposition']).toBeUndefined();
    } finally {
      await h.store.client.command({ query: `RENAME TABLE \`${h.store.database}\`.api_audit_away TO ${t}` });
    }
    expect((await h.app.inject({ url: '/alerts/al-sec-2', headers: h.as.privacy_officer })).statusCode).toBe(200);
  });
});

describe('finding 4: PHI answers are not cached and not sniffed', () => {
  it('sets Cache-Control: no-store and X-Content-Type-Options: nosniff on API answers', async () => {
    for (const url of ['/alerts', '/patients/p-sec-1/access-report?format=csv', '/alerts/nope']) {
      const res = await h.app.inject({ url, headers: h.as.privacy_officer });
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });
});

describe('finding 5: admin and security actions are on the audit trail', () => {
  it('records key creation and revocation and suppression creation and revocation with what they touched', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api-keys', headers: h.as.admin, payload: { name: 'audited', role: 'auditor' } });
    expect(created.statusCode, created.body).toBe(201);
    const keyId = json<{ keyId: string }>(created).keyId;
    const revoked = await h.app.inject({ method: 'DELETE', url: `/api-keys/${keyId}`, headers: h.as.admin });
    const sup = await h.app.inject({
      method: 'POST',
      url: '/suppressions',
      headers: h.as.privacy_officer,
      payload: { ruleId: 'vip-snoop', actorId: 'u-sec-c', patientId: 'p-sec-4', expiresAt: '2025-04-01T00:00:00.000Z', reason: 'known' },
    });
    expect(sup.statusCode, sup.body).toBe(201);
    const supId = json<{ suppression: { suppressionId: string } }>(sup).suppression.suppressionId;
    const supRevoked = await h.app.inject({ method: 'DELETE', url: `/suppressions/${supId}`, headers: h.as.privacy_officer });
    expect(supRevoked.statusCode).toBe(200);
    const rows = await Promise.all([created, revoked, sup, supRevoked].map(async (r) => (await auditOf(String(r.headers['x-request-id'])))[0]));
    expect(rows.map((r) => [r?.routeId, r?.subjectIds])).toEqual([
      ['keys.create', [keyId]],
      ['keys.revoke', [keyId]],
      ['suppressions.create', [supId]],
      ['suppressions.revoke', [supId]],
    ]);
    expect(rows[2]?.patientIds).toEqual(['p-sec-4']);
    expect(rows[2]?.principalId).toMatch(/^key:/);
  });
});

describe('finding 6: keys expire and record their last use', () => {
  it('refuses a key after its expiry and shows when each key was last used', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api-keys', headers: h.as.admin, payload: { name: 'short', role: 'analyst', expiresAt: '2025-03-10T13:00:00.000Z' } });
    expect(res.statusCode, res.body).toBe(201);
    const { key, keyId, expiresAt } = json<{ key: string; keyId: string; expiresAt: string }>(res);
    expect(expiresAt).toBe('2025-03-10T13:00:00.000Z');
    expect((await h.app.inject({ url: '/alerts', headers: { 'x-api-key': key } })).statusCode).toBe(200);
    await vi.waitFor(async () => {
      const keys = json<{ items: { keyId: string; lastUsedAt: string | null }[] }>(await h.app.inject({ url: '/api-keys', headers: h.as.admin })).items;
      expect(keys.find((k) => k.keyId === keyId)?.lastUsedAt).toBe(now.toISOString());
    });
    const saved = now;
    now = new Date('2025-03-10T13:00:00.001Z');
    try {
      const late = await h.app.inject({ url: '/alerts', headers: { 'x-api-key': key } });
      expect(late.statusCode).toBe(401);
      expect(late.body).toContain('expired');
    } finally {
      now = saved;
    }
    const past = await h.app.inject({ method: 'POST', url: '/api-keys', headers: h.as.admin, payload: { name: 'past', role: 'analyst', expiresAt: '2025-03-10T11:00:00.000Z' } });
    expect(past.statusCode).toBe(400);
  });
});

describe('finding 9: the rate limiter runs before authentication; the key cache evicts one at a time', () => {
  it('a rate-limited request costs no key look-up', async () => {
    const limited = await openHarness('api_security_limit', { env: { API_RATE_LIMIT_MAX: '2', API_KEY_CACHE_MS: '0' } });
    try {
      const query = vi.spyOn(limited.store.client, 'query');
      const keyLookUps = () => query.mock.calls.filter(([p]) => String(p.query).includes('api_keys')).length;
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await limited.app.inject({ url: '/me', headers: limited.as.analyst })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      expect(keyLookUps()).toBe(2);
      // Another caller's credential has its own budget.
      expect((await limited.app.inject({ url: '/me', headers: limited.as.admin })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('when the cache is full, only the least recently used key is forgotten', async () => {
    const keys = await Promise.all(['a', 'b', 'c'].map((n) => createApiKey(h.store, { name: `lru-${n}`, role: 'analyst', createdBy: 'test', at: now.toISOString() })));
    const auth = createAuthenticator({ db: h.store, oidc: null, cacheMs: 3_600_000, now: () => now.getTime(), maxCached: 2 });
    const query = vi.spyOn(h.store.client, 'query');
    const lookUps = () => query.mock.calls.filter(([p]) => String(p.query).includes('api_keys')).length;
    const use = (i: number) => auth.authenticate({ 'x-api-key': keys[i]?.key });
    await use(0);
    await use(1);
    await use(0);
    await use(2); // evicts key 1, the least recently used
    const before = lookUps();
    await use(0);
    await use(2);
    expect(lookUps()).toBe(before);
    await use(1);
    expect(lookUps()).toBe(before + 1);
    query.mockRestore();
  });
});

describe('minimum necessary (API_MINIMUM_NECESSARY=true)', () => {
  it("limits an analyst's patient data to the alerts assigned to them; privacy officers are not limited", async () => {
    const m = await openHarness('api_security_minimum', { env: { API_MINIMUM_NECESSARY: 'true' }, clock: () => now });
    try {
      await m.store.writeAlerts([
        makeAlert({ alertId: 'al-mn-mine', actorId: 'u-mn-a', patientIds: ['p-mn-1'], firedAt: '2025-03-09T10:00:00.000Z' }),
        makeAlert({ alertId: 'al-mn-other', actorId: 'u-mn-b', patientIds: ['p-mn-2'], firedAt: '2025-03-09T11:00:00.000Z' }),
      ]);
      const me = json<{ id: string }>(await m.app.inject({ url: '/me', headers: m.as.analyst }));
      const assign = await m.app.inject({ method: 'POST', url: '/alerts/al-mn-mine/assign', headers: m.as.analyst, payload: { assignee: me.id } });
      expect(assign.statusCode, assign.body).toBe(200);

      const code = async (url: string, headers = m.as.analyst) => (await m.app.inject({ url, headers })).statusCode;
      expect(await code('/patients/p-mn-1/access-report')).toBe(200);
      expect(await code('/patients/p-mn-2/access-report')).toBe(403);
      expect(await code('/alerts/al-mn-mine')).toBe(200);
      expect(await code('/alerts/al-mn-other')).toBe(403);
      expect(await code('/alerts/al-mn-other/history')).toBe(403);
      expect(await code('/actors/u-mn-a/timeline')).toBe(200);
      expect(await code('/actors/u-mn-b/timeline')).toBe(403);
      // The queue lists every alert (work can be picked up) without the patients of others' alerts, and records only what it showed.
      const list = await m.app.inject({ url: '/alerts', headers: m.as.analyst });
      const items = json<{ items: { alertId: string; patientIds: string[] }[] }>(list).items;
      expect(Object.fromEntries(items.map((i) => [i.alertId, i.patientIds]))).toEqual({ 'al-mn-mine': ['p-mn-1'], 'al-mn-other': [] });
      expect((await auditOfIn(m, String(list.headers['x-request-id'])))[0]?.patientIds).toEqual(['p-mn-1']);
      expect(await code('/patients/p-mn-2/access-report', m.as.privacy_officer)).toBe(200);
      expect(await code('/alerts/al-mn-other', m.as.privacy_officer)).toBe(200);
    } finally {
      await m.close();
    }
    // Off by default: the shared harness's analyst reads any patient's report.
    expect((await h.app.inject({ url: '/patients/p-sec-4/access-report', headers: h.as.analyst })).statusCode).toBe(200);
  });
});

async function auditOfIn(harness: ApiHarness, requestId: string) {
  const rows = await listApiAudit(harness.store, { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z', limit: 100_000 });
  return rows.filter((r) => r.requestId === requestId);
}
