import type { Clock } from './clock.ts';
import { DAY, HOUR } from './clock.ts';
import type { Department, InpatientUnit } from './layout.ts';
import { BEDS, INPATIENT_UNITS, LENGTH_OF_STAY } from './layout.ts';
import type { EncounterKind, SimEncounter, SimPatient, SimStaff } from './model.ts';
import type { Rng } from '@chartwatch/random';
import { works } from './roster.ts';

/**
 * Encounters are built in two passes. First the slots: bed timelines per
 * unit (so the census stays near 85 %), ED arrivals on an hourly curve,
 * clinics on the clinicians' clinic days, weekly therapy sessions, and the
 * ancillary work (lab, imaging, pharmacy) each of them orders. Then patients
 * are put into slots in time order, so nobody is admitted twice at once or
 * after their death. The process runs from HISTORY_DAYS before day 0, so the
 * first simulated day already has a census, recent discharges for billing
 * and older charts for records requests.
 */

export const HISTORY_DAYS = 45;

interface Slot {
  department: Department;
  kind: EncounterKind;
  start: number;
  end: number;
  attending: number | null;
  parent: Slot | null;
  /** Patient fixed in advance (therapy caseload, VIP or employee placement). */
  patient: number | null;
  needs: 'adult' | 'child' | 'any' | 'psy';
}

const ED_HOURLY = [0.45, 0.4, 0.35, 0.3, 0.3, 0.35, 0.5, 0.7, 0.95, 1.15, 1.3, 1.35, 1.35, 1.3, 1.3, 1.3, 1.3, 1.35, 1.35, 1.3, 1.15, 0.95, 0.75, 0.55];

const ED_ADMIT_SHARE: Record<InpatientUnit, number> = {
  icu: 0.6,
  medicine: 0.5,
  cardiology: 0.4,
  pediatrics: 0.4,
  'behavioral-health': 0.5,
  oncology: 0.2,
};

export interface EncounterInputs {
  rng: Rng;
  clock: Clock;
  days: number;
  scale: number;
  staff: SimStaff[];
  patients: SimPatient[];
}

export interface EncounterResult {
  encounters: SimEncounter[];
  byPatient: number[][];
}

