import { join } from 'node:path';
import type { Alert } from '@chartwatch/detect';
import { loadRulesDir, replayEvents } from '@chartwatch/detect';
import type { AccessEvent } from '@chartwatch/event';
import { ReferenceIndex } from '@chartwatch/reference';
import type { Encounter, Patient, ReferenceSet, Staff, Vendor } from '@chartwatch/reference';
import { createRandom } from '@chartwatch/random';

/**
 * A small hospital for the browser tests: three weeks of ordinary traffic
 * ending yesterday (relative to the day the test runs, so the dashboard's
 * default ranges see it), four vendor applications, and a handful of
 * planned incidents. The alerts come from the real rule pack through
 * `replayEvents`, as the detector would raise them.
 */

export const DAYS = 21;
const DAY = 86_400_000;
const HOUR = 3_600_000;

const DEPARTMENTS = ['cardiology', 'oncology', 'emergency', 'psychiatry', 'radiology'] as const;
const ROLES = ['physician', 'nurse', 'nurse', 'clerk'] as const;
const GIVEN = ['Ada', 'Bruno', 'Chioma', 'Dmitri', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Keiko', 'Liam', 'Maya', 'Nikolai', 'Olga', 'Pedro', 'Quinn', 'Rosa', 'Samir', 'Tara'];
const FAMILY = ['Abbott', 'Brennan', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Gallo', 'Haddad', 'Ivanova', 'Jensen', 'Kowalski', 'Lindqvist', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quist', 'Romero', 'Sato', 'Tanaka'];

/** Ids the tests look for. */
export const SEED = {
  vipPatient: 'p-0007',
  vipName: 'Marisol Vega',
  snooper: 'u-009',
  selfAccessor: 'u-005',
  ownChart: 'p-0100',
  familyActor: 'u-008',
  familyPatient: 'p-0101',
  bulkReader: 'u-017',
  overQuotaVendor: 'app-billing',
} as const;

export interface SeededHospital {
  reference: ReferenceSet;
  events: AccessEvent[];
  alerts: Alert[];
  /** Midnight UTC of the day the data ends (exclusive): today. */
  end: Date;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export async function seedHospital(today: Date, rulesDir: string): Promise<SeededHospital> {
  const rnd = createRandom(20250301);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const start = end.getTime() - DAYS * DAY;
  const iso = (t: number): string => new Date(t).toISOString();

  const staff: Staff[] = [];
  for (let i = 1; i <= 30; i++) {
    staff.push({
      actorId: `u-${pad(i, 3)}`,
      givenName: GIVEN[i % GIVEN.length] ?? null,
      familyName: FAMILY[(i * 7) % FAMILY.length] ?? null,
      address: `${i * 3} Staff Lane`,
      department: DEPARTMENTS[i % DEPARTMENTS.length] ?? null,
      role: ROLES[i % ROLES.length] ?? null,
      hiredAt: '2019-01-01T00:00:00.000Z',
      terminatedAt: null,
    });
  }
  const patients: Patient[] = [];
  const encounters: Encounter[] = [];
  for (let i = 1; i <= 400; i++) {
    const id = `p-${pad(i, 4)}`;
    patients.push({
      patientId: id,
      givenName: GIVEN[(i * 3) % GIVEN.length] ?? null,
      familyName: FAMILY[(i * 11) % FAMILY.length] ?? null,
      address: `${i} Harbour Road`,
      birthDate: `19${pad(40 + (i % 60), 2)}-0${1 + (i % 9)}-1${i % 10}`,
      deceasedAt: null,
      vip: false,
      employeeActorId: null,
    });
    encounters.push({ patientId: id, department: DEPARTMENTS[i % DEPARTMENTS.length] ?? 'cardiology', start: iso(start - 60 * DAY), end: null });
  }
  const patient = (id: string): Patient => {
    const p = patients.find((x) => x.patientId === id);
    if (!p) throw new Error(`seed: no patient ${id}`);
    return p;
  };
  Object.assign(patient(SEED.vipPatient), { givenName: 'Marisol', familyName: 'Vega', vip: true });
  Object.assign(patient('p-0042'), { vip: true });
  Object.assign(patient(SEED.ownChart), { employeeActorId: SEED.selfAccessor });
  Object.assign(patient('p-0120'), { employeeActorId: 'u-015' });
  const familyStaff = staff.find((s) => s.actorId === SEED.familyActor);
  Object.assign(patient(SEED.familyPatient), { familyName: familyStaff?.familyName ?? null, address: familyStaff?.address ?? null });

  const vendors: Vendor[] = [
    { clientId: 'app-billing', name: 'Billing Co', dailyQuota: 300 },
    { clientId: 'app-analytics', name: 'Analytics Inc', dailyQuota: 1500 },
    { clientId: 'app-portal', name: 'Patient Portal', dailyQuota: 800 },
    { clientId: 'app-research', name: 'Research Registry', dailyQuota: null },
  ];

  const events: AccessEvent[] = [];
  let seq = 0;
  const event = (over: Partial<AccessEvent> & { time: string; actor: AccessEvent['actor']; patientIds: string[] }): void => {
    seq++;
    events.push({
      eventId: `ev-${pad(seq, 6)}`,
      action: 'read',
      resourceTypes: ['Patient'],
      sensitivity: [],
      purposeOfUse: ['TREAT'],
      breakTheGlass: false,
      outcome: 'success',
      records: 1,
      sourceSystem: 'epic',
      networkAddress: `10.1.${seq % 200}.${seq % 250}`,
      format: 'json',
      ...over,
    });
  };
  const user = (s: Staff): AccessEvent['actor'] => ({ id: s.actorId, kind: 'user', role: s.role, department: s.department });
  const byDept = new Map<string, string[]>();
  for (const e of encounters) byDept.set(e.department, [...(byDept.get(e.department) ?? []), e.patientId]);

  for (let d = 0; d < DAYS; d++) {
    const day = start + d * DAY;
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    // Ordinary work: staff read charts of their own department's patients in business hours.
    for (const s of staff) {
      const mine = byDept.get(s.department ?? '') ?? [];
      const n = weekend ? Math.floor(rnd() * 4) : 8 + Math.floor(rnd() * 12);
      for (let k = 0; k < n; k++) {
        event({
          time: iso(day + 8 * HOUR + Math.floor(rnd() * 9.5 * HOUR)),
          actor: user(s),
          patientIds: [pick(mine)],
          resourceTypes: [pick(['Patient', 'Observation', 'MedicationRequest', 'DocumentReference'])],
          sensitivity: s.department === 'psychiatry' && rnd() < 0.3 ? ['PSY'] : [],
        });
      }
    }
    // Vendors: daily bulk pulls, each event a query returning many records.
    const pulls: [string, number, number][] = [
      ['app-billing', 14, 12],
      ['app-analytics', 30, 30],
      ['app-portal', 20, 15],
      ['app-research', 8, 12],
    ];
    for (const [clientId, baseEvents, perEvent] of pulls) {
      let count = baseEvents + Math.floor(rnd() * 4);
      if (clientId === 'app-billing' && (d === DAYS - 3 || d === DAYS - 9)) count = 40;
      if (clientId === 'app-analytics' && d === DAYS - 2) count = 150;
      if (clientId === 'app-research' && d === DAYS - 5) count = 70;
      for (let k = 0; k < count; k++) {
        event({
          time: iso(day + 1 * HOUR + Math.floor(rnd() * 20 * HOUR)),
          actor: { id: clientId, kind: 'application', role: null, department: null },
          patientIds: [pick(patients).patientId],
          action: 'query',
          resourceTypes: ['Patient', 'Encounter'],
          purposeOfUse: [clientId === 'app-billing' ? 'HPAYMT' : clientId === 'app-research' ? 'HRESCH' : 'TREAT'],
          records: perEvent + Math.floor(rnd() * 6),
          sourceSystem: 'fhir-gateway',
          networkAddress: `203.0.113.${10 + vendors.findIndex((v) => v.clientId === clientId)}`,
        });
      }
    }
  }

  const staffBy = (id: string): Staff => {
    const s = staff.find((x) => x.actorId === id);
    if (!s) throw new Error(`seed: no staff ${id}`);
    return s;
  };
  const at = (daysBack: number, hour: number, minute = 0): string => iso(end.getTime() - daysBack * DAY + hour * HOUR + minute * 60_000);
  // A radiology nurse opens a VIP's chart twice, with no care relationship.
  event({ time: at(2, 14, 10), actor: user(staffBy(SEED.snooper)), patientIds: [SEED.vipPatient], resourceTypes: ['Patient'] });
  event({ time: at(2, 14, 25), actor: user(staffBy(SEED.snooper)), patientIds: [SEED.vipPatient], resourceTypes: ['DocumentReference', 'Observation'] });
  event({ time: at(8, 10, 5), actor: user(staffBy('u-003')), patientIds: ['p-0042'], resourceTypes: ['Patient'] });
  event({ time: at(5, 16, 45), actor: user(staffBy('u-014')), patientIds: [SEED.vipPatient], resourceTypes: ['Observation'] });
  event({ time: at(11, 9, 20), actor: user(staffBy('u-023')), patientIds: ['p-0042'], resourceTypes: ['Patient'] });
  event({ time: at(15, 13, 5), actor: user(staffBy('u-026')), patientIds: [SEED.vipPatient], resourceTypes: ['MedicationRequest'] });
  event({ time: at(3, 10, 15), actor: user(staffBy('u-019')), patientIds: ['p-0158'], resourceTypes: ['DocumentReference'], sensitivity: ['PSYTHPN'] });
  event({ time: at(12, 14, 50), actor: user(staffBy('u-024')), patientIds: ['p-0163'], resourceTypes: ['DocumentReference'], sensitivity: ['PSY'] });
  event({ time: at(7, 8, 30), actor: user(staffBy('u-015')), patientIds: ['p-0120'], resourceTypes: ['Observation'] });
  // An employee reads their own chart; another reads a relative's.
  event({ time: at(4, 11, 0), actor: user(staffBy(SEED.selfAccessor)), patientIds: [SEED.ownChart], resourceTypes: ['Observation'] });
  event({ time: at(1, 12, 40), actor: user(staffBy(SEED.familyActor)), patientIds: [SEED.familyPatient], resourceTypes: ['Patient', 'Observation'] });
  // Psychotherapy notes read from outside psychiatry.
  event({ time: at(6, 15, 30), actor: user(staffBy('u-021')), patientIds: ['p-0153'], resourceTypes: ['DocumentReference'], sensitivity: ['PSY'] });
  // A clerk reads 140 charts between 01:00 and 03:20 at night.
  for (let k = 0; k < 140; k++) {
    event({ time: at(1, 1, k), actor: user(staffBy(SEED.bulkReader)), patientIds: [patients[(k * 7) % patients.length]?.patientId ?? 'p-0001'], action: k % 10 === 0 ? 'export' : 'read' });
  }

  const reference: ReferenceSet = { staff, patients, vendors, encounters };
  const rules = await loadRulesDir(rulesDir);
  const { alerts } = replayEvents({ parsed: events.map((e) => ({ ok: true as const, event: e })), rules, reference: new ReferenceIndex(reference) });
  return { reference, events, alerts, end };
}

export const RULES_DIR = join(import.meta.dirname, '..', '..', 'rules');
