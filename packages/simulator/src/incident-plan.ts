import { DAY, HOUR } from './clock.ts';
import type { Department, Role } from './layout.ts';
import { CLINICAL_ROLES, INPATIENT_UNITS } from './layout.ts';
import type { Hospital, PlannedIncident, SimPatient, SimStaff, SimVendor } from './model.ts';
import { Rng } from '@chartwatch/random';
import { isHousehold, noEncounterNear, overlapping } from './relationship.ts';
import { shiftWindow, works } from './roster.ts';
import type { Scenario } from './scenarios.ts';
import { SCENARIOS } from './scenarios.ts';

/**
 * Where, when and by whom each incident happens. Incidents start on day 2
 * (when the week is long enough), so a detector that learns each actor's
 * habits has two days of them first. Every incident has its own actor, and
 * targets are chosen so that the label does not hang on a tolerance: no
 * encounter in the actor's department within three days, no family tie
 * unless the scenario is about one.
 */

export function defaultIncidentCounts(days: number): Record<Scenario, number> {
  const per = Math.max(1, Math.round((3 * days) / 7));
  const counts = Object.fromEntries(SCENARIOS.map((s) => [s, per])) as Record<Scenario, number>;
  counts['after-hours-bulk'] = Math.max(2, Math.round((4 * days) / 7));
  return counts;
}

/**
 * Scenarios judged against the actor's own history (an app's usual volume,
 * a night nurse's usual night, one's own break-the-glass habit) start a day
 * later, so a detector has three days of that history.
 */
const NEEDS_HISTORY: ReadonlySet<Scenario> = new Set<Scenario>(['vendor-baseline-spike', 'btg-abuse', 'after-hours-bulk']);

export function firstIncidentDay(days: number, scenario?: Scenario): number {
  if (scenario !== undefined && NEEDS_HISTORY.has(scenario) && days >= 5) return 3;
  return days >= 4 ? 2 : days >= 2 ? 1 : 0;
}

type Draft = Omit<PlannedIncident, 'index' | 'incidentId'>;

interface Planner {
  h: Hospital;
  rng: Rng;
  /** Staff already acting in an incident, with the days of them. */
  usedStaff: Map<number, number[]>;
  /** Small hospitals run out of billing clerks and registrars: then an actor may act again, on another day. */
  allowReuse: boolean;
  usedVendorDays: Set<string>;
  ordinary: SimPatient[];
}

const SNOOP_ROLES: readonly Role[] = [...CLINICAL_ROLES, 'registrar', 'billing-clerk'];

/** A time well inside the actor's shift and at least three hours before the window closes. */
function timeInShift(p: Planner, staff: SimStaff, day: number): number | null {
  const { from, to } = shiftWindow(staff, day);
  const latest = Math.min(to - 100 * 60_000, p.h.end - 3 * HOUR);
  const earliest = from + 45 * 60_000;
  return latest > earliest ? p.rng.uniform(earliest, latest) : null;
}

/** Staff free for an incident on `day`, in random order. */
function candidates(p: Planner, day: number, keep: (s: SimStaff) => boolean, mustWork = true): SimStaff[] {
  return p.rng.shuffle(
    p.h.staff.filter((s) => {
      const usedOn = p.usedStaff.get(s.index);
      const free = usedOn === undefined || (p.allowReuse && usedOn.every((d) => Math.abs(d - day) > 1));
      return free && s.terminatedAt === null && (!mustWork || works(s, day, p.h.clock)) && keep(s);
    }),
  );
}

function staffDraft(scenario: Scenario, day: number, staff: SimStaff, patients: SimPatient[], from: number, to: number, params: Record<string, number> = {}): Draft {
  return { scenario, day, actor: { kind: 'staff', staff: staff.index }, patients: patients.map((x) => x.index), from, to, params };
}