export function buildEncounters(input: EncounterInputs): EncounterResult {
  const { rng, clock, days, scale, staff, patients } = input;
  const first = -HISTORY_DAYS;
  const windowEnd = days * DAY;
  const slots: Slot[] = [];
  const add = (slot: Slot): Slot => {
    slots.push(slot);
    return slot;
  };
  const ancillary = (parent: Slot, department: Department, start: number, end: number): void => {
    add({ department, kind: 'ancillary', start, end, attending: null, parent, patient: null, needs: 'any' });
  };

  const attendingsOf = (department: Department): SimStaff[] =>
    staff.filter((s) => s.department === department && s.role === 'physician' && s.shift === 'attending');

  // Inpatient bed timelines.
  for (const unit of INPATIENT_UNITS) {
    const beds = Math.max(2, Math.round(BEDS[unit] * scale));
    const [minLos, maxLos] = LENGTH_OF_STAY[unit];
    const attendings = attendingsOf(unit);
    for (let b = 0; b < beds; b++) {
      let t = first * DAY - rng.uniform(0, maxLos * DAY);
      while (t < windowEnd) {
        const fromEd = rng.chance(ED_ADMIT_SHARE[unit]);
        let start = t;
        if (!fromEd) {
          const day = Math.floor(t / DAY);
          const daytime = day * DAY + rng.uniform(10, 18) * HOUR;
          start = daytime >= t ? daytime : (day + 1) * DAY + rng.uniform(10, 18) * HOUR;
        }
        const los = rng.uniform(minLos, maxLos) * DAY;
        const dischargeDay = Math.floor((start + los) / DAY);
        let end = dischargeDay * DAY + rng.uniform(10, 17) * HOUR;
        if (end < start + 12 * HOUR) end = start + 12 * HOUR + rng.uniform(0, 4) * HOUR;
        const stay = add({
          department: unit,
          kind: 'inpatient',
          start,
          end,
          attending: attendings.length > 0 ? rng.pick(attendings).index : null,
          parent: null,
          patient: null,
          needs: unit === 'pediatrics' ? 'child' : unit === 'behavioral-health' ? 'psy' : 'adult',
        });
        if (fromEd) {
          const edStart = start - rng.uniform(2, 6) * HOUR;
          const ed = add({ department: 'emergency', kind: 'emergency', start: edStart, end: start, attending: null, parent: null, patient: null, needs: stay.needs });
          stay.parent = ed;
          ancillary(ed, 'laboratory', edStart, start);
          if (rng.chance(0.5)) ancillary(ed, 'radiology', edStart + 0.5 * HOUR, Math.min(start, edStart + 3 * HOUR));
        }
        ancillary(stay, 'pharmacy', start, end);
        ancillary(stay, 'laboratory', start, end);
        if (rng.chance(0.45)) {
          const at = rng.uniform(start, Math.max(start, end - 4 * HOUR));
          ancillary(stay, 'radiology', at, at + 4 * HOUR);
        }
        t = end + rng.uniform(0.1, 1.0) * DAY;
      }
    }
  }

  for (let day = first; day < days; day++) {
    const weekday = clock.weekday(day);
    const weekend = weekday === 0 || weekday === 6;

    // ED arrivals that go home.
    const arrivals = rng.poisson(42 * scale * (weekend ? 0.9 : 1));
    for (let k = 0; k < arrivals; k++) {
      const hour = rng.weightedIndex(ED_HOURLY);
      const start = day * DAY + (hour + rng.next()) * HOUR;
      const end = start + rng.uniform(1.5, 7) * HOUR;
      const ed = add({ department: 'emergency', kind: 'emergency', start, end, attending: null, parent: null, patient: null, needs: rng.chance(0.2) ? 'child' : 'adult' });
      if (rng.chance(0.7)) ancillary(ed, 'laboratory', start, end);
      if (rng.chance(0.35)) ancillary(ed, 'radiology', start + 0.5 * HOUR, Math.min(end, start + 3 * HOUR));
      if (rng.chance(0.3)) ancillary(ed, 'pharmacy', start, end);
    }

    if (weekend) continue;

    // Clinics of outpatient physicians.
    for (const doc of staff) {
      if (doc.clinicDays.length === 0 || !doc.clinicDays.includes(weekday) || !works(doc, day, clock)) continue;
      if (doc.department === 'behavioral-health') continue; // psychiatrists see their caseload below
      const visits = rng.int(6, 10);
      for (let k = 0; k < visits; k++) {
        const appointment = day * DAY + (8.5 + k * 0.75 + rng.uniform(-0.1, 0.1)) * HOUR;
        const visit = add({
          department: doc.department,
          kind: 'outpatient',
          start: appointment - 1 * HOUR,
          end: appointment + 3 * HOUR,
          attending: doc.index,
          parent: null,
          patient: null,
          needs: doc.department === 'pediatrics' ? 'child' : 'adult',
        });
        if (doc.department === 'oncology' && rng.chance(0.5)) ancillary(visit, 'pharmacy', visit.start, visit.end);
        if (rng.chance(0.35)) ancillary(visit, 'laboratory', visit.start, visit.end + 2 * HOUR);
        if (doc.department === 'cardiology' && rng.chance(0.25)) ancillary(visit, 'radiology', appointment, appointment + 3 * HOUR);
      }
    }

    // Weekly therapy and medication-management sessions of the behavioural-health caseloads.
    for (const p of patients) {
      if (p.therapist === null) continue;
      const clinician = staff[p.therapist] as SimStaff;
      // A stable weekly slot per patient, derived from the patient index.
      const slotWeekday = 1 + (p.index % 5);
      if (slotWeekday !== weekday || !works(clinician, day, clock)) continue;
      const appointment = day * DAY + (8.5 + (p.index % 8) * 0.9) * HOUR;
      add({
        department: 'behavioral-health',
        kind: 'outpatient',
        start: appointment - 1 * HOUR,
        end: appointment + 3 * HOUR,
        attending: clinician.index,
        parent: null,
        patient: p.index,
        needs: 'psy',
      });
    }

    // Outpatient imaging and lab draws (pooled work, no attending).
    const imaging = rng.poisson(15 * scale);
    for (let k = 0; k < imaging; k++) {
      const start = day * DAY + rng.uniform(8, 17) * HOUR;
      add({ department: 'radiology', kind: 'outpatient', start, end: start + 3 * HOUR, attending: null, parent: null, patient: null, needs: 'adult' });
    }
    const draws = rng.poisson(30 * scale);
    for (let k = 0; k < draws; k++) {
      const start = day * DAY + rng.uniform(7, 16) * HOUR;
      add({ department: 'laboratory', kind: 'outpatient', start, end: start + 4 * HOUR, attending: null, parent: null, patient: null, needs: 'any' });
    }
  }

  // Older history: one to three past encounters for many patients, for
  // records requests and for the deceased.
  for (const p of patients) {
    const deathCap = p.deceasedAt ?? Number.POSITIVE_INFINITY;
    if (p.deceasedAt !== null && p.deceasedAt < 0) {
      // The stay they died in (or their last visit before it).
      const department: Department = rng.weighted(['icu', 'oncology', 'medicine', 'cardiology'], [3, 3, 3, 1]);
      const end = p.deceasedAt + 2 * HOUR;
      slots.push({ department, kind: 'history', start: end - rng.uniform(1, 8) * DAY, end, attending: null, parent: null, patient: p.index, needs: 'any' });
    }
    if (!rng.chance(0.45)) continue;
    const count = rng.int(1, 3);
    for (let k = 0; k < count; k++) {
      const start = -rng.uniform(HISTORY_DAYS + 1, 1095) * DAY;
      const department: Department = rng.weighted(
        ['emergency', 'medicine', 'cardiology', 'oncology', 'pediatrics', 'radiology', 'laboratory'],
        [4, 2, 2, 1, p.ageYears < 18 ? 3 : 0, 2, 3],
      );
      const end = start + (department === 'medicine' || department === 'oncology' ? rng.uniform(2, 6) * DAY : rng.uniform(2, 6) * HOUR);
      if (end >= deathCap) continue;
      slots.push({ department, kind: 'history', start, end, attending: null, parent: null, patient: p.index, needs: 'any' });
    }
  }

  assignPatients(rng, slots, patients, windowEnd);

  slots.sort((a, b) => a.start - b.start || a.end - b.end);
  const index = new Map<Slot, number>();
  slots.forEach((s, i) => index.set(s, i));
  const encounters: SimEncounter[] = slots.map((s, i) => ({
    index: i,
    patient: s.patient as number,
    department: s.department,
    kind: s.kind,
    // Whole milliseconds, as every exported time is.
    start: Math.round(s.start),
    end: Math.round(s.end),
    attending: s.attending,
    parent: s.parent ? (index.get(s.parent) as number) : null,
  }));
  const byPatient: number[][] = patients.map(() => []);
  for (const e of encounters) (byPatient[e.patient] as number[]).push(e.index);
  return { encounters, byPatient };
}

