import { DAY, HOUR, MINUTE } from './clock.ts';
import type { Hospital, PlannedIncident, SimPatient, SimStaff, SimVendor } from './model.ts';
import { Rng } from '@chartwatch/random';
import { shiftWindow } from './roster.ts';
import type { RawEvent, SessionSpec } from './sessions.ts';
import { actorOf, chartSession, remoteAddress, workstationAddress } from './sessions.ts';
import { vendorPull } from './vendor-activity.ts';

/**
 * The events of planned incidents. They are made of the same sessions as
 * ordinary work, from the actor's usual workstation unless the story says
 * otherwise, so nothing but the behaviour itself gives them away.
 */

interface IncidentCtx {
  h: Hospital;
  incident: PlannedIncident;
  rng: Rng;
  out: RawEvent[];
}

const staffOf = (c: IncidentCtx): SimStaff => {
  if (c.incident.actor.kind !== 'staff') throw new Error(`incident ${c.incident.incidentId} has no staff actor`);
  return c.h.staff[c.incident.actor.staff] as SimStaff;
};
const patientsOf = (c: IncidentCtx): SimPatient[] => c.incident.patients.map((i) => c.h.patients[i] as SimPatient);

function session(c: IncidentCtx, patient: SimPatient, start: number, spec: Partial<SessionSpec> & Pick<SessionSpec, 'template' | 'events'>): number {
  const staff = staffOf(c);
  return chartSession(c.out, c.rng, {
    actor: actorOf(staff),
    patient,
    start,
    purpose: ['TREAT'],
    address: workstationAddress(c.rng, staff),
    source: 'ehr-desktop',
    incident: c.incident.index,
    ...spec,
  });
}

/** One or two looks at a single chart (VIP, relative, neighbour, coworker, self, the dead). */
function peek(c: IncidentCtx, template: SessionSpec['template'] = 'browse'): void {
  const [patient] = patientsOf(c);
  if (!patient) return;
  const { from } = c.incident;
  const end = session(c, patient, from, { template, events: c.rng.int(4, 9) });
  if (c.rng.chance(0.4)) session(c, patient, end + c.rng.uniform(20, 90) * MINUTE, { template, events: c.rng.int(2, 4) });
}

/** Many charts, one after another, through [from, to). */
function sweep(c: IncidentCtx, patients: SimPatient[], from: number, to: number, spec: Partial<SessionSpec> & Pick<SessionSpec, 'template'>, events: [number, number]): void {
  const step = (to - from) / Math.max(1, patients.length);
  patients.forEach((patient, i) => {
    session(c, patient, from + i * step + c.rng.uniform(0, step * 0.5), { events: c.rng.int(events[0], events[1]), ...spec });
  });
}

function vendorIncident(c: IncidentCtx, legitRecords: number): void {
  const { h, incident, rng } = c;
  if (incident.actor.kind !== 'vendor') return;
  const vendor = h.vendors[incident.actor.vendor] as SimVendor;
  const factor = incident.params['factor'] as number;
  let total: number;
  if (incident.scenario === 'vendor-over-quota') {
    total = (vendor.dailyQuota as number) * factor;
  } else {
    const sorted = [...vendor.profile.weekly].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    total = median * factor;
    if (vendor.dailyQuota !== null) total = Math.min(total, vendor.dailyQuota * 0.85);
  }
  const extra = Math.max(total - legitRecords, total * 0.5);
  const time = (): number => rng.uniform(incident.from, incident.to);
  for (const e of vendorPull(rng, h, vendor, incident.day, extra, time, incident.index)) c.out.push(e);
}

/**
 * Events of one incident. `vendorRecords` is what each app pulled that day
 * in ordinary traffic, so an over-quota day really ends over quota.
 */