/** Patients with nothing special about them, not related to the actor in any way. */
function strangers(p: Planner, staff: SimStaff, t: number, n: number, extra: (x: SimPatient) => boolean = () => true): SimPatient[] {
  const chosen: SimPatient[] = [];
  const seen = new Set<number>();
  for (let attempt = 0; chosen.length < n && attempt < n * 40; attempt++) {
    const x = p.rng.pick(p.ordinary);
    if (seen.has(x.index)) continue;
    seen.add(x.index);
    if (isHousehold(staff, x) || x.familyName === staff.familyName || !noEncounterNear(p.h, staff, x, t) || !extra(x)) continue;
    chosen.push(x);
  }
  return chosen;
}

type ScenarioPlanner = (p: Planner, day: number, k: number) => Draft | null;

const PLANNERS: Record<Scenario, ScenarioPlanner> = {
  'after-hours-bulk': (p, day, k) => {
    const { h, rng } = p;
    const count = rng.int(45, 80);
    if (k % 2 === 1) {
      // A night nurse reading far past her own assignment.
      if (day + 1 >= h.options.days) return null;
      for (const s of candidates(p, day, (x) => x.role === 'nurse' && x.shift === 'night' && (INPATIENT_UNITS as readonly string[]).includes(x.department))) {
        const from = (day + 1) * DAY + rng.uniform(0.5, 2.5) * HOUR;
        const patients = strangers(p, s, from, rng.int(45, 70));
        if (patients.length >= 40) return staffDraft('after-hours-bulk', day, s, patients, from, from + rng.uniform(2, 4) * HOUR, { variant: 2 });
      }
      return null;
    }
    const worked = (s: SimStaff): boolean => works(s, day - 1, h.clock) || works(s, day - 2, h.clock);
    if (h.clock.isWeekend(day)) {
      for (const s of candidates(p, day, (x) => x.roster === 'office' && ['billing-clerk', 'him-clerk', 'therapist'].includes(x.role) && worked(x), false)) {
        const from = day * DAY + rng.uniform(10, 14) * HOUR;
        const patients = strangers(p, s, from, count);
        if (patients.length >= 40) return staffDraft('after-hours-bulk', day, s, patients, from, from + rng.uniform(1, 3) * HOUR, { variant: 1 });
      }
    }
    for (const s of candidates(p, day, (x) => (x.shift === 'day' || x.shift === 'attending' || x.shift === 'office') && x.role !== 'it-analyst' && worked(x), false)) {
      // 00:30-03:00, well away from any of their shifts.
      const from = day * DAY + rng.uniform(0.5, 3) * HOUR;
      const patients = strangers(p, s, from, count);
      if (patients.length >= 40) return staffDraft('after-hours-bulk', day, s, patients, from, from + rng.uniform(1, 3) * HOUR, { variant: 0 });
    }
    return null;
  },

  'vip-snoop': (p, day) => {
    const vips = p.h.patients.filter((x) => x.vip && x.deceasedAt === null);
    for (const s of candidates(p, day, (x) => CLINICAL_ROLES.includes(x.role))) {
      const t = timeInShift(p, s, day);
      if (t === null) continue;
      const targets = p.rng.shuffle(vips.filter((v) => !isHousehold(s, v) && noEncounterNear(p.h, s, v, t)));
      if (targets.length > 0) return staffDraft('vip-snoop', day, s, [targets[0] as SimPatient], t, t + 2 * HOUR);
    }
    return null;
  },

  'family-snoop': (p, day) => relativeSnoop(p, day, 'family-snoop', (s, x) => x.address === s.address && x.familyName === s.familyName),
  'neighbour-snoop': (p, day) => relativeSnoop(p, day, 'neighbour-snoop', (s, x) => x.address === s.address && x.familyName !== s.familyName),

  'coworker-snoop': (p, day) => {
    const { h } = p;
    const employees = h.patients.filter((x) => x.employeeStaff !== null && x.deceasedAt === null && !x.vip);
    for (const s of candidates(p, day, (x) => SNOOP_ROLES.includes(x.role))) {
      const t = timeInShift(p, s, day);
      if (t === null) continue;
      const ok = employees.filter((x) => x.employeeStaff !== s.index && x.address !== s.address && noEncounterNear(h, s, x, t));
      const colleagues = ok.filter((x) => (h.staff[x.employeeStaff as number] as SimStaff).department === s.department);
      const pool = colleagues.length > 0 ? colleagues : ok;
      if (pool.length > 0) return staffDraft('coworker-snoop', day, s, [p.rng.pick(pool)], t, t + 2 * HOUR);
    }
    return null;
  },

  'self-access': (p, day) => {
    for (const s of candidates(p, day, (x) => x.selfPatient !== null && x.role !== 'it-analyst')) {
      const t = timeInShift(p, s, day);
      if (t === null) continue;
      return staffDraft('self-access', day, s, [p.h.patients[s.selfPatient as number] as SimPatient], t, t + 2 * HOUR);
    }
    return null;
  },

  'post-termination': (p, day) => {
    if (day < 1) return null;
    // Never someone with another incident: their account stops working at termination.
    for (const s of candidates(p, day - 1, (x) => !p.usedStaff.has(x.index) && SNOOP_ROLES.includes(x.role) && (x.shift === 'day' || x.shift === 'attending' || x.shift === 'office'))) {
      const terminatedAt = Math.round((day - 1) * DAY + p.rng.uniform(17, 18.5) * HOUR);
      const from = day * DAY + p.rng.uniform(19, 21) * HOUR;
      const patients = strangers(p, s, from, p.rng.int(3, 8));
      if (patients.length < 3) continue;
      s.terminatedAt = terminatedAt;
      return staffDraft('post-termination', day, s, patients, from, from + p.rng.uniform(1, 2.5) * HOUR);
    }
    return null;
  },

  'deceased-snoop': (p, day) => {
    const dead = p.h.patients.filter((x) => x.deceasedAt !== null && x.deceasedAt < day * DAY - 130 * DAY);
    for (const s of candidates(p, day, (x) => SNOOP_ROLES.includes(x.role))) {
      const t = timeInShift(p, s, day);
      if (t === null) continue;
      const targets = dead.filter((x) => !isHousehold(s, x) && noEncounterNear(p.h, s, x, t));
      if (targets.length > 0) return staffDraft('deceased-snoop', day, s, [p.rng.pick(targets)], t, t + 2 * HOUR);
    }
    return null;
  },

  'btg-abuse': (p, day) => {
    const units: readonly Department[] = ['emergency', 'icu', 'medicine'];
    for (const s of candidates(p, day, (x) => units.includes(x.department) && ['nurse', 'physician', 'resident'].includes(x.role) && x.shift !== 'night')) {
      const { from: shiftFrom, to: shiftTo } = shiftWindow(s, day);
      const from = p.rng.uniform(shiftFrom + 30 * 60_000, shiftTo - 5.5 * HOUR);
      const patients = strangers(p, s, from, p.rng.int(6, 12));
      if (patients.length >= 6) return staffDraft('btg-abuse', day, s, patients, from, from + p.rng.uniform(2, 5) * HOUR, { breaks: p.rng.int(8, 16) });
    }
    return null;
  },

  'sensitive-snoop': (p, day) => {
    const withNotes = p.h.patients.filter((x) => x.therapyNotes && x.deceasedAt === null && !x.vip);
    for (const s of candidates(p, day, (x) => SNOOP_ROLES.includes(x.role) && x.department !== 'behavioral-health')) {
      const t = timeInShift(p, s, day);
      if (t === null) continue;
      const targets = withNotes.filter((x) => !isHousehold(s, x) && noEncounterNear(p.h, s, x, t));
      if (targets.length > 0) return staffDraft('sensitive-snoop', day, s, [p.rng.pick(targets)], t, t + 2 * HOUR);
    }
    return null;
  },

  'billing-clinical-browse': (p, day) => {
    const { h } = p;
    const hasHistory = (x: SimPatient): boolean => (h.encountersByPatient[x.index] ?? []).length > 0;
    for (const s of candidates(p, day, (x) => x.role === 'billing-clerk')) {
      const from = day * DAY + p.rng.uniform(9, 10.5) * HOUR;
      const to = Math.min(day * DAY + 16.5 * HOUR, from + p.rng.uniform(3, 6) * HOUR);
      const patients = strangers(p, s, from, p.rng.int(12, 25), hasHistory);
      if (patients.length >= 10) return staffDraft('billing-clinical-browse', day, s, patients, from, to);
    }
    return null;
  },

  'quiet-exporter': (p, day) => {
    const { h } = p;
    const hasHistory = (x: SimPatient): boolean => (h.encountersByPatient[x.index] ?? []).length > 0;
    // Day-shift registrars first; an evening one (small hospitals) exports before 18:30, in business hours.
    const registrars = [...candidates(p, day, (x) => x.role === 'registrar' && x.shift === 'day'), ...candidates(p, day, (x) => x.role === 'registrar' && x.shift === 'evening')];
    for (const s of registrars) {
      const both = day + 1 < h.options.days && works(s, day + 1, h.clock);
      const { from } = shiftWindow(s, day);
      const to = shiftWindow(s, both ? day + 1 : day).to;
      const perDay = [p.rng.int(25, 45), both ? p.rng.int(25, 45) : 0];
      const patients = strangers(p, s, from, perDay[0]! + perDay[1]!, hasHistory);
      if (patients.length >= 20) return staffDraft('quiet-exporter', day, s, patients, from, to, { days: both ? 2 : 1, first: perDay[0]! });
    }
    return null;
  },

  'out-of-unit-browse': (p, day) => {
    const { h, rng } = p;
    for (const s of candidates(p, day, (x) => x.role === 'nurse' && x.shift === 'day' && (INPATIENT_UNITS as readonly string[]).includes(x.department))) {
      const from = day * DAY + rng.uniform(9, 11) * HOUR;
      const to = Math.min(day * DAY + 15 * HOUR, from + rng.uniform(2, 4) * HOUR);
      const ordinary = new Set(p.ordinary.map((x) => x.index));
      const elsewhere = new Map<number, SimPatient>();
      for (const unit of INPATIENT_UNITS) {
        if (unit === s.department) continue;
        for (const e of overlapping(h, unit, from, to)) {
          const x = h.patients[e.patient] as SimPatient;
          if (e.kind === 'inpatient' && e.start <= from && e.end >= to && ordinary.has(x.index) && !isHousehold(s, x) && x.familyName !== s.familyName && noEncounterNear(h, s, x, from)) elsewhere.set(x.index, x);
        }
      }
      const pool = rng.shuffle([...elsewhere.values()].sort((a, b) => a.index - b.index));
      const patients = pool.slice(0, rng.int(12, 22));
      if (patients.length >= 10) return staffDraft('out-of-unit-browse', day, s, patients, from, to);
    }
    return null;
  },

  'vendor-over-quota': (p, day, k) => {
    const eligible = p.h.vendors.filter((v) => v.dailyQuota !== null && v.dailyQuota <= 3 * Math.max(...v.profile.weekly));
    return vendorDraft(p, day, k, eligible, 'vendor-over-quota', () => p.rng.uniform(1.3, 2.0), [1, 3]);
  },
  'vendor-baseline-spike': (p, day, k) => {
    const eligible = p.h.vendors.filter((v) => v.dailyQuota === null || v.dailyQuota > 10 * Math.max(...v.profile.weekly));
    return vendorDraft(p, day, k, eligible, 'vendor-baseline-spike', () => p.rng.uniform(6, 10), [2, 4]);
  },
};

