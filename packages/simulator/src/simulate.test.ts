import type { AccessEvent } from '@chartwatch/event';
import { accessEventSchema } from '@chartwatch/event';
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY } from './clock.ts';
import { defaultIncidentCounts } from './incident-plan.ts';
import { lookAlikeCensus } from './look-alikes.ts';
import type { SimPatient, SimStaff } from './model.ts';
import { hasRelationship } from './relationship.ts';
import { SCENARIOS } from './scenarios.ts';
import type { Simulation } from './simulate.ts';
import { simulateHospital, streamDays } from './simulate.ts';

const OPTIONS = { seed: 11, staff: 150, days: 7, start: '2026-03-02' };

let sim: Simulation;
let byId: Map<string, AccessEvent>;
let incidentEventIds: Set<string>;
let staffById: Map<string, SimStaff>;
let patientById: Map<string, SimPatient>;

beforeAll(() => {
  sim = simulateHospital(OPTIONS);
  byId = new Map(sim.events.map((e) => [e.eventId, e]));
  incidentEventIds = new Set(sim.labels.flatMap((l) => l.eventIds));
  staffById = new Map(sim.hospital.staff.map((s) => [s.actorId, s]));
  patientById = new Map(sim.hospital.patients.map((p) => [p.patientId, p]));
});

const local = (e: AccessEvent): number => {
  // UTC hospital: local ms = ms since midnight of the start date.
  return Date.parse(e.time) - Date.parse(`${OPTIONS.start}T00:00:00.000Z`);
};

