import { DAY, HOUR } from './clock.ts';
import type { Hospital, SimEncounter, SimPatient, SimVendor } from './model.ts';
import { Rng } from '@chartwatch/random';
import type { ActorRef, RawEvent } from './sessions.ts';
import { labelsFor } from './sessions.ts';

/**
 * Applications pull records in searches: one event, several patients,
 * records > 1. Each app follows its weekly and hourly profile with ±15 %
 * day-to-day noise, from the population it serves.
 */

export function vendorActor(vendor: SimVendor): ActorRef {
  return { id: vendor.clientId, kind: 'application', role: null, department: null };
}

const poolCache = new WeakMap<Hospital, Map<string, SimPatient[]>>();

/** The patients an app may touch on a day. */
export function vendorPopulation(h: Hospital, vendor: SimVendor, day: number): SimPatient[] {
  let cache = poolCache.get(h);
  if (!cache) poolCache.set(h, (cache = new Map()));
  const key = `${vendor.profile.population}:${day}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dayStart = day * DAY;
  const dayEnd = dayStart + DAY;
  const alive = (p: SimPatient): boolean => p.deceasedAt === null || p.deceasedAt > dayEnd;
  const fromEncounters = (keep: (e: SimEncounter) => boolean): SimPatient[] => {
    const seen = new Set<number>();
    for (const e of h.encounters) {
      if (e.start >= dayEnd) break;
      if (keep(e)) seen.add(e.patient);
    }
    return [...seen].sort((a, b) => a - b).map((i) => h.patients[i] as SimPatient);
  };
  let pool: SimPatient[];
  switch (vendor.profile.population) {
    case 'recent-encounters':
      pool = fromEncounters((e) => e.kind !== 'ancillary' && e.kind !== 'history' && e.start >= dayStart - 14 * DAY);
      break;
    case 'recent-discharges':
      pool = fromEncounters((e) => e.kind !== 'ancillary' && e.end < dayStart && e.end >= dayStart - 30 * DAY);
      break;
    case 'radiology':
      pool = fromEncounters((e) => e.department === 'radiology' && e.start >= dayStart);
      break;
    case 'living':
      pool = h.patients.filter(alive);
      break;
    case 'portal':
      pool = h.patients.filter((p) => p.portalUser && alive(p));
      break;
    case 'everyone':
      pool = h.patients;
      break;
  }
  if (pool.length === 0) pool = h.patients.filter(alive);
  cache.set(key, pool);
  return pool;
}

/** One application event at local time t touching `patients`. */
export function vendorEvent(rng: Rng, vendor: SimVendor, t: number, patients: SimPatient[], incident = -1): RawEvent {
  const profile = vendor.profile;
  const types = rng.sample(profile.resourceTypes, rng.int(1, Math.min(3, profile.resourceTypes.length))).sort();
  let records = 0;
  const labels = new Set<string>();
  for (const p of patients) {
    records += rng.int(profile.recordsPerPatient[0], profile.recordsPerPatient[1]);
    for (const type of types) for (const label of labelsFor(rng, p, type)) labels.add(label);
  }
  const failed = incident < 0 && rng.chance(0.002);
  return {
    t,
    actor: vendorActor(vendor),
    patientIds: patients.map((p) => p.patientId),
    action: profile.action,
    resourceTypes: types,
    sensitivity: [...labels].sort(),
    purposeOfUse: [profile.purpose],
    breakTheGlass: false,
    outcome: failed ? 'minor-failure' : 'success',
    records: failed ? 0 : records,
    sourceSystem: 'fhir-api',
    networkAddress: profile.address,
    incident,
  };
}

/** Events pulling about `target` records, times drawn from `hour` (local ms within the day). */
export function vendorPull(rng: Rng, h: Hospital, vendor: SimVendor, day: number, target: number, time: () => number, incident = -1): RawEvent[] {
  const pool = vendorPopulation(h, vendor, day);
  const out: RawEvent[] = [];
  let pulled = 0;
  const [minPatients, maxPatients] = vendor.profile.patientsPerEvent;
  while (pulled < target) {
    const patients = rng.sample(pool, rng.int(minPatients, maxPatients));
    const event = vendorEvent(rng, vendor, time(), patients, incident);
    pulled += event.records;
    out.push(event);
  }
  return out;
}

/** Ordinary application traffic of local calendar day `day`; returns records pulled per vendor. */
export function generateVendorDay(h: Hospital, day: number, out: RawEvent[]): number[] {
  const weekday = h.clock.weekday(day);
  return h.vendors.map((vendor) => {
    const rng = Rng.for(h.options.seed, 'vendor', day, vendor.index);
    const target = (vendor.profile.weekly[weekday] as number) * rng.uniform(0.85, 1.15);
    const time = (): number => day * DAY + (rng.weightedIndex(vendor.profile.hourly) + rng.next()) * HOUR;
    const events = vendorPull(rng, h, vendor, day, target, time);
    let records = 0;
    for (const e of events) {
      out.push(e);
      records += e.records;
    }
    return records;
  });
}
