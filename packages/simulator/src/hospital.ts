import { ConfigError } from '@chartwatch/errors';
import type { Encounter, Patient, ReferenceSet, Staff, Vendor } from '@chartwatch/reference';
import type { Clock } from './clock.ts';
import { createClock, DAY, HOUR } from './clock.ts';
import { buildEncounters } from './encounters.ts';
import { planIncidents } from './incident-plan.ts';
import { REFERENCE_STAFF } from './layout.ts';
import type { Hospital, HospitalOptions, SimEncounter, SimPatient, SimStaff } from './model.ts';
import { buildPopulation } from './population.ts';
import { Rng } from '@chartwatch/random';
import { localRole, ROLE_VOCABULARIES, roleMappings } from './role-vocabulary.ts';
import { buildVendors } from './vendors.ts';

export const MIN_STAFF = 40;
export const MAX_STAFF = 20_000;
export const MAX_DAYS = 366;
/** Patients per staff member: a community hospital's catchment. */
export const PATIENTS_PER_STAFF = 20;

function validate(options: HospitalOptions): void {
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new ConfigError('seed', `expected an integer 0..4294967295, got ${String(options.seed)}`);
  }
  if (!Number.isInteger(options.staff) || options.staff < MIN_STAFF || options.staff > MAX_STAFF) {
    throw new ConfigError('staff', `expected an integer ${MIN_STAFF}..${MAX_STAFF} (every role needs someone), got ${String(options.staff)}`);
  }
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > MAX_DAYS) {
    throw new ConfigError('days', `expected an integer 1..${MAX_DAYS}, got ${String(options.days)}`);
  }
  const from = options.incidentsFrom ?? 0;
  if (!Number.isInteger(from) || from < 0 || from >= options.days) {
    throw new ConfigError('incidentsFrom', `expected an integer 0..${options.days - 1} (a day of the window), got ${String(from)}`);
  }
}

/**
 * A deterministic hospital: staff on rosters, a community of patients in
 * households, encounters (admissions, ED visits, clinics, therapy, ancillary
 * work), applications with quotas, and the incidents planned for the week.
 * Same options, same hospital, byte for byte.
 */
