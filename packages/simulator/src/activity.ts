import { DAY, HOUR, MINUTE } from './clock.ts';
import type { Department, Role, Shift } from './layout.ts';
import { INPATIENT_UNITS, SHIFT_HOURS } from './layout.ts';
import type { Hospital, SimEncounter, SimPatient, SimStaff } from './model.ts';
import { Rng } from '@chartwatch/random';
import { BILLING_WINDOW, isHousehold, overlapping } from './relationship.ts';
import { works } from './roster.ts';
import type { RawEvent, SessionSpec, TemplateName } from './sessions.ts';
import { actorOf, chartSession, remoteAddress, workstationAddress } from './sessions.ts';

/**
 * Ordinary work, one shift-day at a time: everything that starts on `day`
 * (a night shift runs into the next morning). Each person's choices come
 * from their own random stream (seed, day, person), and each ward's
 * assignment from the ward's, so one change does not ripple through the rest.
 */

/** A session must fit before its encounter or shift ends. */
const SESSION_ROOM = 25 * MINUTE;

interface Ctx {
  h: Hospital;
  day: number;
  out: RawEvent[];
}

const personRng = (ctx: Ctx, staff: SimStaff, topic: string): Rng => Rng.for(ctx.h.options.seed, 'person', ctx.day, staff.index, topic);
const wardRng = (ctx: Ctx, ...labels: (string | number)[]): Rng => Rng.for(ctx.h.options.seed, 'ward', ctx.day, ...labels);

function window(day: number, shift: Shift): { from: number; to: number } {
  const hours = SHIFT_HOURS[shift];
  return { from: day * DAY + hours.start * HOUR, to: day * DAY + hours.end * HOUR };
}

function onShift(ctx: Ctx, department: Department, roles: readonly Role[], shift: Shift): SimStaff[] {
  return ctx.h.staff.filter((s) => s.department === department && roles.includes(s.role) && s.shift === shift && works(s, ctx.day, ctx.h.clock));
}

/**
 * One session for `staff` on `patient` somewhere in [from, to), trimmed at `to`
 * so it never runs past the end of the encounter or shift it belongs to.
 */
function sessionBetween(ctx: Ctx, rng: Rng, staff: SimStaff, patient: SimPatient, from: number, to: number, spec: Partial<SessionSpec> & { template: TemplateName; events: number }): void {
  if (to - from < 5 * MINUTE) return;
  if (isHousehold(staff, patient)) return;
  const start = to - from > SESSION_ROOM ? rng.uniform(from, to - SESSION_ROOM) : from;
  const before = ctx.out.length;
  chartSession(ctx.out, rng, {
    actor: actorOf(staff),
    patient,
    start,
    purpose: ['TREAT'],
    address: workstationAddress(rng, staff),
    source: 'ehr-desktop',
    ...spec,
  });
  while (ctx.out.length > before && (ctx.out[ctx.out.length - 1] as RawEvent).t >= to) ctx.out.pop();
}

const patientOf = (ctx: Ctx, e: SimEncounter): SimPatient => ctx.h.patients[e.patient] as SimPatient;

/** Sessions spread through [from, to) every ~interval, each of `events` events. */
function rounds(ctx: Ctx, rng: Rng, staff: SimStaff, e: SimEncounter, from: number, to: number, interval: number, template: TemplateName, events: [number, number], source?: () => string): void {
  const a = Math.max(from, e.start);
  const b = Math.min(to, e.end);
  if (b - a < 10 * MINUTE) return;
  const count = Math.max(1, Math.round((b - a) / interval));
  const slice = (b - a) / count;
  for (let k = 0; k < count; k++) {
    sessionBetween(ctx, rng, staff, patientOf(ctx, e), a + k * slice, Math.min(b, a + (k + 1) * slice + SESSION_ROOM), {
      template,
      events: rng.int(events[0], events[1]),
      source: source ? source() : 'ehr-desktop',
    });
  }
}

