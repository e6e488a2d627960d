import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '@chartwatch/event';
import type { Staff } from '@chartwatch/reference';
import { modelRegistryMigrations, saveModel } from '@chartwatch/store';
import { apiConfigFromEnv, buildApi } from '../../services/api/src/index.ts';
import type { ApiApp } from '../../services/api/src/index.ts';
import { createLogger } from '../../packages/logger/src/index.ts';
import type { ApiHarness } from './api-harness.ts';
import { json, makeAlert, makeEvent, openHarness } from './api-harness.ts';

/**
 * GET /overview and GET /actors/:actorId/peers over a real ClickHouse
 * engine: every figure checked against what the test stored.
 */

let h: ApiHarness;
const FROM = '2025-03-01T00:00:00.000Z';
const TO = '2025-03-08T00:00:00.000Z';

const alerts = [
  makeAlert({ alertId: 'ov-1', ruleId: 'vip-snoop', severity: 'high', firedAt: '2025-03-02T10:00:00.000Z' }),
  makeAlert({ alertId: 'ov-2', ruleId: 'vip-snoop', severity: 'high', firedAt: '2025-03-02T23:59:59.000Z' }),
  makeAlert({ alertId: 'ov-3', ruleId: 'bulk-read', severity: 'medium', firedAt: '2025-03-02T12:00:00.000Z' }),
  makeAlert({ alertId: 'ov-4', ruleId: 'vip-snoop', severity: 'critical', firedAt: '2025-03-05T08:00:00.000Z' }),
  // Outside the range: counted nowhere.
  makeAlert({ alertId: 'ov-5', ruleId: 'vip-snoop', severity: 'high', firedAt: '2025-03-08T00:00:00.000Z' }),
];

function staff(actorId: string, role: string | null): Staff {
  return { actorId, givenName: 'G', familyName: 'F', address: null, department: 'cardiology', role, hiredAt: null, terminatedAt: null };
}

/** n events for an actor on a UTC day at an hour, each with a distinct patient unless `patients` says how many to cycle through. */
function events(actorId: string, day: string, hour: number, n: number, o: { patients?: number; sensitive?: number } = {}): AccessEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makeEvent({
      actorId,
      time: `${day}T${String(hour).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.000Z`,
      patientIds: [`p-${actorId}-${i % (o.patients ?? n)}`],
      sensitivity: i < (o.sensitive ?? 0) ? ['PSY'] : [],
    }),
  );
}

beforeAll(async () => {
  h = await openHarness('api_overview');
  await h.store.writeAlerts(alerts);
  await h.store.replaceReference({
    staff: [staff('u-alice', 'physician'), staff('u-p1', 'physician'), staff('u-p2', 'physician'), staff('u-p3', 'physician'), staff('u-idle', 'physician'), staff('u-nurse', 'nurse')],
    patients: [],
    vendors: [],
    encounters: [],
  });
  // 2025-03-03 is a Monday, 2025-03-08 a Saturday (outside the range).
  await h.store.writeEvents([
    // alice: 70 events in 7 days (10/day), 14 distinct patients on each of 2 days → 28/7 = 4/day; 35 after hours (Saturday 1st + 20:00 Monday); 7 sensitive.
    ...events('u-alice', '2025-03-01', 10, 35, { patients: 14, sensitive: 7 }),
    ...events('u-alice', '2025-03-03', 20, 35, { patients: 14 }),
    // peers: 7, 14, 21 events on a Tuesday morning; each a distinct patient.
    ...events('u-p1', '2025-03-04', 9, 7),
    ...events('u-p2', '2025-03-04', 9, 14),
    ...events('u-p3', '2025-03-04', 9, 21, { sensitive: 21 }),
    // Another role, and a physician outside the range: not peers.
    ...events('u-nurse', '2025-03-04', 9, 50),
    ...events('u-idle', '2025-02-20', 9, 50),
  ]);
});
afterAll(async () => {
  await h?.close();
});

interface Overview {
  from: string;
  to: string;
  alertsPerDay: { day: string; ruleId: string; severity: string; count: number }[];
  openAlerts: { new: number; investigating: number };
  eventRate: { eventsPerSecond: number; windowSeconds: number; perMinute: { minute: string; events: number }[] };
  consumerLag: unknown[] | null;
  consumerLagUnavailable?: string;
  model: { version: string; trainedAt: string } | null;
}

