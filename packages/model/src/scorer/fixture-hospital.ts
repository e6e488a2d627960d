import type { AccessEvent } from '@chartwatch/event';
import type { ReferenceSet } from '@chartwatch/reference';
import { createRandom } from '@chartwatch/random';

/**
 * A small seeded hospital for the model's tests: nurses reading the charts
 * of patients admitted to their own unit, registrars updating demographics
 * and coverage, one application. Two planted insiders on the last day: a
 * registrar who exports thirty charts (no registrar ever exports) and a
 * cardiology nurse reading a dozen oncology charts.
 */

const DAY = 86_400_000;
const MINUTE = 60_000;
export const FIXTURE_START = Date.parse('2026-03-02T00:00:00.000Z');
export const EXPORTER = 'r1';
export const BROWSER = 'n1';

export interface FixtureHospital {
  reference: ReferenceSet;
  events: AccessEvent[];
  /** Day index of the planted incidents. */
  incidentDay: number;
}

export function fixtureHospital(days = 16, seed = 7): FixtureHospital {
  const random = createRandom(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const units = ['cardiology', 'oncology'];
  const nurses = Array.from({ length: 16 }, (_, i) => ({ id: `n${i + 1}`, unit: units[i % 2] as string }));
  const registrars = Array.from({ length: 16 }, (_, i) => ({ id: `r${i + 1}` }));
  const patients = Array.from({ length: 200 }, (_, i) => ({ id: `p${String(i + 1).padStart(3, '0')}`, unit: units[i % 2] as string }));
  const reference: ReferenceSet = {
    staff: [
      ...nurses.map((n) => ({ actorId: n.id, givenName: null, familyName: `F${n.id}`, address: null, department: n.unit, role: 'nurse', hiredAt: null, terminatedAt: null })),
      ...registrars.map((r) => ({ actorId: r.id, givenName: null, familyName: `F${r.id}`, address: null, department: 'registration', role: 'registrar', hiredAt: null, terminatedAt: null })),
    ],
    patients: patients.map((p) => ({ patientId: p.id, givenName: null, familyName: 'P', address: null, birthDate: null, deceasedAt: null, vip: false, employeeActorId: null })),
    vendors: [{ clientId: 'app1', name: 'App', dailyQuota: null }],
    encounters: patients.map((p) => ({ patientId: p.id, department: p.unit, start: new Date(FIXTURE_START - 2 * DAY).toISOString(), end: null })),
  };
  const incidentDay = days - 1;
  const events: Omit<AccessEvent, 'eventId'>[] = [];
  const push = (t: number, actor: AccessEvent['actor'], patientId: string, action: AccessEvent['action'], resourceTypes: string[]): void => {
    events.push({ time: new Date(t).toISOString(), actor, patientIds: [patientId], action, resourceTypes, sensitivity: [], purposeOfUse: ['TREAT'], breakTheGlass: false, outcome: 'success', records: 1, sourceSystem: null, networkAddress: null, format: 'json' });
  };
  for (let d = 0; d < days; d++) {
    const day = FIXTURE_START + d * DAY;
    for (const n of nurses) {
      const actor = { id: n.id, kind: 'user' as const, role: 'nurse', department: n.unit };
      const mine = patients.filter((p) => p.unit === n.unit);
      const count = int(5, 9);
      for (let k = 0; k < count; k++) {
        const p = mine[int(0, mine.length - 1)] as (typeof mine)[number];
        const t = day + 8 * 3_600_000 + int(0, 600) * MINUTE;
        push(t, actor, p.id, 'read', ['Observation']);
        push(t + MINUTE, actor, p.id, 'create', ['Observation']);
      }
      if (d === incidentDay && n.id === BROWSER) {
        const elsewhere = patients.filter((p) => p.unit !== n.unit).slice(0, 12);
        elsewhere.forEach((p, k) => push(day + 9 * 3_600_000 + k * 7 * MINUTE, actor, p.id, 'read', ['DocumentReference']));
      }
    }
    for (const r of registrars) {
      const actor = { id: r.id, kind: 'user' as const, role: 'registrar', department: 'registration' };
      const count = int(6, 10);
      for (let k = 0; k < count; k++) {
        const p = patients[int(0, patients.length - 1)] as (typeof patients)[number];
        const t = day + 8 * 3_600_000 + int(0, 540) * MINUTE;
        push(t, actor, p.id, 'update', ['Patient']);
        push(t + MINUTE, actor, p.id, 'read', ['Coverage']);
      }
      if (d === incidentDay && r.id === EXPORTER) {
        // A few dozen single-patient exports spread over the shift, as the simulator's quiet exporter.
        for (let k = 0; k < 30; k++) push(day + 8 * 3_600_000 + k * 17 * MINUTE, actor, (patients[(k * 7) % patients.length] as (typeof patients)[number]).id, 'export', ['Patient']);
      }
    }
    const app = { id: 'app1', kind: 'application' as const, role: null, department: null };
    for (let k = 0; k < 20; k++) push(day + k * 30 * MINUTE, app, (patients[int(0, patients.length - 1)] as (typeof patients)[number]).id, 'query', ['Observation']);
  }
  const sorted = events.map((e, i) => ({ e, t: Date.parse(e.time), i })).sort((a, b) => a.t - b.t || a.i - b.i);
  return { reference, events: sorted.map((x, i) => ({ ...x.e, eventId: `fx-${String(i).padStart(6, '0')}` })), incidentDay };
}