function inpatientNursing(ctx: Ctx): void {
  for (const unit of INPATIENT_UNITS) {
    for (const shift of ['day', 'evening', 'night'] as const) {
      const nurses = onShift(ctx, unit, ['nurse'], shift);
      if (nurses.length === 0) continue;
      const { from, to } = window(ctx.day, shift);
      const assign = wardRng(ctx, unit, shift);
      const census = assign.shuffle(overlapping(ctx.h, unit, from, to).filter((e) => e.kind === 'inpatient'));
      const load = new Map<SimStaff, SimEncounter[]>(nurses.map((n) => [n, []]));
      census.forEach((e, i) => {
        // Nobody nurses their own family: the next colleague takes the patient.
        for (let k = 0; k < nurses.length; k++) {
          const nurse = nurses[(i + k) % nurses.length] as SimStaff;
          if (!isHousehold(nurse, patientOf(ctx, e))) {
            (load.get(nurse) as SimEncounter[]).push(e);
            break;
          }
        }
      });
      const interval = (shift === 'night' ? 95 : 55) * MINUTE;
      for (const [nurse, mine] of load) {
        const rng = personRng(ctx, nurse, 'nursing');
        const mobile = (): string => (rng.chance(0.4) ? 'ehr-mobile' : 'ehr-desktop');
        for (const e of mine) rounds(ctx, rng, nurse, e, from + 10 * MINUTE, to - 10 * MINUTE, interval * rng.uniform(0.8, 1.25), 'nurse', [3, 8], mobile);
        // Covering a colleague's break: a quick look at someone else's patient on the unit.
        const cover = rng.int(0, 2);
        for (let k = 0; k < cover && census.length > 0; k++) {
          const e = rng.pick(census);
          sessionBetween(ctx, rng, nurse, patientOf(ctx, e), Math.max(from, e.start), Math.min(to, e.end), { template: 'nurse', events: rng.int(2, 3) });
        }
      }
    }
  }
}

/** Most patients a covering physician takes on beyond their own list. */
const COVER_LIMIT = 14;