describe('GET /overview', () => {
  it('counts alerts per day by rule and severity, the open ones, events stored in the last hour, and says why there is no lag', async () => {
    await h.app.inject({ method: 'POST', url: '/alerts/ov-1/transition', headers: h.as.analyst, payload: { to: 'investigating', reason: 'looking' } });
    await h.app.inject({ method: 'POST', url: '/alerts/ov-3/transition', headers: h.as.analyst, payload: { to: 'closed', resolution: 'benign', reason: 'covering a colleague' } });
    const res = await h.app.inject({ url: `/overview?from=${FROM}&to=${TO}`, headers: h.as.analyst });
    expect(res.statusCode, h.logLines.filter((l) => l.includes('"level":50')).join('\n')).toBe(200);
    const o = json<Overview>(res);
    expect(o.alertsPerDay).toEqual([
      { day: '2025-03-02', ruleId: 'bulk-read', severity: 'medium', count: 1 },
      { day: '2025-03-02', ruleId: 'vip-snoop', severity: 'high', count: 2 },
      { day: '2025-03-05', ruleId: 'vip-snoop', severity: 'critical', count: 1 },
    ]);
    expect(o.openAlerts).toEqual({ new: 2, investigating: 1 });
    // Every event above was stored moments ago: the hour's minutes hold all of them.
    expect(o.eventRate.perMinute).toHaveLength(60);
    expect(o.eventRate.perMinute.reduce((s, m) => s + m.events, 0)).toBe(70 + 7 + 14 + 21 + 50 + 50);
    expect(o.eventRate.windowSeconds).toBe(59 * 60);
    expect(o.consumerLag).toBeNull();
    expect(o.consumerLagUnavailable).toMatch(/no lag source/);
    expect(o.model).toBeNull();
  });

  it('names the newest model in the registry', async () => {
    await h.store.migrate(modelRegistryMigrations);
    const base = { trainFrom: FROM, trainTo: TO, features: ['events'], threshold: 0.6, budgetPer1000: 1, rows: 10, actorDays: 10, events: 100, json: '{}' };
    await saveModel(h.store, { ...base, version: 1, modelVersion: 'v1', createdAt: '2025-03-08T01:00:00.000Z' });
    await saveModel(h.store, { ...base, version: 2, modelVersion: 'v2', createdAt: '2025-03-09T01:00:00.000Z' });
    const o = json<Overview>(await h.app.inject({ url: `/overview?from=${FROM}&to=${TO}`, headers: h.as.analyst }));
    expect(o.model).toMatchObject({ version: 'v2', trainedAt: '2025-03-09T01:00:00.000Z' });
  });

  it('reports the lag an injected source gives', async () => {
    const app: ApiApp = await buildApi({
      config: apiConfigFromEnv({}),
      store: h.store,
      logger: createLogger({ level: 'silent' }),
      migrate: false,
      consumerLag: { lag: async () => [{ group: 'chartwatch-detector', topic: 'ehr.audit.events', partition: 0, lag: 42 }], close: async () => undefined },
    });
    try {
      const o = json<Overview>(await app.inject({ url: `/overview?from=${FROM}&to=${TO}`, headers: h.as.analyst }));
      expect(o.consumerLag).toEqual([{ group: 'chartwatch-detector', topic: 'ehr.audit.events', partition: 0, lag: 42 }]);
      expect(o.consumerLagUnavailable).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('answers 400 naming the field for a bad range or an unknown parameter', async () => {
    for (const [query, field] of [
      ['from=yesterday', 'query.from'],
      [`from=${TO}&to=${FROM}`, 'query.to'],
      ['from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'query.from'],
      ['limit=5', 'query.limit'],
    ] as const) {
      const res = await h.app.inject({ url: `/overview?${query}`, headers: h.as.analyst });
      expect(res.statusCode, query).toBe(400);
      expect(json(res)['field'], query).toBe(field);
    }
  });
});

interface Peers {
  actorId: string;
  role: string | null;
  peerGroup: { by: string; role: string; size: number } | null;
  actorEvents: number;
  metrics: { name: string; unit: string; actor: number; peerMedian: number | null; peerP90: number | null }[];
}

describe('GET /actors/:actorId/peers', () => {
  it('sets the actor against the median and 90th percentile of the active peers of their role', async () => {
    const res = await h.app.inject({ url: `/actors/u-alice/peers?from=${FROM}&to=${TO}`, headers: h.as.analyst });
    expect(res.statusCode).toBe(200);
    const p = json<Peers>(res);
    expect(p).toMatchObject({ actorId: 'u-alice', role: 'physician', peerGroup: { by: 'role', role: 'physician', size: 3 }, actorEvents: 70 });
    const m = Object.fromEntries(p.metrics.map((x) => [x.name, x]));
    expect(m['eventsPerDay']).toMatchObject({ unit: 'per day', actor: 10, peerMedian: 2, peerP90: 3 });
    expect(m['patientsPerDay']).toMatchObject({ actor: 4, peerMedian: 2, peerP90: 3 });
    // Saturday's 35 and Monday 20:00's 35: all after hours; peers read on a Tuesday morning.
    expect(m['afterHoursShare']).toMatchObject({ unit: 'share', actor: 1, peerMedian: 0, peerP90: 0 });
    expect(m['sensitiveShare']).toMatchObject({ actor: 0.1, peerMedian: 0, peerP90: 1 });
    expect(m['activeDays']).toMatchObject({ actor: 2, peerMedian: 1, peerP90: 1 });
    // Counts only: no patient id leaves the route, and it writes no audit row.
    expect(res.body).not.toContain('p-u-');
  });

  it('answers an actor outside the staff table with their own figures and no peer group; 400 names a bad field', async () => {
    await h.store.writeEvents(events('app-billing', '2025-03-04', 3, 14));
    const p = json<Peers>(await h.app.inject({ url: `/actors/app-billing/peers?from=${FROM}&to=${TO}`, headers: h.as.analyst }));
    expect(p).toMatchObject({ role: null, peerGroup: null, actorEvents: 14 });
    expect(p.metrics.find((x) => x.name === 'eventsPerDay')).toMatchObject({ actor: 2, peerMedian: null, peerP90: null });
    const bad = await h.app.inject({ url: `/actors/u-alice/peers?to=soon`, headers: h.as.analyst });
    expect(bad.statusCode).toBe(400);
    expect(json(bad)['field']).toBe('query.to');
    expect((await h.app.inject({ url: `/actors/u-alice/peers`, headers: h.as.vendor_manager })).statusCode).toBe(403);
  });
});
