import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHarness } from './api-harness.ts';
import { json, makeAlert, makeEvent, openHarness } from './api-harness.ts';

/**
 * Malformed and hostile requests: every one answered 4xx, none 5xx, the
 * process still serving afterwards; and injection strings written through
 * the API come back byte for byte.
 */

let h: ApiHarness;

beforeAll(async () => {
  h = await openHarness('api_hostile', { env: { API_BODY_LIMIT: '65536' } });
  await h.store.writeEvents([makeEvent({ eventId: 'ev-h1', patientIds: ['p-1'] })]);
  await h.store.writeAlerts([makeAlert({ alertId: 'al-h1', evidenceEventIds: ['ev-h1'] }), makeAlert({ alertId: 'al-h2' })]);
});
afterAll(async () => {
  await h?.close();
});

export const INJECTION_STRINGS = [
  "'; DROP TABLE alert_comments; --",
  '" OR ""="',
  "1' OR '1'='1",
  "x'); SELECT * FROM system.tables; --",
  '{id:String}',
  '{patient:Array(String)}',
  '${jndi:ldap://127.0.0.1/a}',
  '<script>alert(document.cookie)</script>',
  '<img src=x onerror=alert(1)>',
  '{{7*7}} #{7*7} <%= 7*7 %>',
  '../../../../etc/passwd',
  '\\N',
  '\\',
  'tab\there\nnewline\r\ncarriage',
  'nul\u0000byte',
  '=cmd|\' /C calc\'!A0',
  '+SUM(1,1)',
  '@import',
  '"}],"injected":true,"x":[{"',
  '😀 emoji, ünïcödé, 日本語, \u202eRTL override',
  '\uFEFFBOM',
  'a'.repeat(9000),
  '%00%27%22',
  'UNION ALL SELECT name, engine FROM system.tables FORMAT JSON',
  '$(rm -rf /)',
  '`whoami`',
];