function inpatientPhysicians(ctx: Ctx): void {
  const { h, day } = ctx;
  for (const unit of INPATIENT_UNITS) {
    const attendings = onShift(ctx, unit, ['physician'], 'attending');
    const residents = onShift(ctx, unit, ['resident'], 'attending');
    const { from, to } = window(day, 'attending');
    const census = overlapping(h, unit, from, to).filter((e) => e.kind === 'inpatient');
    const cover = wardRng(ctx, unit, 'cover');
    // Patients whose attending is off (weekends): the covering physicians see
    // the ones who need a visit, shared out evenly, a bounded list each.
    const covered = new Map<SimStaff, number>();
    let turn = 0;
    for (const e of census) {
      const owner = e.attending !== null ? (h.staff[e.attending] as SimStaff) : null;
      let doc: SimStaff | null = null;
      if (owner && attendings.includes(owner)) doc = owner;
      else if (attendings.length > 0 && cover.chance(0.6)) {
        for (let k = 0; k < attendings.length && doc === null; k++) {
          const candidate = attendings[(turn + k) % attendings.length] as SimStaff;
          if ((covered.get(candidate) ?? 0) < COVER_LIMIT) doc = candidate;
        }
        turn++;
        if (doc) covered.set(doc, (covered.get(doc) ?? 0) + 1);
      }
      if (doc && isHousehold(doc, patientOf(ctx, e))) doc = attendings.find((a) => !isHousehold(a, patientOf(ctx, e))) ?? null;
      if (doc) {
        const rng = personRng(ctx, doc, `round-${e.index}`);
        const morning = day * DAY + 7.5 * HOUR;
        sessionBetween(ctx, rng, doc, patientOf(ctx, e), Math.max(morning, e.start), Math.min(day * DAY + 11.5 * HOUR, e.end), { template: 'physician', events: rng.int(8, 15) });
        const afternoons = unit === 'icu' ? 2 : rng.chance(0.6) ? 1 : 0;
        for (let k = 0; k < afternoons; k++) {
          sessionBetween(ctx, rng, doc, patientOf(ctx, e), Math.max(day * DAY + 12.5 * HOUR, e.start), Math.min(to - 10 * MINUTE, e.end), { template: 'physician', events: rng.int(3, 7) });
        }
        // Some look in on their patients from home in the evening.
        if (rng.chance(0.12)) {
          const a = Math.max(day * DAY + 19 * HOUR, e.start);
          const b = Math.min(day * DAY + 22 * HOUR, e.end);
          sessionBetween(ctx, rng, doc, patientOf(ctx, e), a, b, { template: 'physician', events: rng.int(2, 5), source: 'ehr-remote', address: remoteAddress(doc) });
        }
      }
    }
    // Residents carry a share of the census with their attendings.
    if (residents.length > 0) {
      const shuffled = cover.shuffle(census.slice());
      shuffled.forEach((e, i) => {
        if (i >= residents.length * 11) return;
        const resident = residents[i % residents.length] as SimStaff;
        const rng = personRng(ctx, resident, `round-${e.index}`);
        rounds(ctx, rng, resident, e, from + 30 * MINUTE, to - 30 * MINUTE, 4 * HOUR, 'physician', [4, 9]);
      });
    }
    // Nights: the intensivist sees every ICU bed; night residents and hospitalists answer calls.
    const night = window(day, 'night');
    const nightDocs = onShift(ctx, unit, ['physician', 'resident'], 'night');
    if (nightDocs.length > 0) {
      const nightCensus = overlapping(h, unit, night.from, night.to).filter((e) => e.kind === 'inpatient');
      const calls = wardRng(ctx, unit, 'night-calls');
      for (const e of nightCensus) {
        const doc = calls.pick(nightDocs);
        const rng = personRng(ctx, doc, `night-${e.index}`);
        const admitted = e.start >= night.from && e.start < night.to;
        if (unit === 'icu') rounds(ctx, rng, doc, e, night.from, night.to, 4 * HOUR, 'physician', [3, 7]);
        else if (admitted) sessionBetween(ctx, rng, doc, patientOf(ctx, e), e.start, Math.min(night.to, e.end), { template: 'physician', events: rng.int(8, 14) });
        else if (rng.chance(0.3)) sessionBetween(ctx, rng, doc, patientOf(ctx, e), night.from, Math.min(night.to, e.end), { template: 'physician', events: rng.int(3, 6) });
      }
    }
  }
}

function clinics(ctx: Ctx): void {
  const { h, day } = ctx;
  const from = day * DAY;
  const to = (day + 1) * DAY;
  for (const department of ['cardiology', 'oncology', 'pediatrics', 'behavioral-health'] as const) {
    for (const e of overlapping(h, department, from, to)) {
      if (e.kind !== 'outpatient' || e.attending === null || e.start < from || e.start >= to) continue;
      const clinician = h.staff[e.attending] as SimStaff;
      if (!works(clinician, day, h.clock)) continue;
      const rng = personRng(ctx, clinician, `clinic-${e.index}`);
      const appointment = e.start + 1 * HOUR;
      const patient = patientOf(ctx, e);
      if (clinician.role === 'therapist') {
        // Re-read last week's psychotherapy note, then write this week's.
        sessionBetween(ctx, rng, clinician, patient, appointment - 20 * MINUTE, appointment, { template: 'therapist', events: rng.int(3, 6) });
        sessionBetween(ctx, rng, clinician, patient, appointment + 50 * MINUTE, appointment + 80 * MINUTE, { template: 'psychotherapyNoteWrite', events: 1, open: false });
      } else {
        const template: TemplateName = department === 'behavioral-health' ? 'psychiatrist' : 'physician';
        sessionBetween(ctx, rng, clinician, patient, appointment - 15 * MINUTE, appointment + 10 * MINUTE, { template, events: rng.int(5, 10) });
        sessionBetween(ctx, rng, clinician, patient, appointment + 30 * MINUTE, appointment + 2 * HOUR, { template, events: rng.int(3, 6) });
        // Psychiatrists sometimes read the therapist's notes of a shared patient.
        if (department === 'behavioral-health' && patient.therapyNotes && rng.chance(0.25)) {
          sessionBetween(ctx, rng, clinician, patient, appointment - 30 * MINUTE, appointment - 15 * MINUTE, { template: 'therapist', events: 2 });
        }
      }
    }
  }
}

