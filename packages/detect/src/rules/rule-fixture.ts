import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sampleEvent } from '@chartwatch/event';
import type { AccessEvent } from '@chartwatch/event';
import { ReferenceIndex } from '@chartwatch/reference';
import type { Encounter, Patient, ReferenceSet, Staff, Vendor } from '@chartwatch/reference';
import type { Alert } from '../alert.ts';
import { createDetector } from '../detector.ts';
import type { Detector, DetectorOptions } from '../detector.ts';
import { parseRule } from '../load-rules.ts';
import type { LoadedRule } from '../load-rules.ts';

/**
 * Builders for the rule fixture tests: a tiny hospital and hand-written
 * events, run through the real detector with a rule from the real pack.
 */

const RULES_DIR = fileURLToPath(new URL('../../../../rules/', import.meta.url));

/** A rule of the default pack, read from rules/<id>.yaml. */
export function packRule(id: string): LoadedRule {
  const file = `${RULES_DIR}${id}.yaml`;
  return parseRule({ file, text: readFileSync(file, 'utf8') });
}

export function staff(actorId: string, fields: Partial<Staff> = {}): Staff {
  return {
    actorId,
    givenName: 'Alex',
    familyName: `Family-${actorId}`,
    address: `${actorId} Staff Street`,
    department: 'medicine',
    role: 'nurse',
    hiredAt: '2020-01-01T00:00:00.000Z',
    terminatedAt: null,
    ...fields,
  };
}

export function patient(patientId: string, fields: Partial<Patient> = {}): Patient {
  return {
    patientId,
    givenName: 'Sam',
    familyName: `Family-${patientId}`,
    address: `${patientId} Patient Road`,
    birthDate: '1970-01-01',
    deceasedAt: null,
    vip: false,
    employeeActorId: null,
    ...fields,
  };
}

export function encounter(patientId: string, department: string, start: string, end: string | null): Encounter {
  return { patientId, department, start, end };
}

export function vendor(clientId: string, dailyQuota: number | null): Vendor {
  return { clientId, name: `Vendor ${clientId}`, dailyQuota };
}

export function reference(parts: Partial<ReferenceSet>): ReferenceIndex {
  return new ReferenceIndex({ staff: [], patients: [], vendors: [], encounters: [], ...parts });
}

let seq = 0;

export interface AccessFields {
  id?: string;
  time: string;
  actor: string;
  kind?: 'user' | 'application';
  role?: string | null;
  department?: string | null;
  patients?: string[];
  action?: AccessEvent['action'];
  outcome?: AccessEvent['outcome'];
  sensitivity?: string[];
  purposeOfUse?: string[];
  breakTheGlass?: boolean;
  records?: number;
}

export function access(f: AccessFields): AccessEvent {
  seq++;
  return sampleEvent({
    eventId: f.id ?? `ev-${seq}`,
    time: f.time,
    actor: { id: f.actor, kind: f.kind ?? 'user', role: f.role === undefined ? 'nurse' : f.role, department: f.department === undefined ? 'medicine' : f.department },
    patientIds: f.patients ?? ['p1'],
    action: f.action ?? 'read',
    sensitivity: f.sensitivity ?? [],
    purposeOfUse: f.purposeOfUse ?? (f.breakTheGlass === true ? ['BTG'] : ['TREAT']),
    breakTheGlass: f.breakTheGlass ?? false,
    outcome: f.outcome ?? 'success',
    records: f.records ?? 1,
    sourceSystem: 'ehr',
  });
}

/** Minutes after an ISO time, as ISO. */
export function plus(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

export interface Run {
  detector: Detector;
  alerts: Alert[];
  /** Feeds more events and returns the alerts they caused. */
  feed(events: readonly AccessEvent[]): Alert[];
}

export function run(rule: LoadedRule | LoadedRule[], ref: ReferenceIndex, events: readonly AccessEvent[], options: Partial<DetectorOptions> = {}): Run {
  const detector = createDetector({ rules: Array.isArray(rule) ? rule : [rule], reference: ref, ...options });
  const alerts: Alert[] = [];
  const feed = (more: readonly AccessEvent[]): Alert[] => {
    const out: Alert[] = [];
    for (const e of more) out.push(...detector.process(e));
    alerts.push(...out);
    return out;
  };
  feed(events);
  return { detector, alerts, feed };
}