/** Fill the open slots with patients, in time order, without double-booking or treating the dead. */
function assignPatients(rng: Rng, slots: Slot[], patients: SimPatient[], windowEnd: number): void {
  const adults = patients.filter((p) => p.ageYears >= 18).map((p) => p.index);
  const children = patients.filter((p) => p.ageYears < 18).map((p) => p.index);
  const psy = patients.filter((p) => p.psy && p.ageYears >= 12).map((p) => p.index);
  const everyone = patients.map((p) => p.index);
  const busyUntil = new Float64Array(patients.length).fill(Number.NEGATIVE_INFINITY);

  // ED visits that end in an admission carry the admission's constraints.
  const admits = new Map<Slot, Slot>();
  for (const s of slots) if (s.kind === 'inpatient' && s.parent) admits.set(s.parent, s);
  const primaries = slots.filter((s) => s.parent === null || s.kind === 'inpatient');
  primaries.sort((a, b) => a.start - b.start);
  for (const slot of primaries) {
    if (slot.patient === null && slot.kind === 'inpatient' && slot.parent && slot.parent.patient !== null) {
      slot.patient = slot.parent.patient;
    }
    if (slot.patient === null) {
      const pool = slot.needs === 'child' ? children : slot.needs === 'psy' ? psy : slot.needs === 'adult' ? adults : everyone;
      for (let attempt = 0; attempt < 50; attempt++) {
        const candidate = pool.length > 0 ? rng.pick(pool) : rng.pick(everyone);
        const p = patients[candidate] as SimPatient;
        if (p.deceasedAt !== null && p.deceasedAt <= slot.end) continue;
        // VIP admissions are placed deliberately; staff admitted during the window could not work their shifts.
        const stay = slot.kind === 'inpatient' ? slot : admits.get(slot);
        if ((p.vip || p.employeeStaff !== null) && stay && stay.end > 0 && stay.start < windowEnd) continue;
        if ((busyUntil[candidate] as number) > slot.start) continue;
        slot.patient = candidate;
        break;
      }
      // A saturated pool (tiny test hospitals): accept a double booking rather than loop.
      slot.patient ??= rng.pick(pool.length > 0 ? pool : everyone);
    }
    const p = patients[slot.patient] as SimPatient;
    if (slot.department === 'behavioral-health') p.psy = true;
    if (slot.kind === 'inpatient' || slot.kind === 'emergency') busyUntil[slot.patient] = Math.max(busyUntil[slot.patient] as number, slot.end);
  }
  // Ancillary work inherits its ordering encounter's patient.
  for (const slot of slots) {
    if (slot.patient === null && slot.parent) slot.patient = slot.parent.patient;
  }
}