function emergency(ctx: Ctx): void {
  const { h, day } = ctx;
  for (const shift of ['day', 'evening', 'night'] as const) {
    const { from, to } = window(day, shift);
    const nurses = onShift(ctx, 'emergency', ['nurse'], shift);
    const doctors = onShift(ctx, 'emergency', ['physician'], shift);
    const residents = onShift(ctx, 'emergency', ['resident'], shift);
    const visits = overlapping(h, 'emergency', from, to).filter((e) => e.kind === 'emergency');
    const assign = wardRng(ctx, 'emergency', shift);
    const pickFree = (team: SimStaff[], patient: SimPatient, i: number): SimStaff | null => {
      for (let k = 0; k < team.length; k++) {
        const s = team[(i + k) % team.length] as SimStaff;
        if (!isHousehold(s, patient)) return s;
      }
      return null;
    };
    visits.forEach((e, i) => {
      const patient = patientOf(ctx, e);
      const offset = assign.int(0, 5);
      const nurse = pickFree(nurses, patient, i + offset);
      if (nurse) rounds(ctx, personRng(ctx, nurse, `ed-${e.index}`), nurse, e, from, to, 40 * MINUTE, 'nurse', [3, 7]);
      const doc = pickFree(doctors, patient, i + offset);
      if (doc) {
        const rng = personRng(ctx, doc, `ed-${e.index}`);
        const a = Math.max(from, e.start);
        const b = Math.min(to, e.end);
        sessionBetween(ctx, rng, doc, patient, a, Math.min(b, a + 40 * MINUTE), { template: 'physician', events: rng.int(6, 11) });
        const followUps = rng.int(1, 2);
        for (let k = 0; k < followUps; k++) sessionBetween(ctx, rng, doc, patient, a + 40 * MINUTE, b, { template: 'physician', events: rng.int(3, 6) });
      }
      if (residents.length > 0 && assign.chance(0.5)) {
        const resident = pickFree(residents, patient, i);
        if (resident) rounds(ctx, personRng(ctx, resident, `ed-${e.index}`), resident, e, from, to, 90 * MINUTE, 'physician', [4, 8]);
      }
    });
    // Break-the-glass, the legitimate way: an ED clinician opening the
    // restricted part of a chart of a patient in front of them.
    const glass = wardRng(ctx, 'emergency', shift, 'btg');
    const breaks = glass.poisson(0.35);
    const team = [...doctors, ...nurses];
    for (let k = 0; k < breaks && team.length > 0 && visits.length > 0; k++) {
      const restricted = visits.filter((e) => {
        const p = patientOf(ctx, e);
        return p.psy || p.eth || p.hiv;
      });
      const e = glass.pick(restricted.length > 0 ? restricted : visits);
      const patient = patientOf(ctx, e);
      const who = glass.pick(team);
      const labels = [patient.eth ? 'ETH' : null, patient.hiv ? 'HIV' : null, patient.psy || !(patient.eth || patient.hiv) ? 'PSY' : null].filter((x): x is string => x !== null);
      sessionBetween(ctx, personRng(ctx, who, `btg-${e.index}`), who, patient, Math.max(from, e.start), Math.min(to, e.end), {
        template: 'restricted',
        events: glass.int(2, 4),
        purpose: ['ETREAT', 'BTG'],
        breakTheGlass: true,
        forceLabels: labels,
      });
    }
  }
}