function relativeSnoop(p: Planner, day: number, scenario: Scenario, related: (s: SimStaff, x: SimPatient) => boolean): Draft | null {
  const byAddress = new Map<string, SimPatient[]>();
  for (const x of p.h.patients) {
    let list = byAddress.get(x.address);
    if (!list) byAddress.set(x.address, (list = []));
    list.push(x);
  }
  for (const s of candidates(p, day, (x) => SNOOP_ROLES.includes(x.role))) {
    const t = timeInShift(p, s, day);
      if (t === null) continue;
    const targets = (byAddress.get(s.address) ?? []).filter((x) => x.employeeStaff === null && !x.vip && x.deceasedAt === null && related(s, x) && noEncounterNear(p.h, s, x, t));
    if (targets.length > 0) return staffDraft(scenario, day, s, [p.rng.pick(targets)], t, t + 2 * HOUR);
  }
  return null;
}

function vendorDraft(p: Planner, day: number, k: number, eligible: SimVendor[], scenario: Scenario, factor: () => number, hours: [number, number]): Draft | null {
  for (let i = 0; i < eligible.length; i++) {
    const v = eligible[(k + i) % eligible.length] as SimVendor;
    const key = `${v.index}:${day}`;
    if (p.usedVendorDays.has(key)) continue;
    p.usedVendorDays.add(key);
    // Nightly batch apps misbehave in their batch window; the rest in the working day.
    const nightly = (v.profile.hourly[2] as number) > (v.profile.hourly[12] as number);
    const from = day * DAY + (nightly ? p.rng.uniform(0.5, 2.5) : p.rng.uniform(9, 14)) * HOUR;
    return { scenario, day, actor: { kind: 'vendor', vendor: v.index }, patients: [], from, to: from + p.rng.uniform(hours[0], hours[1]) * HOUR, params: { factor: factor() } };
  }
  return null;
}

