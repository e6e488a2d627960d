import type { AccessEvent } from '@chartwatch/event';
import type { ReferenceSet } from '@chartwatch/reference';
import { generateStaffDay } from './activity.ts';
import { DAY } from './clock.ts';
import { generateHospital } from './hospital.ts';
import { generateIncident, incidentsOfDay } from './incident-activity.ts';
import type { Label } from './label.ts';
import type { Hospital, HospitalOptions, SimStaff, SimVendor } from './model.ts';
import { scenarioKind } from './scenarios.ts';
import type { RawEvent } from './sessions.ts';
import { generateVendorDay } from './vendor-activity.ts';

export interface SimulatedDay {
  /** Day index from 0. */
  day: number;
  /** Local date, YYYY-MM-DD. */
  date: string;
  /** Every event whose time falls on this local day, sorted by time, ids continuing from the day before. */
  events: AccessEvent[];
  /** Labels of incidents whose last event was emitted today. */
  labels: Label[];
}

interface Stamped {
  raw: RawEvent;
  utc: number;
}

function toEvent(s: Stamped, eventId: string): AccessEvent {
  const e = s.raw;
  return {
    eventId,
    time: new Date(s.utc).toISOString(),
    actor: { id: e.actor.id, kind: e.actor.kind, role: e.actor.role, department: e.actor.department },
    patientIds: e.patientIds,
    action: e.action,
    resourceTypes: e.resourceTypes,
    sensitivity: e.sensitivity,
    purposeOfUse: [...e.purposeOfUse],
    breakTheGlass: e.breakTheGlass,
    outcome: e.outcome,
    records: e.records,
    sourceSystem: e.sourceSystem,
    networkAddress: e.networkAddress,
    format: 'json',
  };
}

function actorIdOf(h: Hospital, incidentIndex: number): string {
  const incident = h.incidents[incidentIndex];
  if (!incident) return '';
  return incident.actor.kind === 'staff' ? (h.staff[incident.actor.staff] as SimStaff).actorId : (h.vendors[incident.actor.vendor] as SimVendor).clientId;
}

/**
 * The simulated week, one local day at a time: what a live feed would have
 * delivered by the end of each day. A night shift runs past midnight, so the
 * events of shift-day d that fall on day d+1 wait in a carry buffer and are
 * emitted, sorted in, with day d+1. Event ids are numbered in emission order,
 * so the concatenated days are exactly the batch output.
 */
export function* streamDays(h: Hospital): Generator<SimulatedDay> {
  const { clock, end } = h;
  const seed = h.options.seed;
  let carry: Stamped[] = [];
  let counter = 0;
  const eventIds: string[][] = h.incidents.map(() => []);
  const patients: Set<string>[] = h.incidents.map(() => new Set());
  const firstLast: [string, string][] = h.incidents.map(() => ['', '']);
  const labelled = new Set<number>();

  // Day -1 only contributes its night shift's morning.
  for (let day = -1; day < h.options.days; day++) {
    const raw: RawEvent[] = [];
    generateStaffDay(h, day, raw);
    const vendorRecords = day >= 0 ? generateVendorDay(h, day, raw) : [];
    for (const incident of incidentsOfDay(h, day)) generateIncident(h, incident, raw, vendorRecords);

    const fresh: Stamped[] = [];
    // Plans are in fractional ms; an event lands on the next whole ms, never before what it follows.
    for (const e of raw) if (e.t >= 0 && e.t < end) fresh.push({ raw: e, utc: clock.toUtc(Math.ceil(e.t)) });
    // Stable sort: equal times keep carry-then-generation order, which is deterministic.
    const merged = carry.concat(fresh).sort((a, b) => a.utc - b.utc);
    if (day < 0) {
      carry = merged;
      continue;
    }
    const cut = clock.toUtc((day + 1) * DAY);
    let split = 0;
    while (split < merged.length && (merged[split] as Stamped).utc < cut) split++;
    const today = merged.slice(0, split);
    carry = merged.slice(split);

    const events: AccessEvent[] = today.map((s) => {
      counter++;
      const event = toEvent(s, `sim-${seed}-${counter}`);
      const k = s.raw.incident;
      if (k >= 0) {
        (eventIds[k] as string[]).push(event.eventId);
        for (const p of event.patientIds) (patients[k] as Set<string>).add(p);
        const span = firstLast[k] as [string, string];
        if (span[0] === '') span[0] = event.time;
        span[1] = event.time;
      }
      return event;
    });

    const pending = new Set<number>();
    for (const s of carry) if (s.raw.incident >= 0) pending.add(s.raw.incident);
    const labels: Label[] = [];
    for (const incident of h.incidents) {
      if (incident.day > day || pending.has(incident.index) || labelled.has(incident.index)) continue;
      labelled.add(incident.index);
      const ids = eventIds[incident.index] as string[];
      if (ids.length === 0) continue;
      const [start, last] = firstLast[incident.index] as [string, string];
      labels.push({
        incidentId: incident.incidentId,
        scenario: incident.scenario,
        kind: scenarioKind(incident.scenario),
        actorId: actorIdOf(h, incident.index),
        patientIds: [...(patients[incident.index] as Set<string>)].sort(),
        start,
        end: last,
        eventIds: ids,
      });
    }
    yield { day, date: clock.dateOf(day), events, labels };
  }
}

export interface Simulation {
  hospital: Hospital;
  reference: ReferenceSet;
  /** Sorted by time; ids sim-<seed>-<n> in that order. */
  events: AccessEvent[];
  /** One per injected incident, ordered by start. */
  labels: Label[];
}

/** The whole simulated window at once (tests, benchmarks, the embedded demo). */
export function simulateHospital(options: HospitalOptions): Simulation {
  const hospital = generateHospital(options);
  const events: AccessEvent[] = [];
  const labels: Label[] = [];
  for (const day of streamDays(hospital)) {
    for (const e of day.events) events.push(e);
    labels.push(...day.labels);
  }
  labels.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.incidentId < b.incidentId ? -1 : 1));
  return { hospital, reference: hospital.reference, events, labels };
}