/** Lab, imaging and pharmacy work: tasks on ordered encounters, shared by whoever is on shift. */
function ancillary(ctx: Ctx): void {
  const { h, day } = ctx;
  const shifts = ['day', 'evening', 'night', 'attending'] as const;
  for (const shift of shifts) {
    const { from, to } = window(day, shift);
    const pharmacists = onShift(ctx, 'pharmacy', ['pharmacist'], shift);
    const labTechs = onShift(ctx, 'laboratory', ['technician'], shift);
    const radTechs = onShift(ctx, 'radiology', ['technician'], shift);
    const radiologists = onShift(ctx, 'radiology', ['physician'], shift);
    const tasks = wardRng(ctx, 'ancillary', shift);
    const hours = (to - from) / HOUR;

    const work = (team: SimStaff[], e: SimEncounter, count: number, template: TemplateName, events: [number, number], a = Math.max(from, e.start), b = Math.min(to, e.end)): void => {
      if (team.length === 0 || b - a < 5 * MINUTE) return;
      for (let k = 0; k < count; k++) {
        const who = tasks.pick(team);
        sessionBetween(ctx, personRng(ctx, who, `task-${e.index}-${k}`), who, patientOf(ctx, e), a, b, { template, events: tasks.int(events[0], events[1]) });
      }
    };

    for (const e of overlapping(h, 'pharmacy', from, to)) {
      const overlapHours = (Math.min(to, e.end) - Math.max(from, e.start)) / HOUR;
      const rate = shift === 'night' ? 0.2 : shift === 'day' ? 1.5 : 1.0;
      work(pharmacists, e, tasks.poisson((rate * overlapHours) / hours), 'pharmacist', [2, 4]);
    }
    for (const e of overlapping(h, 'laboratory', from, to)) {
      const parent = e.parent !== null ? (h.encounters[e.parent] as SimEncounter) : null;
      if (parent && parent.kind === 'inpatient') {
        // Morning draws result overnight; most are auto-verified by the analyser, not by a person.
        if (shift === 'night' && tasks.chance(0.35)) work(labTechs, e, 1, 'labTech', [1, 3], Math.max(from, (day + 1) * DAY + 4 * HOUR, e.start), Math.min(to, e.end));
        else if (shift === 'day' && tasks.chance(0.3)) work(labTechs, e, 1, 'labTech', [1, 3]);
      } else if (e.start >= from && e.start < to) {
        work(labTechs, e, 1, 'labTech', [2, 4]);
      }
    }
    for (const e of overlapping(h, 'radiology', from, to)) {
      if (e.start < from || e.start >= to) continue;
      work(radTechs, e, 1, 'radTech', [2, 4], e.start, Math.min(e.end, e.start + 90 * MINUTE));
      work(radiologists, e, 1, 'radiologist', [3, 6], e.start + 60 * MINUTE, e.end);
    }
  }
}

const REGISTERED_DEPARTMENTS: readonly Department[] = [...new Set<Department>(['emergency', 'radiology', 'laboratory', ...INPATIENT_UNITS])];

function registration(ctx: Ctx): void {
  const { h, day } = ctx;
  for (const shift of ['day', 'evening', 'night'] as const) {
    const { from, to } = window(day, shift);
    const registrars = onShift(ctx, 'registration', ['registrar'], shift);
    if (registrars.length === 0) continue;
    const desk = wardRng(ctx, 'registration', shift);
    // Shifts overlap by 30 minutes: an arrival belongs to the shift it falls in first.
    const ownTo = to - 30 * MINUTE;
    for (const department of REGISTERED_DEPARTMENTS) {
      for (const e of overlapping(h, department, from, ownTo)) {
        if (e.start < from || e.start >= ownTo || e.kind === 'ancillary' || e.kind === 'history') continue;
        // Admissions through the ED were registered at the ED door.
        if (e.kind === 'inpatient' && e.parent !== null) continue;
        const patient = patientOf(ctx, e);
        const registrar = desk.pick(registrars);
        if (isHousehold(registrar, patient)) continue;
        const rng = personRng(ctx, registrar, `reg-${e.index}`);
        sessionBetween(ctx, rng, registrar, patient, e.start, e.start + 45 * MINUTE, { template: 'registrar', events: rng.int(3, 6), purpose: ['HOPERAT'] });
      }
    }
  }
}