describe('simulateHospital: the traffic', () => {
  it('emits events sorted by time with sequential stable ids, all inside the window', () => {
    expect(sim.events.length).toBeGreaterThan(50_000);
    const first = Date.parse('2026-03-02T00:00:00.000Z');
    const end = first + OPTIONS.days * DAY;
    const wrong = sim.events.filter((e, i) => {
      const t = Date.parse(e.time);
      return e.eventId !== `sim-${OPTIONS.seed}-${i + 1}` || t < first || t >= end || (i > 0 && e.time < (sim.events[i - 1] as AccessEvent).time);
    });
    expect(wrong).toEqual([]);
  });

  it('emits events that satisfy accessEventSchema (a sample plus every incident event)', () => {
    for (let i = 0; i < sim.events.length; i += 97) expect(accessEventSchema.safeParse(sim.events[i]).success).toBe(true);
    for (const id of incidentEventIds) {
      const parsed = accessEventSchema.safeParse(byId.get(id));
      expect(parsed.success, `${id}: ${JSON.stringify(parsed.error?.issues[0])}`).toBe(true);
    }
  });

  it('gives applications searches over several patients and users single-chart accesses', () => {
    const apps = sim.events.filter((e) => e.actor.kind === 'application');
    expect(apps.length).toBeGreaterThan(500);
    expect(apps.some((e) => e.action === 'query' && e.patientIds.length > 1 && e.records > 1)).toBe(true);
    for (const e of apps) expect(e.actor.role).toBeNull();
    const users = sim.events.filter((e) => e.actor.kind === 'user');
    expect(users.every((e) => e.patientIds.length === 1)).toBe(true);
  });

  it('gives every ordinary user access a relationship under the documented contract', () => {
    let checked = 0;
    for (const e of sim.events) {
      if (e.actor.kind !== 'user' || incidentEventIds.has(e.eventId)) continue;
      const staff = staffById.get(e.actor.id) as SimStaff;
      const patient = patientById.get(e.patientIds[0] as string) as SimPatient;
      if (!hasRelationship(sim.hospital, staff, patient, local(e))) throw new Error(`no relationship: ${JSON.stringify(e)}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(50_000);
  });

  it('never lets anyone work after their termination except in a post-termination incident', () => {
    for (const e of sim.events) {
      if (e.actor.kind !== 'user') continue;
      const staff = staffById.get(e.actor.id) as SimStaff;
      if (staff.terminatedAt === null || local(e) < staff.terminatedAt) continue;
      const label = sim.labels.find((l) => l.eventIds.includes(e.eventId));
      expect(label?.scenario).toBe('post-termination');
    }
  });

  it('keeps every application under its quota on ordinary days, with a weekly rhythm', () => {
    const perDay = new Map<string, number>();
    for (const e of sim.events) {
      if (e.actor.kind !== 'application' || incidentEventIds.has(e.eventId)) continue;
      const key = `${e.actor.id}|${e.time.slice(0, 10)}`;
      perDay.set(key, (perDay.get(key) ?? 0) + e.records);
    }
    for (const vendor of sim.reference.vendors) {
      if (vendor.dailyQuota === null) continue;
      for (const [key, records] of perDay) if (key.startsWith(`${vendor.clientId}|`)) expect(records).toBeLessThan(vendor.dailyQuota);
    }
  });

  it('streams the same events and labels, day by day, as the batch run', () => {
    const small = { seed: 5, staff: 60, days: 3, start: '2026-03-02' };
    const batch = simulateHospital(small);
    const days = [...streamDays(batch.hospital)];
    expect(days.map((d) => d.date)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    const streamed = days.flatMap((d) => d.events);
    expect(streamed.map((e) => e.eventId)).toEqual(batch.events.map((e) => e.eventId));
    expect(JSON.stringify(streamed)).toBe(JSON.stringify(batch.events));
    for (const d of days) for (const e of d.events) expect(e.time.slice(0, 10)).toBe(d.date);
    expect(days.flatMap((d) => d.labels).map((l) => l.incidentId).sort()).toEqual(batch.labels.map((l) => l.incidentId).sort());
  });
});

describe('simulateHospital: the incidents', () => {
  it('plans every scenario the default number of times, each with a distinct actor', () => {
    const expected = defaultIncidentCounts(OPTIONS.days);
    for (const scenario of SCENARIOS) expect(sim.labels.filter((l) => l.scenario === scenario).length, scenario).toBe(expected[scenario]);
    const staffActors = sim.labels.filter((l) => staffById.has(l.actorId)).map((l) => l.actorId);
    expect(new Set(staffActors).size).toBe(staffActors.length);
  });

  it('still plans every scenario in a small hospital, reusing actors only on other days', () => {
    const small = simulateHospital({ seed: 1, staff: 60, days: 7, start: '2026-03-02' });
    const expected = defaultIncidentCounts(7);
    for (const scenario of SCENARIOS) expect(small.labels.filter((l) => l.scenario === scenario).length, scenario).toBe(expected[scenario]);
    const days = new Map<string, string[]>();
    for (const l of small.labels) days.set(l.actorId, [...(days.get(l.actorId) ?? []), l.start.slice(0, 10)]);
    for (const [actor, list] of days) if (actor.startsWith('u')) expect(new Set(list).size, actor).toBe(list.length);
  });

  it('labels evidence that exists, belongs to the actor, and spans start..end', () => {
    for (const label of sim.labels) {
      expect(label.eventIds.length).toBeGreaterThan(0);
      const patients = new Set<string>();
      for (const id of label.eventIds) {
        const e = byId.get(id);
        expect(e, id).toBeDefined();
        expect(e?.actor.id).toBe(label.actorId);
        expect((e as AccessEvent).time >= label.start && (e as AccessEvent).time <= label.end).toBe(true);
        for (const p of (e as AccessEvent).patientIds) patients.add(p);
      }
      expect([...patients].sort()).toEqual(label.patientIds);
      expect(label.kind).toBe(['billing-clinical-browse', 'quiet-exporter', 'out-of-unit-browse'].includes(label.scenario) ? 'behavioural' : 'rule');
    }
  });

  it('makes each incident what its definition says', () => {
    const reference = sim.reference;
    const quota = new Map(reference.vendors.map((v) => [v.clientId, v.dailyQuota]));
    const appDay = new Map<string, number>();
    for (const e of sim.events) if (e.actor.kind === 'application') appDay.set(`${e.actor.id}|${e.time.slice(0, 10)}`, (appDay.get(`${e.actor.id}|${e.time.slice(0, 10)}`) ?? 0) + e.records);
    for (const label of sim.labels) {
      const events = label.eventIds.map((id) => byId.get(id) as AccessEvent);
      const staff = staffById.get(label.actorId);
      const patients = label.patientIds.map((id) => patientById.get(id) as SimPatient);
      const t0 = local(events[0] as AccessEvent);
      const where = `${label.incidentId} ${label.scenario}`;
      switch (label.scenario) {
        case 'vip-snoop':
          expect(patients.every((p) => p.vip), where).toBe(true);
          break;
        case 'family-snoop':
          expect(patients.every((p) => p.address === staff?.address && p.familyName === staff.familyName), where).toBe(true);
          break;
        case 'neighbour-snoop':
          expect(patients.every((p) => p.address === staff?.address && p.familyName !== staff.familyName), where).toBe(true);
          break;
        case 'coworker-snoop':
          expect(patients.every((p) => p.employeeStaff !== null && p.employeeStaff !== staff?.index), where).toBe(true);
          break;
        case 'self-access':
          expect(patients.every((p) => p.employeeStaff === staff?.index), where).toBe(true);
          break;
        case 'deceased-snoop':
          expect(staff?.role).not.toBe('him-clerk');
          expect(patients.every((p) => p.deceasedAt !== null && t0 - p.deceasedAt >= 120 * DAY), where).toBe(true);
          break;
        case 'post-termination':
          expect(staff?.terminatedAt).not.toBeNull();
          expect(events.every((e) => local(e) > (staff?.terminatedAt as number)), where).toBe(true);
          break;
        case 'btg-abuse':
          expect(events.filter((e) => e.breakTheGlass).length, where).toBeGreaterThanOrEqual(16);
          expect(new Set(events.map((e) => e.patientIds[0])).size).toBeGreaterThanOrEqual(6);
          break;
        case 'sensitive-snoop':
          expect(events.some((e) => e.sensitivity.includes('PSYTHPN')), where).toBe(true);
          break;
        case 'after-hours-bulk': {
          expect(patients.length, where).toBeGreaterThanOrEqual(40);
          const hour = Number((events[0] as AccessEvent).time.slice(11, 13));
          const weekend = [0, 6].includes(new Date((events[0] as AccessEvent).time).getUTCDay());
          expect(hour < 7 || hour >= 19 || weekend, where).toBe(true);
          break;
        }
        case 'vendor-over-quota': {
          const day = (events[0] as AccessEvent).time.slice(0, 10);
          expect(appDay.get(`${label.actorId}|${day}`), where).toBeGreaterThan(1.25 * (quota.get(label.actorId) as number));
          break;
        }
        case 'vendor-baseline-spike': {
          const day = (events[0] as AccessEvent).time.slice(0, 10);
          const others = [...appDay].filter(([k]) => k.startsWith(`${label.actorId}|`) && !k.endsWith(day)).map(([, v]) => v).sort((a, b) => a - b);
          const median = others[Math.floor(others.length / 2)] as number;
          expect(appDay.get(`${label.actorId}|${day}`), where).toBeGreaterThan(4 * median);
          const q = quota.get(label.actorId);
          if (q !== null && q !== undefined) expect(appDay.get(`${label.actorId}|${day}`), where).toBeLessThan(q);
          break;
        }
        case 'billing-clinical-browse':
          expect(staff?.role).toBe('billing-clerk');
          expect(events.every((e) => ['Patient', 'DocumentReference', 'Observation', 'DiagnosticReport', 'Condition', 'MedicationRequest'].includes(e.resourceTypes[0] as string)), where).toBe(true);
          break;
        case 'quiet-exporter':
          expect(staff?.role).toBe('registrar');
          expect(events.every((e) => e.action === 'export'), where).toBe(true);
          break;
        case 'out-of-unit-browse':
          expect(staff?.role).toBe('nurse');
          expect(patients.length, where).toBeGreaterThanOrEqual(10);
          break;
      }
      // Relationship-based incidents really have none.
      if (staff && !['after-hours-bulk', 'self-access', 'post-termination', 'quiet-exporter'].includes(label.scenario)) {
        for (const e of events) expect(hasRelationship(sim.hospital, staff, patientById.get(e.patientIds[0] as string) as SimPatient, local(e)), `${where} ${e.eventId}`).toBe(false);
      }
    }
  });

  it('never lets an incident touch a special patient its scenario is not about', () => {
    const about: Record<string, (p: SimPatient) => boolean> = {
      'vip-snoop': (p) => p.vip,
      'coworker-snoop': (p) => p.employeeStaff !== null,
      'self-access': (p) => p.employeeStaff !== null,
      'deceased-snoop': (p) => p.deceasedAt !== null,
    };
    for (const label of sim.labels) {
      if (!staffById.has(label.actorId)) continue;
      for (const id of label.patientIds) {
        const p = patientById.get(id) as SimPatient;
        const special = p.vip || p.employeeStaff !== null || (p.deceasedAt !== null && p.deceasedAt < 0);
        if (special) expect(about[label.scenario]?.(p), `${label.incidentId} ${label.scenario} touches ${id}`).toBe(true);
      }
    }
  });
});

describe('simulateHospital: the look-alikes', () => {
  it('contains the legitimate cases a naive detector would flag', () => {
    const census = lookAlikeCensus(sim);
    for (const [name, count] of Object.entries(census)) expect(count, name).toBeGreaterThan(0);
    expect(census.edMaxPatientsPerDay).toBeGreaterThanOrEqual(12);
    expect(census.appsWithWeeklyRhythm).toBeGreaterThanOrEqual(2);
  });

  it('has households: relatives share name and address, neighbours only the address', () => {
    const byAddress = new Map<string, SimPatient[]>();
    for (const p of sim.hospital.patients) byAddress.set(p.address, [...(byAddress.get(p.address) ?? []), p]);
    const shared = [...byAddress.values()].filter((list) => list.length > 1);
    expect(shared.some((list) => new Set(list.map((p) => p.familyName)).size === 1)).toBe(true);
    expect(shared.some((list) => new Set(list.map((p) => p.familyName)).size > 1)).toBe(true);
    expect(sim.hospital.patients.length).toBeGreaterThan(2_500);
    expect(sim.reference.patients.filter((p) => p.vip).length).toBeGreaterThanOrEqual(4);
    expect(sim.reference.patients.filter((p) => p.employeeActorId !== null).length).toBeGreaterThan(40);
  });
});