export function generateIncident(h: Hospital, incident: PlannedIncident, out: RawEvent[], vendorRecords: readonly number[]): void {
  const c: IncidentCtx = { h, incident, out, rng: Rng.for(h.options.seed, 'incident', incident.index) };
  const { from, to, day } = incident;
  switch (incident.scenario) {
    case 'vip-snoop':
    case 'family-snoop':
    case 'neighbour-snoop':
    case 'coworker-snoop':
    case 'deceased-snoop':
      peek(c);
      return;
    case 'self-access':
      peek(c, 'ownResults');
      return;
    case 'sensitive-snoop': {
      const [patient] = patientsOf(c);
      if (!patient) return;
      const end = session(c, patient, from, { template: 'psychotherapyNoteRead', events: c.rng.int(2, 4) });
      session(c, patient, end + c.rng.uniform(1, 10) * MINUTE, { template: 'therapist', events: c.rng.int(2, 4), open: false });
      return;
    }
    case 'after-hours-bulk': {
      const staff = staffOf(c);
      const remote = c.rng.chance(0.5);
      sweep(c, patientsOf(c), from, to, remote ? { template: 'browse', source: 'ehr-remote', address: remoteAddress(staff) } : { template: 'browse' }, [1, 3]);
      return;
    }
    case 'post-termination': {
      const staff = staffOf(c);
      sweep(c, patientsOf(c), from, to, { template: 'browse', source: 'ehr-remote', address: remoteAddress(staff) }, [2, 6]);
      return;
    }
    case 'btg-abuse': {
      const patients = patientsOf(c);
      const breaks = incident.params['breaks'] as number;
      const step = (to - from) / breaks;
      for (let k = 0; k < breaks; k++) {
        const patient = patients[k % patients.length] as SimPatient;
        session(c, patient, from + k * step + c.rng.uniform(0, step * 0.4), {
          template: 'restricted',
          events: c.rng.int(2, 4),
          purpose: ['ETREAT', 'BTG'],
          breakTheGlass: true,
        });
      }
      return;
    }
    case 'billing-clinical-browse':
      sweep(c, patientsOf(c), from, to, { template: 'clinicalNotes', purpose: ['HPAYMT'] }, [2, 5]);
      return;
    case 'out-of-unit-browse':
      sweep(c, patientsOf(c), from, to, { template: 'browse' }, [2, 4]);
      return;
    case 'quiet-exporter': {
      const staff = staffOf(c);
      const patients = patientsOf(c);
      const first = incident.params['first'] as number;
      const spans = [shiftWindow(staff, day)];
      if (incident.params['days'] === 2) spans.push(shiftWindow(staff, day + 1));
      spans.forEach((span, d) => {
        const mine = d === 0 ? patients.slice(0, first) : patients.slice(first);
        const a = span.from + 40 * MINUTE;
        // Quiet means in business hours: an evening registrar stops exporting at 18:30.
        const b = Math.min(span.to - 60 * MINUTE, (day + d) * DAY + 18.5 * HOUR);
        const step = (b - a) / Math.max(1, mine.length);
        mine.forEach((patient, i) => {
          const t = a + i * step + c.rng.uniform(0, step * 0.6);
          c.out.push({
            t,
            actor: actorOf(staff),
            patientIds: [patient.patientId],
            action: 'export',
            resourceTypes: c.rng.chance(0.5) ? ['Patient'] : ['Coverage', 'Patient'],
            sensitivity: [],
            purposeOfUse: ['HOPERAT'],
            breakTheGlass: false,
            outcome: 'success',
            records: c.rng.chance(0.8) ? 1 : 2,
            sourceSystem: 'ehr-desktop',
            networkAddress: workstationAddress(c.rng, staff),
            incident: incident.index,
          });
        });
      });
      return;
    }
    case 'vendor-over-quota':
    case 'vendor-baseline-spike':
      vendorIncident(c, incident.actor.kind === 'vendor' ? (vendorRecords[incident.actor.vendor] ?? 0) : 0);
      return;
  }
}

/** Incidents whose events are generated with shift-day `day`. */
export function incidentsOfDay(h: Hospital, day: number): PlannedIncident[] {
  return h.incidents.filter((i) => i.day === day);
}