function billing(ctx: Ctx): void {
  const { h, day } = ctx;
  const clerks = h.staff.filter((s) => s.role === 'billing-clerk' && works(s, day, h.clock));
  if (clerks.length === 0) return;
  const queue = wardRng(ctx, 'billing');
  const dayStart = day * DAY;
  for (const e of h.encounters) {
    if (e.start >= dayStart) break;
    if (e.kind === 'ancillary') continue;
    // Accounts are worked between discharge and 30 days after it.
    if (e.end > dayStart || e.end < dayStart - BILLING_WINDOW + 1 * DAY) continue;
    if (!queue.chance(0.07)) continue;
    const clerk = queue.pick(clerks);
    const patient = patientOf(ctx, e);
    if (isHousehold(clerk, patient)) continue;
    const rng = personRng(ctx, clerk, `bill-${e.index}`);
    sessionBetween(ctx, rng, clerk, patient, dayStart + 8.25 * HOUR, dayStart + 16.75 * HOUR, { template: 'billing', events: rng.int(4, 8), purpose: ['HPAYMT'], open: rng.chance(0.5) });
  }
}

function recordsRequests(ctx: Ctx): void {
  const { h, day } = ctx;
  const clerks = h.staff.filter((s) => s.role === 'him-clerk' && works(s, day, h.clock));
  if (clerks.length === 0) return;
  const dayStart = day * DAY;
  const queue = wardRng(ctx, 'him');
  // Requests concern past care; VIP and employee requests go to the privacy office instead.
  const eligible = (p: SimPatient): boolean => !p.vip && p.employeeStaff === null;
  const hasPast = (p: SimPatient): boolean => (h.encountersByPatient[p.index] ?? []).some((i) => (h.encounters[i] as SimEncounter).end < dayStart - 7 * DAY);
  const deceased = h.patients.filter((p) => p.deceasedAt !== null && p.deceasedAt < dayStart - 7 * DAY && eligible(p) && hasPast(p));
  for (const clerk of clerks) {
    const rng = personRng(ctx, clerk, 'him');
    const requests = rng.int(8, 14);
    for (let k = 0; k < requests; k++) {
      let patient: SimPatient | null = null;
      if (deceased.length > 0 && rng.chance(0.3)) patient = rng.pick(deceased);
      for (let attempt = 0; patient === null && attempt < 30; attempt++) {
        const candidate = queue.pick(h.patients);
        if (eligible(candidate) && hasPast(candidate)) patient = candidate;
      }
      if (!patient || isHousehold(clerk, patient)) continue;
      const purpose = patient.deceasedAt !== null ? 'FAMRQT' : rng.weighted(['PATRQT', 'HLEGAL', 'COVERAGE', 'TREAT'], [5, 2, 2, 1]);
      sessionBetween(ctx, rng, clerk, patient, dayStart + 8.25 * HOUR, dayStart + 16.5 * HOUR, { template: 'him', events: rng.int(4, 9), purpose: [purpose], exportRecords: rng.int(8, 80) });
    }
  }
}

/** Everyone's ordinary work for the shift-day `day` (apps are generated apart). */
export function generateStaffDay(h: Hospital, day: number, out: RawEvent[]): void {
  const ctx: Ctx = { h, day, out };
  inpatientNursing(ctx);
  inpatientPhysicians(ctx);
  clinics(ctx);
  emergency(ctx);
  ancillary(ctx);
  registration(ctx);
  billing(ctx);
  recordsRequests(ctx);
}
