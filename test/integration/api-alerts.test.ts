import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@chartwatch/detect';
import type { ApiHarness } from './api-harness.ts';
import { json, makeAlert, makeEvent, openHarness } from './api-harness.ts';

/** The triage queue and the alert lifecycle over a real ClickHouse engine (chDB). */

let h: ApiHarness;
const NOW = new Date('2025-03-10T12:00:00.000Z');
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const RULES = ['vip-snoop', 'after-hours-bulk', 'vendor-over-quota'] as const;

const queue: Alert[] = [];
const evidence = [
  makeEvent({ eventId: 'ev-evidence-1', actorId: 'u-bob', patientIds: ['p-vip'], time: '2025-03-05T02:10:00.000Z' }),
  makeEvent({ eventId: 'ev-evidence-2', actorId: 'u-bob', patientIds: ['p-vip', 'p-2'], time: '2025-03-05T02:20:00.000Z' }),
  makeEvent({ eventId: 'ev-unrelated', actorId: 'u-bob', patientIds: ['p-3'], time: '2025-03-05T02:30:00.000Z' }),
];

beforeAll(async () => {
  h = await openHarness('api_alerts', { clock: () => NOW });
  for (let i = 0; i < 40; i++) {
    queue.push(
      makeAlert({
        alertId: `al-q-${String(i).padStart(2, '0')}`,
        ruleId: RULES[i % 3],
        severity: SEVERITIES[i % 4],
        actorId: i % 5 === 0 ? 'app-billing' : `u-${i % 4}`,
        actorKind: i % 5 === 0 ? 'application' : 'user',
        patientIds: [`p-${i % 7}`],
        // Some share a firing time so the alert id must break ties.
        firedAt: new Date(Date.parse('2025-03-01T00:00:00.000Z') + Math.floor(i / 2) * 3_600_000).toISOString(),
      }),
    );
  }
  queue.push(
    makeAlert({
      alertId: 'al-bob',
      ruleId: 'vip-snoop',
      actorId: 'u-bob',
      patientIds: ['p-vip'],
      evidenceEventIds: ['ev-evidence-1', 'ev-evidence-2'],
      evidenceCount: 2,
      windowStart: '2025-03-05T00:00:00.000Z',
      windowEnd: '2025-03-06T00:00:00.000Z',
      firedAt: '2025-03-05T02:10:00.000Z',
      explanation: 'u-bob opened the chart of VIP patient p-vip at 2025-03-05T02:10:00.000Z with no encounter in their department',
    }),
  );
  await h.store.writeEvents(evidence);
  await h.store.writeAlerts(queue);
});
afterAll(async () => {
  await h?.close();
});

type Item = Alert & { triage: { status: string; version: number; assignee: string | null; resolution: string | null } };
type Page = { items: Item[]; nextCursor: string | null };

