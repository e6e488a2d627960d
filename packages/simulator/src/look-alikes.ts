import { DAY } from './clock.ts';
import type { Hospital, SimPatient, SimStaff } from './model.ts';
import type { Simulation } from './simulate.ts';

/**
 * A census of the legitimate traffic that resembles an incident: what a
 * naive detector would flag and a good one must not. The simulator reports
 * it so a run shows that the look-alikes are really there.
 */
export interface LookAlikeCensus {
  /** Events by night-shift staff between 23:00 and 07:00 (their ordinary volume). */
  nightShiftEvents: number;
  /** Most distinct patients an ED clinician saw in one local day. */
  edMaxPatientsPerDay: number;
  /** Records-request (HIM) events on patients dead more than 120 days. */
  himOnLongDeceased: number;
  /** Billing events on patients who died within the last 30 days. */
  billingOnRecentlyDeceased: number;
  /** User events on VIP charts, all with a care or work relationship. */
  vipWithRelationship: number;
  /** User events on other employees' charts, all with a relationship. */
  coworkerWithRelationship: number;
  /** Legitimate break-the-glass events (ED, patient in front of them). */
  legitimateBreakTheGlass: number;
  /** Events on patients sharing the actor's family name but not their address. */
  sameSurnameOtherAddress: number;
  /** Psychotherapy-note events by the patient's own behavioural-health clinicians. */
  psychotherapyNotesInCare: number;
  /** PSY-labelled events by clinicians outside behavioural health, in care. */
  psyLabelOutsideBehaviouralHealth: number;
  /** Physicians' evening remote-access events on their own patients. */
  remoteAccessInCare: number;
  /** Events of staff who leave during the window, before their termination. */
  leaversBeforeTermination: number;
  /** Applications whose busiest day is ≥ 1.4x their quietest full day, all days under quota. */
  appsWithWeeklyRhythm: number;
  /** HIM exports (records requests): exports by a role that legitimately exports. */
  himExports: number;
}

export function lookAlikeCensus(sim: Simulation): LookAlikeCensus {
  const h: Hospital = sim.hospital;
  const incidentEvents = new Set<string>();
  for (const l of sim.labels) for (const id of l.eventIds) incidentEvents.add(id);
  const staffById = new Map(h.staff.map((s) => [s.actorId, s]));
  const patientById = new Map(h.patients.map((p) => [p.patientId, p]));
  const deathUtc = new Map<SimPatient, number>();
  for (const p of h.patients) if (p.deceasedAt !== null) deathUtc.set(p, h.clock.toUtc(p.deceasedAt));
  const census: LookAlikeCensus = {
    nightShiftEvents: 0,
    edMaxPatientsPerDay: 0,
    himOnLongDeceased: 0,
    billingOnRecentlyDeceased: 0,
    vipWithRelationship: 0,
    coworkerWithRelationship: 0,
    legitimateBreakTheGlass: 0,
    sameSurnameOtherAddress: 0,
    psychotherapyNotesInCare: 0,
    psyLabelOutsideBehaviouralHealth: 0,
    remoteAccessInCare: 0,
    leaversBeforeTermination: 0,
    appsWithWeeklyRhythm: 0,
    himExports: 0,
  };
  const edDay = new Map<string, Set<string>>();
  const appDay = new Map<string, number>();
  for (const e of sim.events) {
    if (incidentEvents.has(e.eventId)) continue;
    if (e.actor.kind === 'application') {
      const key = `${e.actor.id}|${e.time.slice(0, 10)}`;
      appDay.set(key, (appDay.get(key) ?? 0) + e.records);
      continue;
    }
    const staff = staffById.get(e.actor.id) as SimStaff;
    const t = Date.parse(e.time);
    const hour = Number(e.time.slice(11, 13));
    if (staff.shift === 'night' && (hour >= 23 || hour < 7)) census.nightShiftEvents++;
    if (e.breakTheGlass) census.legitimateBreakTheGlass++;
    if (e.sourceSystem === 'ehr-remote') census.remoteAccessInCare++;
    if (staff.terminatedAt !== null && staff.terminatedAt >= 0 && staff.terminatedAt < h.end) census.leaversBeforeTermination++;
    if (e.sensitivity.includes('PSYTHPN')) census.psychotherapyNotesInCare++;
    else if (e.sensitivity.includes('PSY') && staff.department !== 'behavioral-health' && staff.role !== 'him-clerk') census.psyLabelOutsideBehaviouralHealth++;
    if (staff.role === 'him-clerk' && e.action === 'export') census.himExports++;
    if (staff.department === 'emergency' && (staff.role === 'physician' || staff.role === 'resident')) {
      const key = `${staff.actorId}|${e.time.slice(0, 10)}`;
      let set = edDay.get(key);
      if (!set) edDay.set(key, (set = new Set()));
      for (const id of e.patientIds) set.add(id);
    }
    for (const id of e.patientIds) {
      const p = patientById.get(id) as SimPatient;
      if (p.vip) census.vipWithRelationship++;
      if (p.employeeStaff !== null && p.employeeStaff !== staff.index) census.coworkerWithRelationship++;
      if (p.familyName === staff.familyName && p.address !== staff.address) census.sameSurnameOtherAddress++;
      const death = deathUtc.get(p);
      if (death !== undefined) {
        if (staff.role === 'him-clerk' && t - death > 120 * DAY) census.himOnLongDeceased++;
        if (staff.role === 'billing-clerk' && t - death <= 30 * DAY) census.billingOnRecentlyDeceased++;
      }
    }
  }
  for (const set of edDay.values()) census.edMaxPatientsPerDay = Math.max(census.edMaxPatientsPerDay, set.size);
  const firstDate = h.clock.dateOf(0);
  const lastDate = h.clock.dateOf(h.options.days - 1);
  for (const vendor of h.vendors) {
    const days: number[] = [];
    for (const [key, records] of appDay) {
      const [id, date] = key.split('|') as [string, string];
      // Partial first/last days would fake a rhythm.
      if (id === vendor.clientId && date >= firstDate && date <= lastDate) days.push(records);
    }
    if (days.length < 3) continue;
    const underQuota = vendor.dailyQuota === null || days.every((d) => d <= (vendor.dailyQuota as number));
    if (underQuota && Math.max(...days) >= 1.4 * Math.min(...days)) census.appsWithWeeklyRhythm++;
  }
  return census;
}