/** Deterministic pseudo-random numbers, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

interface Case {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  payload?: string;
  why: string;
}

function buildCases(): Case[] {
  const r = rng(20250301);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const enc = encodeURIComponent;
  const cases: Case[] = [];
  const hostileValues = [
    ...INJECTION_STRINGS.filter((s) => s.length < 2000),
    '-1',
    '0',
    '1e309',
    'NaN',
    'Infinity',
    '99999999999999999999999',
    '',
    ' ',
    'null',
    'undefined',
    'true',
    '[]',
    '{}',
    'x'.repeat(5000),
    '2025-13-45T99:99:99Z',
    '2025-03-01',
    '1700000000',
  ];

  // 1. Query strings on every GET route with parameters: one bad parameter each.
  const getRoutes: { url: string; params: string[] }[] = [
    { url: '/alerts', params: ['status', 'severity', 'rule', 'actor', 'patient', 'application', 'detector', 'from', 'to', 'sort', 'limit', 'cursor', 'resolveNames'] },
    { url: '/patients/p-1/access-report', params: ['from', 'to', 'limit', 'cursor', 'format', 'resolveNames'] },
    { url: '/actors/u-alice/timeline', params: ['from', 'to', 'limit', 'cursor', 'format', 'part'] },
    { url: '/vendors/app-1/usage', params: ['from', 'to', 'format'] },
    { url: '/vendors', params: ['from', 'to'] },
    { url: '/audit', params: ['from', 'to', 'patient', 'alert', 'route', 'limit', 'cursor', 'format'] },
    { url: '/suppressions', params: ['rule', 'actor', 'active', 'limit'] },
    { url: '/alerts/al-h1', params: ['resolveNames'] },
  ];
  for (let i = 0; i < 420; i++) {
    const route = pick(getRoutes);
    const param = r() < 0.1 ? pick(['__proto__', 'constructor', 'prototype', 'x', 'limit[]', 'a[b][c]', '']) : pick(route.params);
    let value = pick(hostileValues);
    // Free-text-looking values that a parameter would accept are made invalid on purpose.
    if (['true', 'false', '0', '1'].includes(value) && ['resolveNames', 'active'].includes(param)) value = 'yes';
    if (param === 'limit' && /^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= 200) value = '0';
    // Id parameters accept any well-formed id ("NaN" is one): give them only what no id can be.
    if (['actor', 'patient', 'rule', 'alert', 'application', 'route'].includes(param) && /^[A-Za-z0-9][A-Za-z0-9._:@/|+-]{0,63}$/.test(value)) value = `${value}' OR '1'='1`;
    cases.push({ method: 'GET', url: `${route.url}?${enc(param)}=${enc(value)}`, headers: h.as.admin, why: `query ${param}` });
  }
  // Repeated parameters, arrays where scalars belong, and a huge query string.
  for (let i = 0; i < 40; i++) {
    cases.push({ method: 'GET', url: `/alerts?limit=5&limit=${i}&sort=-firedAt&sort=firedAt`, headers: h.as.analyst, why: 'repeated params' });
  }
  cases.push({ method: 'GET', url: `/alerts?actor=${'a'.repeat(200_000)}`, headers: h.as.analyst, why: 'huge query' });
  cases.push({ method: 'GET', url: `/alerts?${Array.from({ length: 2000 }, (_, i) => `k${i}=v`).join('&')}`, headers: h.as.analyst, why: 'many params' });

  // 2. Hostile path parameters.
  const paths = ['/alerts/%s', '/alerts/%s/history', '/alerts/%s/comments', '/patients/%s/access-report', '/actors/%s/timeline', '/vendors/%s/usage'];
  for (let i = 0; i < 180; i++) {
    const template = pick(paths);
    const value = r() < 0.15 ? 'x'.repeat(150 + Math.floor(r() * 300)) : pick(INJECTION_STRINGS.filter((s) => s.length < 150));
    cases.push({ method: 'GET', url: template.replace('%s', enc(value)), headers: h.as.admin, why: `path ${template}` });
  }
  cases.push({ method: 'GET', url: '/alerts/%E0%A4%A', headers: h.as.admin, why: 'broken percent-encoding' });
  cases.push({ method: 'GET', url: '/patients/%/access-report', headers: h.as.admin, why: 'lone percent' });

  // 3. Bodies: start from a valid body and break it one way each.
  const bodies: { url: string; valid: Record<string, unknown> }[] = [
    { url: '/alerts/al-h2/transition', valid: { to: 'investigating', reason: 'ok' } },
    { url: '/alerts/al-h2/assign', valid: { assignee: 'someone' } },
    { url: '/alerts/al-h2/comments', valid: { body: 'ok' } },
    { url: '/suppressions', valid: { ruleId: 'vip-snoop', actorId: 'u-1', expiresAt: '2099-01-01T00:00:00Z', reason: 'ok' } },
    { url: '/api-keys', valid: { name: 'ok', role: 'analyst' } },
  ];
  const wrongTypes = [null, 42, -1, 1.5, true, [], {}, ['a'], { $gt: '' }, 'x'.repeat(20_000), '', '   '];
  for (let i = 0; i < 360; i++) {
    const b = pick(bodies);
    const body: Record<string, unknown> = { ...b.valid };
    const keys = Object.keys(body);
    const mutation = Math.floor(r() * 5);
    if (mutation === 0) delete body[pick(keys)];
    else if (mutation === 1) body[pick(['__proto__x', 'extra', 'admin', 'role2', '$where'])] = pick(wrongTypes);
    else if (mutation === 2) {
      const k = pick(keys);
      // A wrong type for this key (never a value it accepts).
      const candidates = wrongTypes.filter((v) => !(k === 'assignee' && (v === null || (typeof v === 'string' && v.trim() !== '' && v.length <= 256))));
      body[k] = pick(candidates);
    } else if (mutation === 3) body[pick(keys.filter((k) => ['to', 'role', 'resolution', 'expiresAt', 'ruleId', 'actorId'].includes(k)).concat(['to']))] = pick(INJECTION_STRINGS.slice(0, 12));
    else body['suppress'] = pick([{ days: 0 }, { days: 10_000 }, { patientId: "' OR 1=1" }, 'yes', [1, 2]]);
    // Bodies that happen to stay valid are not hostile: skip them.
    const serialised = JSON.stringify(body);
    if (serialised === JSON.stringify(b.valid)) continue;
    if (b.url.endsWith('/assign') && !('assignee' in body)) {
      cases.push({ method: 'POST', url: b.url, headers: { ...h.as.analyst, 'content-type': 'application/json' }, payload: serialised, why: 'assign missing' });
      continue;
    }
    cases.push({ method: 'POST', url: b.url, headers: { ...h.as.admin, 'content-type': 'application/json' }, payload: serialised, why: `body ${b.url} m${mutation}` });
  }
  // Raw payloads: broken JSON, prototype pollution, wrong media types, huge and deep bodies.
  const raw: [string, string][] = [
    ['{', 'application/json'],
    ['{"to": "closed",', 'application/json'],
    ['null', 'application/json'],
    ['[]', 'application/json'],
    ['"just a string"', 'application/json'],
    ['{"__proto__": {"admin": true}, "body": "x"}', 'application/json'],
    ['{"constructor": {"prototype": {"admin": true}}, "body": "x"}', 'application/json'],
    ['<xml><body>x</body></xml>', 'application/xml'],
    ['body=x', 'application/x-www-form-urlencoded'],
    ['plain text', 'text/plain'],
    ['', 'application/json'],
    [`{"body": "${'x'.repeat(70_000)}"}`, 'application/json'],
    [`${'['.repeat(5000)}${']'.repeat(5000)}`, 'application/json'],
    [`{"body": ${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`, 'application/json'],
    ['\u0000\u0001\u0002', 'application/json'],
  ];
  for (let i = 0; i < 4; i++) {
    for (const [payload, type] of raw) {
      cases.push({ method: 'POST', url: pick(bodies).url, headers: { ...h.as.admin, 'content-type': type }, payload, why: `raw ${payload.slice(0, 20)} ${type}` });
    }
  }
  // 4. Credentials: malformed, forged, injected.
  const creds: Record<string, string>[] = [
    { authorization: 'Bearer' },
    { authorization: 'Bearer ' },
    { authorization: `Bearer ${"' OR 1=1 --"}` },
    { authorization: 'Bearer a.b.c' },
    { authorization: `Bearer ${'x'.repeat(20_000)}` },
    { authorization: 'Basic YWRtaW46YWRtaW4=' },
    { 'x-api-key': "cwk_' OR 1=1 --" },
    { 'x-api-key': `cwk_${'A'.repeat(43)}` },
    { 'x-api-key': '' },
    { 'x-api-key': 'x'.repeat(10_000) },
  ];
  for (let i = 0; i < 60; i++) {
    cases.push({ method: pick(['GET', 'POST', 'DELETE'] as const), url: pick(['/alerts', '/audit', '/api-keys', '/patients/p-1/access-report', '/me']), headers: pick(creds), why: 'credentials' });
  }
  // Unknown routes and methods.
  // ('/%2e%2e/%2e%2e/' alone is the root, which redirects to the dashboard: see below.)
  for (const url of ['/admin', '/../etc/passwd', '/alerts/al-h1/delete', '/%2e%2e/%2e%2e/etc/passwd', '/.env', '/docs/../../secret']) {
    cases.push({ method: 'GET', url, headers: h.as.admin, why: 'unknown route' });
  }
  cases.push({ method: 'DELETE', url: '/alerts/al-h1', headers: h.as.admin, why: 'unknown method' });
  return cases;
}

describe('hostile input', () => {
  it('answers at least 1,000 malformed or hostile requests with 4xx, never 5xx, and keeps serving', async () => {
    const cases = buildCases();
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const byStatus = new Map<number, number>();
    const unexpected: string[] = [];
    for (const c of cases) {
      const res = await h.app.inject({ method: c.method, url: c.url, headers: c.headers ?? {}, ...(c.payload !== undefined ? { payload: c.payload } : {}) });
      byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode < 400 || res.statusCode >= 500) unexpected.push(`${res.statusCode} ${c.why} ${c.method} ${c.url.slice(0, 120)} ${String(c.payload).slice(0, 120)}`);
      else if (res.headers['content-type']?.toString().includes('application/json')) {
        const body = JSON.parse(res.body) as { error?: string };
        if (!body.error?.startsWith('CW_ERR_')) unexpected.push(`no CW_ERR code: ${res.statusCode} ${c.why} ${res.body.slice(0, 120)}`);
      }
    }
    expect(unexpected).toEqual([]);
    expect([...byStatus.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    // Still alive and still correct.
    expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
    // Dot segments up to the root reach the root, which only sends a browser to the dashboard.
    const root = await h.app.inject({ url: '/%2e%2e/%2e%2e/' });
    expect([root.statusCode, root.headers['location']]).toEqual([302, '/ui/']);
    const alerts = await h.app.inject({ url: '/alerts', headers: h.as.analyst });
    expect(json<{ items: unknown[] }>(alerts).items).toHaveLength(2);
    const counts = await h.store.client.query({ query: 'SELECT count() AS n FROM api_hostile.alert_comments', format: 'JSONEachRow' });
    expect(await counts.json()).toHaveLength(1);
    // Validation errors name the field.
    const v = json<{ error: string; field: string }>(await h.app.inject({ url: '/alerts?limit=-1', headers: h.as.analyst }));
    expect(v).toMatchObject({ error: 'CW_ERR_VALIDATION', field: 'query.limit' });
    const b = json<{ field: string }>(
      await h.app.inject({ method: 'POST', url: '/alerts/al-h2/transition', headers: h.as.analyst, payload: { to: 'closed', resolution: 'maybe', reason: 'x' } }),
    );
    expect(b.field).toBe('body.resolution');
  });

  it('stores injection strings verbatim and returns them unchanged', async () => {
    for (const s of INJECTION_STRINGS) {
      const res = await h.app.inject({ method: 'POST', url: '/alerts/al-h1/comments', headers: h.as.analyst, payload: { body: s } });
      expect(res.statusCode, JSON.stringify(s.slice(0, 40))).toBe(201);
      expect(json<{ comment: { body: string } }>(res).comment.body).toBe(s);
    }
    const back = json<{ items: { body: string }[] }>(await h.app.inject({ url: '/alerts/al-h1/comments', headers: h.as.analyst })).items.map((c) => c.body);
    expect(back.sort()).toEqual([...INJECTION_STRINGS].sort());

    // Reasons (through the lifecycle, into history and a suppression) and key names too.
    const reason = INJECTION_STRINGS.slice(0, 6).join(' | ');
    const closed = await h.app.inject({
      method: 'POST',
      url: '/alerts/al-h1/transition',
      headers: h.as.privacy_officer,
      payload: { to: 'closed', resolution: 'false_positive', reason, suppress: { days: 3 } },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    const history = json<{ items: { reason: string }[] }>(await h.app.inject({ url: '/alerts/al-h1/history', headers: h.as.analyst })).items;
    expect(history.filter((e) => e.reason === reason)).toHaveLength(2);
    const sup = json<{ items: { reason: string }[] }>(await h.app.inject({ url: '/suppressions', headers: h.as.analyst })).items;
    expect(sup.map((s) => s.reason)).toContain(reason);
    const name = "O'Brien\"; DROP TABLE api_keys; -- <b>";
    const key = await h.app.inject({ method: 'POST', url: '/api-keys', headers: h.as.admin, payload: { name, role: 'auditor' } });
    expect(json<{ name: string }>(key).name).toBe(name);
    const keys = json<{ items: { name: string }[] }>(await h.app.inject({ url: '/api-keys', headers: h.as.admin })).items;
    expect(keys.map((k) => k.name)).toContain(name);
    // The tables are all still there.
    const tables = await h.store.client.query({ query: "SELECT name FROM system.tables WHERE database = 'api_hostile' ORDER BY name", format: 'JSONEachRow' });
    const names = (await tables.json<{ name: string }>()).map((t) => t.name);
    for (const t of ['alert_comments', 'alert_history', 'alert_state', 'alerts', 'api_audit', 'api_keys', 'suppressions', 'access_events']) expect(names).toContain(t);
  });

  it('limits the request rate per caller with 429', async () => {
    const limited = await openHarness('api_hostile_rate', { env: { API_RATE_LIMIT_MAX: '5', API_RATE_LIMIT_WINDOW_MS: '60000' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await limited.app.inject({ url: '/me', headers: limited.as.analyst })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      const res = await limited.app.inject({ url: '/me', headers: limited.as.analyst });
      expect(json(res)).toMatchObject({ error: 'CW_ERR_RATE_LIMITED' });
      expect(res.headers['retry-after']).toBeDefined();
      // Another caller has its own budget; health is never limited.
      expect((await limited.app.inject({ url: '/me', headers: limited.as.auditor })).statusCode).toBe(200);
      for (let i = 0; i < 10; i++) expect((await limited.app.inject({ url: '/health' })).statusCode).toBe(200);
      // Bad credentials are limited by address.
      const bad: number[] = [];
      for (let i = 0; i < 7; i++) bad.push((await limited.app.inject({ url: '/me', headers: { 'x-api-key': 'cwk_bad' }, remoteAddress: '10.9.9.9' })).statusCode);
      expect(bad.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(bad.slice(5)).toEqual([429, 429]);
    } finally {
      await limited.close();
    }
  });
});