async function allPages(query: string, limit: number): Promise<Item[]> {
  const out: Item[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const res: { statusCode: number; body: string } = await h.app.inject({ url: `/alerts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, headers: h.as.analyst });
    expect(res.statusCode, res.body).toBe(200);
    const page: Page = json<Page>(res);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return out;
  }
  throw new Error('pagination did not end');
}

describe('alert list', () => {
  it('pages by cursor over (firedAt desc, alertId) without gaps or repeats', async () => {
    const items = await allPages('sort=-firedAt', 7);
    const expected = [...queue].sort((a, b) => (a.firedAt === b.firedAt ? (a.alertId < b.alertId ? 1 : -1) : a.firedAt < b.firedAt ? 1 : -1));
    expect(items.map((i) => i.alertId)).toEqual(expected.map((a) => a.alertId));
    expect(items.every((i) => i.triage.status === 'new' && i.triage.version === 0)).toBe(true);
  });

  it('sorts ascending and by severity, paging consistently', async () => {
    const asc = await allPages('sort=firedAt', 9);
    expect(asc.map((i) => i.alertId)).toEqual(
      [...queue].sort((a, b) => (a.firedAt === b.firedAt ? (a.alertId < b.alertId ? -1 : 1) : a.firedAt < b.firedAt ? -1 : 1)).map((a) => a.alertId),
    );
    const bySeverity = await allPages('sort=-severity', 6);
    const rank = { low: 1, medium: 2, high: 3, critical: 4 };
    expect(bySeverity).toHaveLength(queue.length);
    for (let i = 1; i < bySeverity.length; i++) expect(rank[bySeverity[i - 1]!.severity]).toBeGreaterThanOrEqual(rank[bySeverity[i]!.severity]);
    expect(new Set(bySeverity.map((i) => i.alertId)).size).toBe(queue.length);
  });

  it('filters by severity, rule, actor, patient, application and time range', async () => {
    const check = async (q: string, pred: (a: Alert) => boolean) => {
      const got = (await allPages(q, 50)).map((i) => i.alertId).sort();
      expect(got, q).toEqual(queue.filter(pred).map((a) => a.alertId).sort());
      expect(got.length, q).toBeGreaterThan(0);
    };
    await check('severity=critical,high', (a) => a.severity === 'critical' || a.severity === 'high');
    await check('rule=vendor-over-quota', (a) => a.ruleId === 'vendor-over-quota');
    await check('actor=u-1', (a) => a.actorId === 'u-1');
    await check('patient=p-3', (a) => a.patientIds.includes('p-3'));
    await check('application=app-billing', (a) => a.actorId === 'app-billing');
    await check('from=2025-03-01T05:00:00Z&to=2025-03-01T10:00:00Z', (a) => a.firedAt >= '2025-03-01T05:00:00.000Z' && a.firedAt < '2025-03-01T10:00:00.000Z');
    await check('severity=low&rule=vip-snoop', (a) => a.severity === 'low' && a.ruleId === 'vip-snoop');
  });

  it('rejects bad filters with a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['status=open', 'query.status'],
      ['severity=urgent', 'query.severity'],
      ['limit=0', 'query.limit'],
      ['limit=201', 'query.limit'],
      ['sort=priority', 'query.sort'],
      ['from=yesterday', 'query.from'],
      ['from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z', 'query.to'],
      ['cursor=not-a-cursor!', 'query.cursor'],
      ['cursor=eyJ4IjoxfQ', 'query.cursor'],
      ['actor=%27%3B%20DROP%20TABLE%20alerts%3B--', 'query.actor'],
      ['colour=blue', 'query.colour'],
    ];
    for (const [q, field] of cases) {
      const res = await h.app.inject({ url: `/alerts?${q}`, headers: h.as.analyst });
      expect(res.statusCode, q).toBe(400);
      const body = json<{ error: string; field: string; message: string }>(res);
      expect(body.error, q).toBe('CW_ERR_VALIDATION');
      // List parameters name the element too (query.status.0).
      expect(body.field === field || body.field.startsWith(`${field}.`), `${q}: ${body.field}`).toBe(true);
      expect(body.message.startsWith(body.field), q).toBe(true);
    }
    // A cursor issued for one sort is refused for another.
    const first = json<Page>(await h.app.inject({ url: '/alerts?limit=2&sort=-firedAt', headers: h.as.analyst }));
    const res = await h.app.inject({ url: `/alerts?limit=2&sort=-severity&cursor=${first.nextCursor}`, headers: h.as.analyst });
    expect(json(res)).toMatchObject({ error: 'CW_ERR_VALIDATION', field: 'query.cursor' });
  });
});

describe('alert detail', () => {
  it('shows the explanation and exactly the evidence events', async () => {
    const res = await h.app.inject({ url: '/alerts/al-bob', headers: h.as.analyst });
    expect(res.statusCode).toBe(200);
    const body = json<Item & { evidence: { eventId: string; patientIds: string[] }[] }>(res);
    expect(body.explanation).toContain('VIP patient p-vip');
    expect(body.evidence.map((e) => e.eventId)).toEqual(['ev-evidence-1', 'ev-evidence-2']);
    expect(body.evidence[1]?.patientIds).toEqual(['p-vip', 'p-2']);
    expect(body.triage.status).toBe('new');
    expect((await h.app.inject({ url: '/alerts/al-missing', headers: h.as.analyst })).statusCode).toBe(404);
  });
});

describe('lifecycle', () => {
  const id = 'al-q-07';
  const transition = (payload: object, role: 'analyst' | 'privacy_officer' = 'analyst') =>
    h.app.inject({ method: 'POST', url: `/alerts/${id}/transition`, headers: h.as[role], payload });

  it('new → investigating → closed, with assignment and comments, every change in history', async () => {
    expect((await transition({ to: 'closed', reason: 'x' })).statusCode).toBe(400); // closing needs a resolution
    const inv = await transition({ to: 'investigating', reason: 'looking into it', expectedVersion: 0 });
    expect(inv.statusCode, inv.body).toBe(200);
    expect(json<{ triage: { status: string; version: number } }>(inv).triage).toMatchObject({ status: 'investigating', version: 1 });

    // A stale version is a conflict, as is an illegal move.
    expect((await transition({ to: 'closed', resolution: 'benign', reason: 'x', expectedVersion: 0 })).statusCode).toBe(409);
    expect((await transition({ to: 'investigating', reason: 'again' })).statusCode).toBe(409);

    const assign = await h.app.inject({ method: 'POST', url: `/alerts/${id}/assign`, headers: h.as.analyst, payload: { assignee: 'key:analyst-2' } });
    expect(assign.statusCode).toBe(200);
    const comment = await h.app.inject({ method: 'POST', url: `/alerts/${id}/comments`, headers: h.as.privacy_officer, payload: { body: 'Spoke to the manager.' } });
    expect(comment.statusCode).toBe(201);

    const close = await transition({ to: 'closed', resolution: 'confirmed', reason: 'confirmed snooping; HR informed' });
    expect(close.statusCode, close.body).toBe(200);
    expect(json<{ triage: { status: string; resolution: string; version: number } }>(close).triage).toMatchObject({
      status: 'closed',
      resolution: 'confirmed',
      version: 4,
    });

    const history = json<{ items: { version: number; change: string; from: string; to: string; reason: string }[] }>(
      await h.app.inject({ url: `/alerts/${id}/history`, headers: h.as.analyst }),
    ).items;
    expect(history.map((e) => [e.version, e.change, e.from, e.to])).toEqual([
      [1, 'status', 'new', 'investigating'],
      [2, 'assignment', '', 'key:analyst-2'],
      [3, 'comment', '', ''],
      [4, 'status', 'investigating', 'closed:confirmed'],
    ]);
    expect(history[3]?.reason).toBe('confirmed snooping; HR informed');

    // The queue sees the state: filters by status and assignee.
    const closed = await allPages('status=closed', 50);
    expect(closed.map((i) => i.alertId)).toEqual([id]);
    expect(closed[0]?.triage).toMatchObject({ status: 'closed', resolution: 'confirmed', assignee: 'key:analyst-2' });
    const open = await allPages('status=new,investigating', 50);
    expect(open).toHaveLength(queue.length - 1);
    expect((await allPages('assignee=key:analyst-2', 50)).map((i) => i.alertId)).toEqual([id]);
    // Paging with a triage filter still works.
    expect((await allPages('status=new', 4)).length).toBe(queue.length - 1);

    // Reopen.
    const reopen = await transition({ to: 'investigating', reason: 'new evidence' });
    expect(json<{ triage: { status: string; resolution: unknown } }>(reopen).triage).toMatchObject({ status: 'investigating', resolution: null });
  });

  it('closing as a false positive creates a scoped suppression', async () => {
    // Suppressing needs the suppress permission (privacy officer, admin), whichever route asks.
    const res = await h.app.inject({
      method: 'POST',
      url: '/alerts/al-bob/transition',
      headers: h.as.privacy_officer,
      payload: { to: 'closed', resolution: 'false_positive', reason: 'covering physician', suppress: { patientId: 'p-vip', days: 14 } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = json<{ suppression: Record<string, unknown>; triage: { version: number } }>(res);
    expect(body.suppression).toMatchObject({
      ruleId: 'vip-snoop',
      actorId: 'u-bob',
      patientId: 'p-vip',
      sourceAlertId: 'al-bob',
      expiresAt: '2025-03-24T12:00:00.000Z',
      revokedAt: null,
    });
    const list = json<{ items: { suppressionId: string }[] }>(await h.app.inject({ url: '/suppressions?active=true', headers: h.as.analyst }));
    expect(list.items.map((s) => s.suppressionId)).toContain(body.suppression['suppressionId']);
    const history = json<{ items: { change: string; refId: string }[] }>(await h.app.inject({ url: '/alerts/al-bob/history', headers: h.as.analyst })).items;
    expect(history.map((e) => e.change)).toEqual(['status', 'suppression']);

    // A suppression needs a false positive, and a patient of the alert.
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/alerts/al-q-01/transition',
      headers: h.as.analyst,
      payload: { to: 'closed', resolution: 'benign', reason: 'x', suppress: {} },
    });
    expect(json(wrong)).toMatchObject({ error: 'CW_ERR_VALIDATION', field: 'body.suppress' });
    const notHis = await h.app.inject({
      method: 'POST',
      url: '/alerts/al-q-01/transition',
      headers: h.as.privacy_officer,
      payload: { to: 'closed', resolution: 'false_positive', reason: 'x', suppress: { patientId: 'p-nobody' } },
    });
    expect(json(notHis)).toMatchObject({ error: 'CW_ERR_VALIDATION', field: 'body.suppress.patientId' });

    // Revoking (privacy officer) takes it out of the active list.
    const id = String(body.suppression['suppressionId']);
    expect((await h.app.inject({ method: 'DELETE', url: `/suppressions/${id}`, headers: h.as.analyst })).statusCode).toBe(403);
    const revoked = await h.app.inject({ method: 'DELETE', url: `/suppressions/${id}`, headers: h.as.privacy_officer });
    expect(json<{ suppression: { revokedAt: string } }>(revoked).suppression.revokedAt).toBe(NOW.toISOString());
    const after = json<{ items: { suppressionId: string }[] }>(await h.app.inject({ url: '/suppressions?active=true', headers: h.as.analyst }));
    expect(after.items.map((s) => s.suppressionId)).not.toContain(id);
  });

  it('concurrent changes to one alert are serialised: versions stay unique', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        h.app.inject({ method: 'POST', url: '/alerts/al-q-11/comments', headers: h.as.analyst, payload: { body: `note ${i}` } }),
      ),
    );
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    const history = json<{ items: { version: number }[] }>(await h.app.inject({ url: '/alerts/al-q-11/history', headers: h.as.analyst })).items;
    expect(history.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const comments = json<{ items: { body: string }[] }>(await h.app.inject({ url: '/alerts/al-q-11/comments', headers: h.as.analyst })).items;
    expect(comments.map((c) => c.body).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `note ${i}`));
  });
});
