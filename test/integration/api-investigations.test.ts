import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import { migrateApiTables, openStore, patientAccessEvents } from '@chartwatch/store';
import type { ApiHarness } from './api-harness.ts';
import { json, makeAlert, makeEvent, openHarness } from './api-harness.ts';

/**
 * Investigations over a real engine: the patient access report equals the
 * events stored for that patient, the actor timeline and vendor usage add up,
 * names only for the roles allowed them, every patient-data read leaves an
 * audit row, and logs carry no patient id.
 */

let h: ApiHarness;
const NOW = new Date('2025-03-20T00:00:00.000Z');
const ACTORS = ['u-alice', 'u-bob', 'u-carol', 'u-dan'];
const PATIENTS = Array.from({ length: 12 }, (_, i) => `p-${i}`);
const events: AccessEvent[] = [];

function rand(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

beforeAll(async () => {
  h = await openHarness('api_investigations', { clock: () => NOW });
  const r = rand(7);
  const start = Date.parse('2025-03-01T00:00:00.000Z');
  for (let i = 0; i < 600; i++) {
    const nPatients = r() < 0.1 ? 3 : 1;
    const patientIds = [...new Set(Array.from({ length: nPatients }, () => PATIENTS[Math.floor(r() * PATIENTS.length)]!))];
    events.push(
      makeEvent({
        eventId: `ev-inv-${i}`,
        time: new Date(start + Math.floor(r() * 18 * 86_400_000)).toISOString(),
        actorId: ACTORS[i % ACTORS.length],
        patientIds,
        action: r() < 0.8 ? 'read' : 'update',
        resourceTypes: r() < 0.5 ? ['Patient'] : ['Observation', 'DocumentReference'],
        sensitivity: r() < 0.2 ? ['PSY'] : [],
        purposeOfUse: r() < 0.05 ? ['BTG'] : ['TREAT'],
        breakTheGlass: r() < 0.05,
        networkAddress: `10.0.${i % 3}.${i % 200}`,
        records: 1 + Math.floor(r() * 3),
      }),
    );
  }
  // A vendor application pulling records; over quota on two days.
  for (let d = 0; d < 18; d++) {
    const day = new Date(start + d * 86_400_000);
    const pulls = d === 15 ? 5000 : d === 16 ? 2600 : 400 + d * 10;
    events.push(
      makeEvent({
        eventId: `ev-app-${d}`,
        time: new Date(day.getTime() + 3_600_000).toISOString(),
        actorId: 'app-billing',
        actorKind: 'application',
        action: 'query',
        patientIds: [PATIENTS[d % PATIENTS.length]!],
        records: pulls,
      }),
    );
  }
  // A special patient whose id must never reach a log line.
  events.push(makeEvent({ eventId: 'ev-secret', actorId: 'u-bob', patientIds: ['p-secret-77'], time: '2025-03-10T09:00:00.000Z' }));
  await h.store.writeEvents(events);
  // Redelivery: the same events again must not double anything.
  await h.store.writeEvents(events.slice(0, 50));
  await h.store.writeAlerts([makeAlert({ alertId: 'al-inv', actorId: 'u-bob', patientIds: ['p-secret-77'], evidenceEventIds: ['ev-secret'] })]);
  await h.store.replaceReference({
    staff: ACTORS.map((a, i) => ({
      actorId: a,
      givenName: ['Alice', 'Bob', 'Carol', 'Dan'][i]!,
      familyName: 'Staffer',
      address: null,
      department: 'cardiology',
      role: 'physician',
      hiredAt: null,
      terminatedAt: null,
    })),
    patients: [
      { patientId: 'p-secret-77', givenName: 'Grace', familyName: 'Hopper', address: '1 Navy Way', birthDate: '1906-12-09', deceasedAt: null, vip: true, employeeActorId: null },
    ],
    vendors: [{ clientId: 'app-billing', name: 'Billing Co', dailyQuota: 2500 }],
    encounters: [],
  });
});
afterAll(async () => {
  await h?.close();
});

type Access = {
  time: string;
  eventId: string;
  actor: { id: string; kind: string; role: string | null; department: string | null; givenName?: string | null };
  action: string;
  resourceTypes: string[];
  sensitivity: string[];
  purposeOfUse: string[];
  breakTheGlass: boolean;
  outcome: string;
  records: number;
  sourceSystem: string | null;
  networkAddress: string | null;
};

/** An event as the access report shows it. */
const asAccess = (e: AccessEvent) => ({
  time: e.time,
  eventId: e.eventId,
  actor: e.actor,
  action: e.action,
  resourceTypes: e.resourceTypes,
  sensitivity: e.sensitivity,
  purposeOfUse: e.purposeOfUse,
  breakTheGlass: e.breakTheGlass,
  outcome: e.outcome,
  records: e.records,
  sourceSystem: e.sourceSystem,
  networkAddress: e.networkAddress,
  patientsInAccess: e.patientIds.length,
});
const byTimeDesc = (a: AccessEvent, b: AccessEvent) => (a.time === b.time ? (a.eventId < b.eventId ? 1 : -1) : a.time < b.time ? 1 : -1);

describe('patient access report', () => {
  it('equals the events stored for that patient, across pages', async () => {
    for (const patient of ['p-3', 'p-7']) {
      const from = '2025-02-01T00:00:00.000Z';
      const to = '2025-03-20T00:00:00.000Z';
      const stored = (await h.store.eventsForPatient(patient, from, to)).sort(byTimeDesc);
      const expectedFromFixture = events.filter((e) => e.patientIds.includes(patient)).sort(byTimeDesc);
      expect(stored.map((e) => e.eventId)).toEqual(expectedFromFixture.map((e) => e.eventId));
      expect(stored.length).toBeGreaterThan(20);

      const got: Access[] = [];
      let cursor: string | null = null;
      do {
        const res: { statusCode: number; body: string } = await h.app.inject({
          url: `/patients/${patient}/access-report?from=${from}&to=${to}&limit=13${cursor ? `&cursor=${cursor}` : ''}`,
          headers: h.as.privacy_officer,
        });
        expect(res.statusCode, res.body).toBe(200);
        const page: { accesses: Access[]; nextCursor: string | null } = json(res);
        got.push(...page.accesses);
        cursor = page.nextCursor;
      } while (cursor !== null);

      expect(got).toEqual(
        stored.map(asAccess),
      );
    }
  });

  it('exports the same accesses as CSV', async () => {
    const from = '2025-02-01T00:00:00.000Z';
    const res = await h.app.inject({ url: `/patients/p-3/access-report?from=${from}&limit=10000&format=csv`, headers: h.as.analyst });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe(
      'time,event_id,actor_id,actor_kind,actor_role,actor_department,actor_given_name,actor_family_name,action,resource_types,sensitivity,purpose_of_use,break_the_glass,outcome,records,source_system,network_address,patients_in_access',
    );
    const stored = (await h.store.eventsForPatient('p-3', from, NOW.toISOString())).sort(byTimeDesc);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(stored.map((e) => e.eventId));
    expect(lines[1]?.split(',')[0]).toBe(stored[0]?.time);
  });

  it('resolves actor and patient names for a privacy officer only', async () => {
    const po = json<{ patient: { givenName: string }; accesses: Access[] }>(
      await h.app.inject({ url: '/patients/p-secret-77/access-report?resolveNames=true', headers: h.as.privacy_officer }),
    );
    expect(po.patient).toEqual({ givenName: 'Grace', familyName: 'Hopper' });
    expect(po.accesses[0]?.actor).toMatchObject({ id: 'u-bob', givenName: 'Bob' });
    const analyst = await h.app.inject({ url: '/patients/p-secret-77/access-report?resolveNames=true', headers: h.as.analyst });
    expect(analyst.statusCode).toBe(403);
    const plain = json<{ accesses: Access[] }>(await h.app.inject({ url: '/patients/p-secret-77/access-report', headers: h.as.analyst }));
    expect(plain).not.toHaveProperty('patient');
    expect(plain.accesses[0]?.actor).not.toHaveProperty('givenName');
  });
});

describe('patient access report over duplicate stored rows', () => {
  it('shows each event once, on every page size, while the duplicates are still unmerged', async () => {
    const patient = 'p-redelivered';
    const start = Date.parse('2025-03-05T00:00:00.000Z');
    const mine: AccessEvent[] = Array.from({ length: 45 }, (_, i) =>
      makeEvent({
        eventId: `ev-dup-${String(i).padStart(2, '0')}`,
        // Two events a minute: order on a tied time is by event id.
        time: new Date(start + Math.floor(i / 2) * 60_000).toISOString(),
        patientIds: i % 4 === 0 ? [patient, 'p-other'] : [patient],
        actor: { id: `u-night-${i % 3}`, kind: 'user', role: i % 5 === 0 ? null : 'nurse', department: i % 7 === 0 ? null : 'P\u00e9diatrie "B" \\ 1/2' },
        sourceSystem: i % 6 === 0 ? null : 'epic',
        networkAddress: i % 8 === 0 ? null : `10.1.0.${i}`,
        sensitivity: i % 3 === 0 ? ['PSY', 'HIV'] : [],
        breakTheGlass: i % 9 === 0,
        records: 1 + i,
      }),
    );
    const packed = `\`${h.store.database}\`.patient_access_packed`;
    // Merges stopped so the twins stay stored as a redelivering feed leaves them until parts merge.
    await h.store.client.command({ query: `SYSTEM STOP MERGES ${packed}` });
    try {
      await h.store.writeEvents(mine);
      // Redelivered twice, in other batches (an identical batch would be dropped whole by the insert deduplication).
      await h.store.writeEvents([...mine].reverse());
      for (let i = 0; i < mine.length; i += 10) await h.store.writeEvents(mine.slice(i, i + 10));
      const [stored] = await (
        await h.store.client.query({
          query: `SELECT count() AS n, uniqExact(event_id) AS ids FROM ${packed} WHERE patient_id = {p:String}`,
          query_params: { p: patient },
          format: 'JSONEachRow',
        })
      ).json<{ n: string; ids: string }>();
      expect(Number(stored?.ids)).toBe(mine.length);
      expect(Number(stored?.n)).toBe(3 * mine.length);

      const from = '2025-03-01T00:00:00.000Z';
      const to = '2025-03-20T00:00:00.000Z';
      const expected = [...mine].sort(byTimeDesc).map(asAccess);
      for (const limit of [1, 2, 7, 44, 45, 200]) {
        const got: Access[] = [];
        let pages = 0;
        let cursor: string | null = null;
        do {
          const res: { statusCode: number; body: string } = await h.app.inject({
            url: `/patients/${patient}/access-report?from=${from}&to=${to}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
            headers: h.as.privacy_officer,
          });
          expect(res.statusCode, res.body).toBe(200);
          const page: { accesses: Access[]; nextCursor: string | null } = json(res);
          if (page.nextCursor !== null) expect(page.accesses).toHaveLength(limit);
          got.push(...page.accesses);
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== null);
        expect(got, `limit ${limit}`).toEqual(expected);
        expect(pages, `limit ${limit}`).toBe(Math.max(1, Math.ceil(mine.length / limit)));
      }

      // The store call fills a page exactly even when every row it reads has a twin right behind it.
      const direct = await patientAccessEvents(h.store, patient, { from, to, limit: 5 });
      expect(direct.map((a) => a.eventId)).toEqual(expected.slice(0, 5).map((a) => a.eventId));
      const csv = await h.app.inject({ url: `/patients/${patient}/access-report?from=${from}&to=${to}&format=csv&limit=1000`, headers: h.as.analyst });
      expect(csv.body.trim().split('\n').slice(1).map((l) => l.split(',')[1])).toEqual(expected.map((a) => a.eventId));
    } finally {
      await h.store.client.command({ query: `SYSTEM START MERGES ${packed}` });
    }
  });
});

describe('the per-patient report table', () => {
  it('is backfilled with events stored before the API migration ran', async () => {
    const early = await openStore({ database: 'api_investigations_backfill', dataDir: h.dataDir });
    try {
      await early.migrate();
      const before = [makeEvent({ eventId: 'ev-early-1', patientIds: ['p-early', 'p-x'] }), makeEvent({ eventId: 'ev-early-2', patientIds: ['p-early'] })];
      await early.writeEvents(before);
      await migrateApiTables(early);
      await early.writeEvents([makeEvent({ eventId: 'ev-late-1', patientIds: ['p-early'], time: '2025-03-04T10:00:00.000Z' })]);
      // Running again applies nothing (no second backfill).
      expect(await migrateApiTables(early)).toEqual([]);
      const got = await patientAccessEvents(early, 'p-early', { from: '2025-01-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z', limit: 10 });
      expect(got.map((a) => [a.eventId, a.patientCount]).sort()).toEqual([
        ['ev-early-1', 2],
        ['ev-early-2', 1],
        ['ev-late-1', 1],
      ]);
    } finally {
      await early.close();
    }
  });
});

describe('actor timeline', () => {
  it('lists the actor\u2019s accesses and aggregates that add up', async () => {
    const from = '2025-03-01T00:00:00.000Z';
    const to = '2025-03-19T00:00:00.000Z';
    const mine = events.filter((e) => e.actor.id === 'u-alice' && e.time >= from && e.time < to).sort(byTimeDesc);
    const res = await h.app.inject({ url: `/actors/u-alice/timeline?from=${from}&to=${to}&limit=1000`, headers: h.as.analyst });
    expect(res.statusCode).toBe(200);
    const body = json<{
      events: AccessEvent[];
      activity: { bucket: string; buckets: { events: number }[]; totals: { events: number; records: number; distinctPatients: number }; byAction: Record<string, number> };
    }>(res);
    expect(body.events.map((e) => e.eventId)).toEqual(mine.map((e) => e.eventId));
    expect(body.activity.bucket).toBe('day');
    expect(body.activity.totals.events).toBe(mine.length);
    expect(body.activity.totals.records).toBe(mine.reduce((s, e) => s + e.records, 0));
    expect(body.activity.totals.distinctPatients).toBe(new Set(mine.flatMap((e) => e.patientIds)).size);
    expect(body.activity.buckets.reduce((s, b) => s + b.events, 0)).toBe(mine.length);
    expect(body.activity.byAction['read']! + (body.activity.byAction['update'] ?? 0)).toBe(mine.length);

    const csv = await h.app.inject({ url: `/actors/u-alice/timeline?from=${from}&to=${to}&limit=1000&format=csv`, headers: h.as.analyst });
    expect(csv.body.trim().split('\n')).toHaveLength(mine.length + 1);
    const activityCsv = await h.app.inject({ url: `/actors/u-alice/timeline?from=${from}&to=${to}&format=csv&part=activity`, headers: h.as.analyst });
    expect(activityCsv.body.split('\n')[0]).toBe('start,events,distinct_patients,records,break_the_glass,sensitive,failures');
    expect((await h.app.inject({ url: `/actors/u-alice/timeline?from=2024-01-01T00:00:00Z&to=2025-03-01T00:00:00Z`, headers: h.as.analyst })).statusCode).toBe(400);
  });
});

describe('vendor oversight', () => {
  it('shows records per day against quota and baseline', async () => {
    const res = await h.app.inject({ url: '/vendors/app-billing/usage?from=2025-03-01T00:00:00Z&to=2025-03-19T00:00:00Z', headers: h.as.vendor_manager });
    expect(res.statusCode, res.body).toBe(200);
    const body = json<{
      vendor: { name: string; dailyQuota: number };
      days: { day: string; records: number; overQuota: boolean; baseline: number | null; quota: number }[];
      totals: { daysOverQuota: number; peakDay: string };
    }>(res);
    expect(body.vendor).toMatchObject({ name: 'Billing Co', dailyQuota: 2500 });
    expect(body.days).toHaveLength(18);
    expect(body.days[0]).toMatchObject({ day: '2025-03-01', records: 400, baseline: null, quota: 2500, overQuota: false });
    expect(body.days[2]).toMatchObject({ day: '2025-03-03', records: 420, baseline: 405 });
    expect(body.days[15]).toMatchObject({ day: '2025-03-16', records: 5000, overQuota: true });
    expect(body.totals).toMatchObject({ daysOverQuota: 2, peakDay: '2025-03-16' });

    const list = json<{ vendors: { clientId: string; daysOverQuota: number }[] }>(
      await h.app.inject({ url: '/vendors?from=2025-03-01T00:00:00Z&to=2025-03-19T00:00:00Z', headers: h.as.vendor_manager }),
    );
    expect(list.vendors).toEqual([expect.objectContaining({ clientId: 'app-billing', daysOverQuota: 2 })]);
    expect((await h.app.inject({ url: '/vendors/app-unknown/usage', headers: h.as.vendor_manager })).statusCode).toBe(404);
    const csv = await h.app.inject({ url: '/vendors/app-billing/usage?from=2025-03-01T00:00:00Z&to=2025-03-19T00:00:00Z&format=csv', headers: h.as.vendor_manager });
    expect(csv.body.split('\n')[0]).toBe('day,records,events,distinct_patients,quota,over_quota,baseline,ratio_to_baseline');
  });
});

describe('the API audit trail', () => {
  it('writes one row for each patient-data read, and auditors can query it', async () => {
    const created = json<{ key: string; keyId: string }>(
      await h.app.inject({ method: 'POST', url: '/api-keys', headers: h.as.admin, payload: { name: 'audited', role: 'privacy_officer' } }),
    );
    const who = { 'x-api-key': created.key };
    const reads = [
      { url: '/patients/p-5/access-report', route: 'patients.accessReport', patient: 'p-5' },
      { url: '/patients/p-6/access-report?format=csv', route: 'patients.accessReport', patient: 'p-6' },
      { url: '/actors/u-carol/timeline', route: 'actors.timeline', actor: 'u-carol' },
      { url: '/alerts/al-inv', route: 'alerts.get', alert: 'al-inv', patient: 'p-secret-77' },
      { url: '/alerts?patient=p-secret-77', route: 'alerts.list', alert: 'al-inv', patient: 'p-secret-77' },
      { url: '/alerts/al-inv/history', route: 'alerts.history', alert: 'al-inv' },
    ];
    for (const r of reads) expect((await h.app.inject({ url: r.url, headers: who, remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
    // Not patient data: no row.
    expect((await h.app.inject({ url: '/vendors', headers: who })).statusCode).toBe(200);

    const res = await h.app.inject({ url: `/audit?principal=key:${created.keyId}&limit=100`, headers: h.as.auditor });
    expect(res.statusCode, res.body).toBe(200);
    const rows = json<{
      items: { routeId: string; patientIds: string[]; alertIds: string[]; actorIds: string[]; ip: string; status: number; role: string; principalKind: string }[];
    }>(res).items;
    // The test clock stands still, so rows share one timestamp: match them by route and ids, not by order.
    const key = (route: string, ids: readonly string[]) => `${route} ${[...ids].sort().join(' ')}`;
    expect(rows.map((r) => r.routeId).sort()).toEqual(reads.map((r) => r.route).sort());
    for (const r of reads) {
      const row = rows.find(
        (x) => x.routeId === r.route && (!r.patient || x.patientIds.includes(r.patient)) && (!r.alert || x.alertIds.includes(r.alert)) && (!r.actor || x.actorIds.includes(r.actor)),
      );
      expect(row, key(r.route, [r.patient ?? '', r.alert ?? '', r.actor ?? ''])).toBeDefined();
      expect(row).toMatchObject({ ip: '10.1.2.3', status: 200, role: 'privacy_officer', principalKind: 'api_key' });
    }
    // By patient, across principals.
    const byPatient = json<{ items: { routeId: string }[] }>(await h.app.inject({ url: '/audit?patient=p-5', headers: h.as.auditor }));
    expect(byPatient.items.map((r) => r.routeId)).toContain('patients.accessReport');
    expect((await h.app.inject({ url: '/audit', headers: h.as.analyst })).statusCode).toBe(403);
  });

  it('keeps patient identifiers and names out of the logs', async () => {
    h.logLines.length = 0;
    await h.app.inject({ url: '/patients/p-secret-77/access-report?resolveNames=true', headers: h.as.privacy_officer });
    await h.app.inject({ url: '/alerts?patient=p-secret-77', headers: h.as.privacy_officer });
    await h.app.inject({ url: '/patients/p-secret-77/access-report?limit=-1', headers: h.as.privacy_officer });
    expect(h.logLines.length).toBeGreaterThanOrEqual(3);
    const all = h.logLines.join('\n');
    expect(all).toContain('/patients/:patientId/access-report');
    for (const phi of ['p-secret-77', 'Hopper', 'Grace']) expect(all).not.toContain(phi);
  });
});
