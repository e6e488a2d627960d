import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@chartwatch/detect';
import { apiMigrations, recordChange } from '@chartwatch/store';
import type { AlertStatus, AlertTriage } from '@chartwatch/store';
import type { ApiHarness } from './api-harness.ts';
import { json, makeAlert, openHarness } from './api-harness.ts';

/**
 * The triage queue's paging under triage filters: the list decides status
 * and assignee on each alert's current triage, reading the queue in sort
 * order until the page is full, and narrows in SQL first (to alerts that
 * ever had the status or assignee, or, after two short reads, to the exact
 * current set). Every page here must be what filtering the whole queue and
 * cutting it at the cursor gives.
 */

let h: ApiHarness;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;
const queue: Alert[] = [];
/** The triage each alert should have, as the list must report it. */
const triage = new Map<string, { status: AlertStatus; assignee: string | null; version: number }>();
const AT = '2025-03-20T00:00:00.000Z';

async function mergesOf(tables: string[], action: 'STOP' | 'START'): Promise<void> {
  for (const t of tables) await h.store.client.command({ query: `SYSTEM ${action} MERGES \`${h.store.database}\`.${t}` });
}

async function change(alertId: string, status: AlertStatus, assignee: string | null): Promise<void> {
  const version = (triage.get(alertId)?.version ?? 0) + 1;
  const next: AlertTriage = {
    alertId,
    status,
    resolution: status === 'closed' ? 'benign' : null,
    reason: 'test',
    assignee,
    updatedAt: AT,
    updatedBy: 'key:test',
    version,
  };
  await recordChange(h.store, next, {
    alertId,
    version,
    at: AT,
    principalId: 'key:test',
    principalRole: 'analyst',
    change: 'status',
    from: triage.get(alertId)?.status ?? 'new',
    to: status,
    reason: 'test',
    refId: '',
  });
  triage.set(alertId, { status, assignee, version });
}

beforeAll(async () => {
  h = await openHarness('api_alert_queue');
  // Merges would fold the duplicates and superseded triage versions away at their own pace;
  // held off, every page below meets them, as a list read right after the writes would.
  await mergesOf(['alert_queue', 'alert_state_by_id'], 'STOP');
  for (let i = 0; i < 60; i++) {
    queue.push(
      makeAlert({
        alertId: `al-tq-${String(i).padStart(2, '0')}`,
        severity: SEVERITIES[(i * 7) % 4],
        actorId: `u-${i % 3}`,
        // Pairs share a firing time, so the alert id breaks ties.
        firedAt: new Date(Date.parse('2025-03-01T00:00:00.000Z') + Math.floor(i / 2) * 3_600_000).toISOString(),
      }),
    );
  }
  await h.store.writeAlerts(queue);
  // Stored twice (a redelivered batch): the queue holds each of these twice until a merge.
  await h.store.writeAlerts(queue.filter((_, i) => i % 9 === 0));
  // The newest 40 were taken up and closed, so a list of new alerts finds none
  // in its first reads; every third of those went through one analyst and was
  // handed to another, so 'ever assigned' is not 'assigned now'.
  for (let i = 20; i < 60; i++) {
    const id = queue[i]!.alertId;
    await change(id, 'investigating', i % 3 === 0 ? 'key:ann' : 'key:bea');
    if (i % 3 === 0) await change(id, 'investigating', 'key:bea');
    if (i % 4 !== 0) await change(id, 'closed', triage.get(id)!.assignee);
  }
  // Touched but still new: assigned without a status change.
  for (const i of [3, 11]) await change(queue[i]!.alertId, 'new', 'key:ann');
});
afterAll(async () => {
  await h?.close();
});

type Item = Alert & { triage: { status: string; assignee: string | null; version: number } };
type Page = { items: Item[]; nextCursor: string | null };

async function allPages(query: string, limit: number): Promise<Item[]> {
  const out: Item[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 200; guard++) {
    const res: { statusCode: number; body: string } = await h.app.inject({ url: `/alerts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, headers: h.as.analyst });
    expect(res.statusCode, res.body).toBe(200);
    const page = json<Page>(res);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return out;
  }
  throw new Error('pagination did not end');
}

const SORTS = ['-firedAt', 'firedAt', '-severity', 'severity'] as const;

function sorted(alerts: Alert[], sort: (typeof SORTS)[number]): string[] {
  const dir = sort.startsWith('-') ? -1 : 1;
  const bySeverity = sort.endsWith('severity');
  return [...alerts]
    .sort((a, b) => {
      const s = bySeverity ? RANK[a.severity] - RANK[b.severity] : 0;
      const t = s !== 0 ? s : a.firedAt === b.firedAt ? (a.alertId < b.alertId ? -1 : 1) : a.firedAt < b.firedAt ? -1 : 1;
      return dir * t;
    })
    .map((a) => a.alertId);
}

const current = (a: Alert) => triage.get(a.alertId) ?? { status: 'new' as AlertStatus, assignee: null, version: 0 };

const FILTERS: [string, (a: Alert) => boolean][] = [
  ['status=new', (a) => current(a).status === 'new'],
  ['status=closed', (a) => current(a).status === 'closed'],
  ['status=investigating', (a) => current(a).status === 'investigating'],
  ['status=new,investigating', (a) => current(a).status !== 'closed'],
  ['assignee=key:ann', (a) => current(a).assignee === 'key:ann'],
  ['assignee=key:bea&status=investigating', (a) => current(a).assignee === 'key:bea' && current(a).status === 'investigating'],
  ['status=new&actor=u-1', (a) => current(a).status === 'new' && a.actorId === 'u-1'],
  ['severity=critical', (a) => a.severity === 'critical'],
  ['', () => true],
];

describe('alert list under triage filters', () => {
  it('pages every filter and sort as the whole filtered queue, each alert once, with its current triage', async () => {
    for (const [filter, pred] of FILTERS) {
      for (const sort of SORTS) {
        for (const limit of [3, 50]) {
          const q = `${filter}${filter ? '&' : ''}sort=${sort}`;
          const items = await allPages(q, limit);
          expect(items.map((i) => i.alertId), `${q} limit ${limit}`).toEqual(sorted(queue.filter(pred), sort));
          for (const i of items) expect(i.triage, i.alertId).toMatchObject(current(i));
        }
      }
    }
  });

  it('shows a change in the next list', async () => {
    const id = queue[5]!.alertId;
    expect((await allPages('status=new', 50)).map((i) => i.alertId)).toContain(id);
    await change(id, 'closed', 'key:bea');
    expect((await allPages('status=new', 50)).map((i) => i.alertId)).not.toContain(id);
    expect((await allPages('status=closed&assignee=key:bea', 50)).map((i) => i.alertId)).toContain(id);
  });

  it('lists the same after the queue and triage migrations run again over stored data', async () => {
    const before = await allPages('sort=-severity', 50);
    // The MATERIALIZE mutations run as merges.
    await mergesOf(['alert_queue', 'alert_state_by_id'], 'START');
    const db = `\`${h.store.database}\``;
    for (const m of apiMigrations.filter((x) => x.version === 1007 || x.version === 1008)) {
      for (const statement of m.statements({ db })) await h.store.client.command({ query: statement });
    }
    expect(await allPages('sort=-severity', 50)).toEqual(before);
    const closed = queue.filter((a) => current(a).status === 'closed');
    expect((await allPages('status=closed&sort=-severity', 4)).map((i) => i.alertId)).toEqual(sorted(closed, '-severity'));
  });
});