export function generateHospital(options: HospitalOptions): Hospital {
  validate(options);
  const timezone = options.timezone ?? 'UTC';
  const vocabulary = options.vocabulary ?? 'plain';
  if (!(ROLE_VOCABULARIES as readonly string[]).includes(vocabulary)) throw new ConfigError('vocabulary', `expected one of ${ROLE_VOCABULARIES.join(', ')}, got ${String(vocabulary)}`);
  const clock = createClock(options.start, timezone);
  const { seed, days } = options;
  const scale = options.staff / REFERENCE_STAFF;
  const end = days * DAY;

  const { staff, patients } = buildPopulation(Rng.for(seed, 'population'), options.staff, Math.round(options.staff * PATIENTS_PER_STAFF));
  for (const s of staff) s.localRole = localRole(s.role, vocabulary);
  const rng = Rng.for(seed, 'hospital');
  const staffAddresses = new Set(staff.map((s) => s.address));
  const ordinary = (p: SimPatient): boolean => p.employeeStaff === null && !staffAddresses.has(p.address) && !p.vip && p.deceasedAt === null;

  // VIPs: public figures from the community, never staff households.
  const vipCount = Math.max(4, Math.round(patients.length * 0.004));
  for (const p of rng.sample(patients.filter((q) => q.ageYears >= 18 && ordinary(q)), vipCount)) p.vip = true;

  // Deaths before the window: recent ones (billing still closes their
  // accounts) and old ones (only records requests should open them).
  const deathCount = Math.max(6, Math.round(patients.length * 0.03));
  const mortal = patients.filter((q) => q.ageYears >= 30 && ordinary(q));
  for (const p of rng.sample(mortal, deathCount)) {
    const band = rng.weightedIndex([0.2, 0.2, 0.6]);
    const daysAgo = band === 0 ? rng.uniform(3, 30) : band === 1 ? rng.uniform(30, 120) : rng.uniform(121, 1000);
    p.deceasedAt = Math.round(-daysAgo * DAY);
    p.portalUser = false;
  }

  // Behavioural-health caseloads: therapists hold psychotherapy notes for theirs.
  const psyPool = patients.filter((q) => q.ageYears >= 16 && q.deceasedAt === null && !q.vip && q.employeeStaff === null && q.psy);
  const shuffledPsy = rng.shuffle(psyPool.slice());
  let cursor = 0;
  for (const clinician of staff) {
    if (clinician.department !== 'behavioral-health' || (clinician.role !== 'therapist' && clinician.role !== 'physician')) continue;
    const load = clinician.role === 'therapist' ? rng.int(22, 28) : rng.int(10, 15);
    for (let k = 0; k < load && cursor < shuffledPsy.length; cursor++) {
      const p = shuffledPsy[cursor] as SimPatient;
      if (p.address === clinician.address) continue;
      p.therapist = clinician.index;
      p.therapyNotes = clinician.role === 'therapist';
      k++;
    }
  }

  const { encounters, byPatient } = buildEncounters({ rng: Rng.for(seed, 'encounters'), clock, days, scale, staff, patients });

  placeSpecialPatients(rng, { staff, patients, encounters, byPatient, end });
  markDeathsInWindow(rng, { staff, patients, encounters, byPatient, end }, scale);

  // Leavers: some left before the window (no activity at all), a few leave during it.
  const leaveBefore = rng.sample(staff.filter((s) => s.role !== 'it-analyst'), Math.max(1, Math.round(staff.length * 0.02)));
  // Never before they were hired (staff hired 0.3 years ago or more, so a day after hiring is still before the window).
  for (const s of leaveBefore) s.terminatedAt = Math.round(Math.max(-rng.uniform(3, 200) * DAY, s.hiredAt + DAY));
  if (days >= 2) {
    const leaveDuring = rng.sample(staff.filter((s) => s.terminatedAt === null), Math.max(1, Math.round(staff.length * 0.01)));
    for (const s of leaveDuring) s.terminatedAt = Math.round(rng.int(1, days - 1) * DAY + rng.uniform(16, 18) * HOUR);
  }

  const vendors = buildVendors(scale);
  const hospital: Hospital = {
    options: { seed, staff: options.staff, days, start: options.start, timezone, vocabulary, incidents: options.incidents, incidentsFrom: options.incidentsFrom ?? 0 },
    clock,
    staff,
    patients,
    vendors,
    encounters,
    encountersByPatient: byPatient,
    incidents: [],
    end,
    reference: { staff: [], patients: [], vendors: [], encounters: [] },
  };
  hospital.incidents = planIncidents(hospital);
  hospital.reference = toReference(hospital);
  return hospital;
}

interface World {
  staff: SimStaff[];
  patients: SimPatient[];
  encounters: SimEncounter[];
  byPatient: number[][];
  end: number;
}

/** Every encounter linked to `root` through parent links (the ED visit, the stay, their lab and imaging). */
function encounterGroup(world: World, index: number): number[] {
  let root = index;
  for (let parent = world.encounters[root]?.parent ?? null; parent !== null; parent = world.encounters[root]?.parent ?? null) root = parent;
  const group = new Set<number>([root]);
  // Parents always start no later than their children, and groups are small: a forward scan is enough.
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of world.encounters) {
      if (e.parent !== null && group.has(e.parent) && !group.has(e.index)) {
        group.add(e.index);
        grew = true;
      }
    }
  }
  return [...group];
}

function movePatient(world: World, encounterIndex: number, patient: number): void {
  for (const i of encounterGroup(world, encounterIndex)) {
    const e = world.encounters[i] as SimEncounter;
    const before = world.byPatient[e.patient] as number[];
    before.splice(before.indexOf(i), 1);
    e.patient = patient;
    (world.byPatient[patient] as number[]).push(i);
  }
  (world.byPatient[patient] as number[]).sort((a, b) => a - b);
}

/**
 * Every VIP and a handful of employees get care inside the window, so the
 * legitimate traffic holds the look-alikes a VIP or coworker rule must not
 * flag: their care team opening their charts.
 */
