import { DAY, HOUR } from './clock.ts';
import type { Department } from './layout.ts';
import { CLINICAL_ROLES } from './layout.ts';
import type { Hospital, SimEncounter, SimPatient, SimStaff } from './model.ts';

/**
 * The simulator's contract for legitimate access, per role. Every user event
 * the simulator emits as ordinary traffic satisfies it (a test checks), and
 * every relationship-based incident violates it. A detector can evaluate it
 * from the reference CSVs alone:
 *
 * - clinical roles: the patient has an encounter in the actor's department
 *   that is open at the access time;
 * - registrar: the patient has an encounter, any department, that starts
 *   within REGISTRATION_WINDOW before the access (check-in);
 * - billing clerk: an encounter ended within BILLING_WINDOW before the access;
 * - HIM clerk: any encounter that ended before the access (records requests);
 * - never, for anyone: the actor's own chart, or a chart at the actor's home address.
 */

export const REGISTRATION_WINDOW = 1 * HOUR;
export const BILLING_WINDOW = 30 * DAY;

export interface EncounterIndex {
  byDepartment: Map<Department, SimEncounter[]>;
}

const indexCache = new WeakMap<Hospital, EncounterIndex>();

export function encounterIndex(h: Hospital): EncounterIndex {
  let index = indexCache.get(h);
  if (!index) {
    const byDepartment = new Map<Department, SimEncounter[]>();
    for (const e of h.encounters) {
      let list = byDepartment.get(e.department);
      if (!list) byDepartment.set(e.department, (list = []));
      list.push(e);
    }
    index = { byDepartment };
    indexCache.set(h, index);
  }
  return index;
}

/** Encounters of a department overlapping [from, to). The list is sorted by start. */
export function overlapping(h: Hospital, department: Department, from: number, to: number): SimEncounter[] {
  const list = encounterIndex(h).byDepartment.get(department) ?? [];
  const found: SimEncounter[] = [];
  for (const e of list) {
    if (e.start >= to) break;
    if (e.end > from) found.push(e);
  }
  return found;
}

export function isHousehold(staff: SimStaff, patient: SimPatient): boolean {
  return patient.address === staff.address || patient.employeeStaff === staff.index;
}

export function hasRelationship(h: Hospital, staff: SimStaff, patient: SimPatient, t: number): boolean {
  if (isHousehold(staff, patient)) return false;
  const encounters = h.encountersByPatient[patient.index] ?? [];
  for (const i of encounters) {
    const e = h.encounters[i] as SimEncounter;
    if (CLINICAL_ROLES.includes(staff.role)) {
      if (e.department === staff.department && e.start <= t && t <= e.end) return true;
    } else if (staff.role === 'registrar') {
      if (e.start <= t && t - e.start <= REGISTRATION_WINDOW) return true;
    } else if (staff.role === 'billing-clerk') {
      if (e.end <= t && t - e.end <= BILLING_WINDOW) return true;
    } else if (staff.role === 'him-clerk') {
      if (e.end <= t) return true;
    }
  }
  return false;
}

/**
 * Stricter than "no relationship": no encounter near the time that a
 * detector with slightly different tolerances could read as one. Incidents
 * pick their targets with this, so a label never hangs on a boundary.
 * (Household and self are judged apart: they are never legitimate.)
 */
/** How far from an encounter in the actor's own department an incident keeps: wider than any sensible detector's slack. */
export const NEAR = 14 * DAY;

export function noEncounterNear(h: Hospital, staff: SimStaff, patient: SimPatient, t: number): boolean {
  const encounters = h.encountersByPatient[patient.index] ?? [];
  for (const i of encounters) {
    const e = h.encounters[i] as SimEncounter;
    if (e.department === staff.department && e.start <= t + NEAR && e.end >= t - NEAR) return false;
    if (staff.role === 'registrar' && e.start <= t + 1 * DAY && e.start >= t - 2 * DAY) return false;
    if (staff.role === 'billing-clerk' && e.end <= t + 1 * DAY && e.end >= t - 45 * DAY) return false;
    if (staff.role === 'him-clerk' && e.end <= t) return false;
  }
  return true;
}
