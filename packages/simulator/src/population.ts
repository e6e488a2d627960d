import { DAY } from './clock.ts';
import type { Department, Role, Shift } from './layout.ts';
import { STAFFING } from './layout.ts';
import type { SimPatient, SimStaff } from './model.ts';
import { AddressBook, pickFamilyName, pickGivenName } from './names.ts';
import type { Rng } from '@chartwatch/random';

/**
 * Staff and patients, built as households: family members share a family
 * name and an address; some addresses hold a second household under another
 * name (a duplex, a shared flat): the neighbours. Many staff live with
 * relatives who are patients here, some are patients themselves, and some
 * have relatives with their family name living elsewhere.
 */

const YEAR = 365.25 * DAY;

/** Largest-remainder apportionment of `total` over `weights`, at least one each. */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (w / sum) * total);
  const counts = raw.map((r) => Math.max(1, Math.floor(r)));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length) {
    counts[(order[k] as { i: number }).i]! += 1;
    left--;
  }
  while (left < 0) {
    // Minimums overshot (tiny hospitals): take back from the biggest groups.
    let big = 0;
    for (let i = 1; i < counts.length; i++) if ((counts[i] as number) > (counts[big] as number)) big = i;
    counts[big]! -= 1;
    left++;
  }
  return counts;
}

function birthDateFor(rng: Rng, ageYears: number): string {
  // Reference date is the epoch of day 0, but a birth date is a calendar fact;
  // a fixed anchor keeps it independent of the simulated start.
  const ms = Date.UTC(2026, 0, 1) - ageYears * YEAR - rng.uniform(0, YEAR);
  return new Date(ms).toISOString().slice(0, 10);
}

interface Household {
  familyName: string;
  address: string;
}

export interface Population {
  staff: SimStaff[];
  patients: SimPatient[];
}

export function buildPopulation(rng: Rng, staffCount: number, patientCount: number): Population {
  const addresses = new AddressBook(rng);
  const staff: SimStaff[] = [];
  const patients: SimPatient[] = [];

  const addPatient = (home: Household, ageYears: number, givenName = pickGivenName(rng)): SimPatient => {
    const p: SimPatient = {
      index: patients.length,
      patientId: '',
      givenName,
      familyName: home.familyName,
      address: home.address,
      birthDate: birthDateFor(rng, ageYears),
      ageYears,
      deceasedAt: null,
      vip: false,
      employeeStaff: null,
      psy: ageYears >= 12 && rng.chance(0.09),
      eth: ageYears >= 16 && rng.chance(0.04),
      hiv: ageYears >= 18 && rng.chance(0.01),
      therapyNotes: false,
      therapist: null,
      portalUser: ageYears >= 18 && rng.chance(0.4),
    };
    patients.push(p);
    return p;
  };
  const adultAge = (): number => Math.round(Math.min(96, Math.max(18, rng.normal(50, 18))));
  const childAge = (): number => rng.int(0, 17);

  /** A household of `size` patients: up to two adults, then children (or elders). */
  const addHousehold = (home: Household, size: number): void => {
    for (let k = 0; k < size; k++) {
      const age = k < 2 ? adultAge() : rng.chance(0.8) ? childAge() : Math.min(96, adultAge() + 25);
      addPatient(home, age);
    }
  };

  // Staff by staffing group, each with a home.
  const groupCounts = apportion(staffCount, STAFFING.map((g) => g.count));
  STAFFING.forEach((group, g) => {
    const n = groupCounts[g] as number;
    const shiftNames = Object.keys(group.shifts) as Shift[];
    const shiftShares = shiftNames.map((s) => group.shifts[s] as number);
    const perShift = apportion(n, shiftShares);
    const shifts: Shift[] = [];
    shiftNames.forEach((s, i) => {
      for (let k = 0; k < (perShift[i] as number); k++) shifts.push(s);
    });
    for (let k = 0; k < n; k++) {
      const familyName = pickFamilyName(rng);
      const offA = rng.int(0, 6);
      const member: SimStaff = {
        index: staff.length,
        actorId: `u${10001 + staff.length}`,
        givenName: pickGivenName(rng),
        familyName,
        address: addresses.next(),
        department: group.department as Department,
        role: group.role as Role,
        localRole: group.role,
        shift: shifts[k] ?? (shiftNames[0] as Shift),
        roster: group.roster,
        daysOff: [offA, (offA + 1) % 7],
        weekendTurn: rng.int(0, 2),
        clinicDays: [],
        hiredAt: Math.round(-rng.uniform(0.3, 22) * YEAR),
        terminatedAt: null,
        selfPatient: null,
        workstationHost: rng.int(20, 240),
      };
      if (group.roster === 'physician' && ['cardiology', 'oncology', 'pediatrics', 'behavioral-health'].includes(group.department)) {
        const first = rng.int(1, 5);
        member.clinicDays = [first, ((first + rng.int(1, 3) - 1) % 5) + 1];
      }
      staff.push(member);
    }
  });

  // Staff homes: self, relatives under the same roof, neighbours, relatives elsewhere.
  for (const member of staff) {
    const home: Household = { familyName: member.familyName, address: member.address };
    if (rng.chance(0.55)) {
      const self = addPatient(home, Math.round(Math.min(66, Math.max(22, rng.normal(42, 11)))), member.givenName);
      self.employeeStaff = member.index;
      member.selfPatient = self.index;
    }
    if (rng.chance(0.65)) addHousehold(home, rng.weighted([1, 2, 3, 4], [0.35, 0.3, 0.25, 0.1]));
    if (rng.chance(0.3)) addHousehold({ familyName: pickFamilyName(rng), address: member.address }, rng.int(1, 3));
    if (rng.chance(0.3)) addHousehold({ familyName: member.familyName, address: addresses.next() }, rng.int(1, 2));
  }

  // The rest of the community.
  while (patients.length < patientCount) {
    const home: Household = { familyName: pickFamilyName(rng), address: addresses.next() };
    addHousehold(home, rng.weighted([1, 2, 3, 4, 5], [0.3, 0.3, 0.18, 0.15, 0.07]));
    if (rng.chance(0.08)) addHousehold({ familyName: pickFamilyName(rng), address: home.address }, rng.int(1, 2));
  }

  // Patient ids carry no hint of how the record was made.
  const numbers = rng.shuffle(patients.map((_, i) => i));
  for (const p of patients) p.patientId = `p${String(100000 + (numbers[p.index] as number) * 7 + 3).padStart(7, '0')}`;

  return { staff, patients };
}