function placeSpecialPatients(rng: Rng, world: World): void {
  const { patients, encounters, end, staff } = world;
  const staffAddresses = new Set(staff.map((s) => s.address));
  const replaceable = (e: SimEncounter): boolean => {
    const p = patients[e.patient] as SimPatient;
    return e.start >= 0.25 * DAY && e.start < end - 0.5 * DAY && p.ageYears >= 18 && !p.vip && p.employeeStaff === null && p.therapist === null && p.deceasedAt === null && !staffAddresses.has(p.address);
  };
  const used = new Set<number>();
  const pickEncounter = (filter: (e: SimEncounter) => boolean): SimEncounter | null => {
    const candidates = encounters.filter((e) => !used.has(e.index) && e.parent === null && replaceable(e) && filter(e));
    if (candidates.length === 0) return null;
    const chosen = rng.pick(candidates);
    used.add(chosen.index);
    return chosen;
  };

  const vips = patients.filter((p) => p.vip);
  vips.forEach((vip, i) => {
    const kind = i % 3;
    const target = pickEncounter((e) =>
      kind === 0 ? e.kind === 'emergency' : kind === 1 ? e.kind === 'outpatient' && (e.department === 'cardiology' || e.department === 'oncology') : e.kind === 'inpatient' && (e.department === 'medicine' || e.department === 'cardiology'),
    );
    // An admission via the ED has the ED visit as its root: move the whole group.
    if (target) movePatient(world, target.index, vip.index);
  });

  // ED visits that end in an admission: not for employees, who keep working their shifts.
  const admitting = new Set<number>();
  for (const e of encounters) if (e.kind === 'inpatient' && e.parent !== null) admitting.add(e.parent);
  const employees = rng.shuffle(patients.filter((p) => p.employeeStaff !== null && p.deceasedAt === null));
  const wanted = Math.max(3, Math.round(staff.length / 40));
  let placed = 0;
  for (const employee of employees) {
    if (placed >= wanted) break;
    const own = (staff[employee.employeeStaff as number] as SimStaff).department;
    const target = pickEncounter((e) => ((e.kind === 'emergency' && !admitting.has(e.index)) || (e.kind === 'outpatient' && e.attending !== null)) && e.department !== own && e.department !== 'behavioral-health' && e.department !== 'pediatrics');
    if (!target) break;
    movePatient(world, target.index, employee.index);
    placed++;
  }
}

/** A few ICU and oncology stays inside the window end in death. */
function markDeathsInWindow(rng: Rng, world: World, scale: number): void {
  const { patients, encounters, end, byPatient, staff } = world;
  const staffAddresses = new Set(staff.map((s) => s.address));
  const candidates = encounters.filter((e) => {
    if (e.kind !== 'inpatient' || (e.department !== 'icu' && e.department !== 'oncology')) return false;
    if (e.end < 1 * DAY || e.end > end - 0.5 * DAY) return false;
    const p = patients[e.patient] as SimPatient;
    if (p.vip || p.employeeStaff !== null || p.therapist !== null || p.deceasedAt !== null || staffAddresses.has(p.address) || p.ageYears < 30) return false;
    return (byPatient[e.patient] as number[]).every((i) => (encounters[i] as SimEncounter).start <= e.end);
  });
  for (const e of rng.sample(candidates, Math.max(1, Math.round(2 * scale)))) {
    const p = patients[e.patient] as SimPatient;
    p.deceasedAt = e.end - 2 * HOUR;
    p.portalUser = false;
  }
}

const iso = (clock: Clock, local: number): string => new Date(clock.toUtc(local)).toISOString();

export function toReference(hospital: Hospital): ReferenceSet {
  const { clock, end } = hospital;
  const staff: Staff[] = hospital.staff.map((s) => ({
    actorId: s.actorId,
    givenName: s.givenName,
    familyName: s.familyName,
    address: s.address,
    department: s.department,
    role: s.localRole,
    hiredAt: iso(clock, s.hiredAt),
    terminatedAt: s.terminatedAt === null ? null : iso(clock, s.terminatedAt),
  }));
  const patients: Patient[] = hospital.patients.map((p) => ({
    patientId: p.patientId,
    givenName: p.givenName,
    familyName: p.familyName,
    address: p.address,
    birthDate: p.birthDate,
    deceasedAt: p.deceasedAt === null ? null : iso(clock, p.deceasedAt),
    vip: p.vip,
    employeeActorId: p.employeeStaff === null ? null : (hospital.staff[p.employeeStaff] as SimStaff).actorId,
  }));
  const vendors: Vendor[] = hospital.vendors.map((v) => ({ clientId: v.clientId, name: v.name, dailyQuota: v.dailyQuota }));
  const encounters: Encounter[] = hospital.encounters.map((e) => ({
    patientId: (hospital.patients[e.patient] as SimPatient).patientId,
    department: e.department,
    start: iso(clock, e.start),
    // Still open when the export was taken at the end of the window.
    end: e.end > end ? null : iso(clock, e.end),
  }));
  return { staff, patients, vendors, encounters, roles: roleMappings(hospital.options.vocabulary) };
}