export function planIncidents(h: Hospital): PlannedIncident[] {
  const setting = h.options.incidents;
  if (setting === false) return [];
  const from = h.options.incidentsFrom;
  const counts = { ...defaultIncidentCounts(h.options.days - from), ...(typeof setting === 'object' ? setting : {}) };
  const staffAddresses = new Set(h.staff.map((s) => s.address));
  const planner: Planner = {
    h,
    rng: Rng.for(h.options.seed, 'incidents'),
    usedStaff: new Map(),
    allowReuse: false,
    usedVendorDays: new Set(),
    ordinary: h.patients.filter((x) => !x.vip && x.employeeStaff === null && x.deceasedAt === null && x.therapist === null && !staffAddresses.has(x.address)),
  };
  const drafts: Draft[] = [];
  for (const scenario of SCENARIOS) {
    const n = counts[scenario] ?? 0;
    const first = Math.max(firstIncidentDay(h.options.days, scenario), from);
    const span = h.options.days - first;
    for (let k = 0; k < n; k++) {
      const preferred = first + Math.min(span - 1, Math.floor(((k + planner.rng.next()) / n) * span));
      // The preferred day first, then the others nearest to it.
      const days = Array.from({ length: span }, (_, i) => first + i).sort((a, b) => Math.abs(a - preferred) - Math.abs(b - preferred) || a - b);
      let draft: Draft | null = null;
      for (const reuse of [false, true]) {
        planner.allowReuse = reuse;
        for (const day of days) {
          draft = PLANNERS[scenario](planner, day, k);
          if (draft) break;
        }
        if (draft) break;
      }
      if (draft) {
        if (draft.actor.kind === 'staff') planner.usedStaff.set(draft.actor.staff, [...(planner.usedStaff.get(draft.actor.staff) ?? []), draft.day]);
        drafts.push(draft);
      }
    }
  }
  drafts.sort((a, b) => a.from - b.from || SCENARIOS.indexOf(a.scenario) - SCENARIOS.indexOf(b.scenario));
  return drafts.map((d, index) => ({ ...d, index, incidentId: `inc-${h.options.seed}-${index + 1}` }));
}
