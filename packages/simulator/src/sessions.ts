import type { Action, Outcome } from '@chartwatch/event';
import { SECOND } from './clock.ts';
import type { SimPatient, SimStaff } from './model.ts';
import type { Rng } from '@chartwatch/random';
import { departmentSubnet } from './layout.ts';

/**
 * A chart session: one person opening one chart and clicking through it.
 * Real EHR audit trails log every screen, so one look at a chart is a burst
 * of events seconds apart, each touching one kind of resource. What is
 * touched depends on the role (a nurse documents vitals and medication
 * administration, a registrar checks coverage), and which security labels an
 * event carries depends on the chart (a patient with a psychiatric history
 * has PSY-labelled problems and medications).
 */

export interface ActorRef {
  readonly id: string;
  readonly kind: 'user' | 'application';
  readonly role: string | null;
  readonly department: string | null;
}

/** An event before it has an id; t is local ms. */
export interface RawEvent {
  t: number;
  actor: ActorRef;
  patientIds: string[];
  action: Action;
  resourceTypes: string[];
  sensitivity: string[];
  purposeOfUse: string[];
  breakTheGlass: boolean;
  outcome: Outcome;
  records: number;
  sourceSystem: string;
  networkAddress: string;
  /** Index of the planned incident this event belongs to; -1 for legitimate traffic. */
  incident: number;
}

type Step = readonly [resourceType: string, action: Action, weight: number];

/** A psychotherapy note: a DocumentReference whose security labels are PSY and PSYTHPN. */
export const PSYCHOTHERAPY_NOTE = 'PsychotherapyNote';

export const TEMPLATES = {
  nurse: [
    ['Observation', 'read', 5],
    ['Observation', 'create', 4],
    ['MedicationAdministration', 'create', 3],
    ['MedicationRequest', 'read', 3],
    ['CarePlan', 'read', 1],
    ['CarePlan', 'update', 1],
    ['DocumentReference', 'read', 1],
    ['DocumentReference', 'create', 1],
    ['AllergyIntolerance', 'read', 1],
    ['Encounter', 'read', 1],
  ],
  physician: [
    ['Observation', 'read', 5],
    ['DiagnosticReport', 'read', 3],
    ['DocumentReference', 'read', 3],
    ['DocumentReference', 'create', 1],
    ['Condition', 'read', 2],
    ['Condition', 'update', 1],
    ['MedicationRequest', 'read', 2],
    ['MedicationRequest', 'create', 1],
    ['ServiceRequest', 'create', 1],
    ['ImagingStudy', 'read', 1],
    ['Procedure', 'read', 1],
    ['AllergyIntolerance', 'read', 1],
    ['Encounter', 'read', 1],
  ],
  psychiatrist: [
    ['MedicationRequest', 'read', 3],
    ['MedicationRequest', 'create', 1],
    ['Condition', 'read', 2],
    ['Observation', 'read', 2],
    ['DocumentReference', 'read', 2],
    ['DocumentReference', 'create', 1],
    ['CarePlan', 'read', 1],
    ['QuestionnaireResponse', 'read', 1],
  ],
  therapist: [
    [PSYCHOTHERAPY_NOTE, 'read', 3],
    ['CarePlan', 'read', 2],
    ['CarePlan', 'update', 1],
    ['Condition', 'read', 1],
    ['QuestionnaireResponse', 'create', 1],
    ['QuestionnaireResponse', 'read', 1],
  ],
  pharmacist: [
    ['MedicationRequest', 'read', 5],
    ['MedicationRequest', 'update', 2],
    ['AllergyIntolerance', 'read', 2],
    ['Observation', 'read', 2],
    ['MedicationDispense', 'create', 2],
  ],
  labTech: [
    ['ServiceRequest', 'read', 2],
    ['Specimen', 'create', 2],
    ['Observation', 'create', 4],
    ['Observation', 'update', 1],
    ['DiagnosticReport', 'create', 1],
  ],
  radTech: [
    ['ServiceRequest', 'read', 3],
    ['ImagingStudy', 'create', 2],
    ['ImagingStudy', 'update', 1],
    ['Procedure', 'create', 1],
  ],
  radiologist: [
    ['ImagingStudy', 'read', 4],
    ['DiagnosticReport', 'create', 2],
    ['DiagnosticReport', 'update', 1],
    ['ServiceRequest', 'read', 1],
    ['Condition', 'read', 1],
    ['DocumentReference', 'read', 1],
  ],
  registrar: [
    ['Patient', 'update', 2],
    ['Coverage', 'read', 3],
    ['Coverage', 'update', 1],
    ['Encounter', 'create', 2],
    ['RelatedPerson', 'read', 1],
    ['Appointment', 'read', 1],
    ['Consent', 'create', 1],
  ],
  billing: [
    ['Account', 'read', 3],
    ['Claim', 'create', 2],
    ['Claim', 'update', 2],
    ['Coverage', 'read', 2],
    ['Encounter', 'read', 2],
    ['ChargeItem', 'read', 2],
    ['ExplanationOfBenefit', 'read', 1],
  ],
  him: [
    ['DocumentReference', 'read', 4],
    ['Encounter', 'read', 2],
    ['DiagnosticReport', 'read', 2],
    ['Observation', 'read', 1],
    ['Condition', 'read', 1],
    ['Procedure', 'read', 1],
    ['Consent', 'read', 1],
  ],
  /** Reading someone else's story: what a snooper opens. */
  browse: [
    ['DocumentReference', 'read', 4],
    ['Observation', 'read', 3],
    ['DiagnosticReport', 'read', 2],
    ['Condition', 'read', 2],
    ['MedicationRequest', 'read', 1],
    ['Encounter', 'read', 1],
  ],
  /** Clinical content as a billing clerk would have no reason to read it. */
  clinicalNotes: [
    ['DocumentReference', 'read', 5],
    ['Observation', 'read', 3],
    ['DiagnosticReport', 'read', 3],
    ['Condition', 'read', 2],
    ['MedicationRequest', 'read', 1],
  ],
  psychotherapyNoteRead: [[PSYCHOTHERAPY_NOTE, 'read', 1]],
  psychotherapyNoteWrite: [[PSYCHOTHERAPY_NOTE, 'create', 1]],
  ownResults: [
    ['Observation', 'read', 4],
    ['DiagnosticReport', 'read', 3],
    ['DocumentReference', 'read', 2],
    ['Appointment', 'read', 1],
  ],
  restricted: [
    ['DocumentReference', 'read', 3],
    ['Condition', 'read', 2],
    ['MedicationRequest', 'read', 2],
    ['Observation', 'read', 1],
  ],
} as const satisfies Record<string, readonly Step[]>;

export type TemplateName = keyof typeof TEMPLATES;

const weightsCache = new Map<TemplateName, number[]>();
function weightsOf(name: TemplateName): number[] {
  let w = weightsCache.get(name);
  if (!w) {
    w = (TEMPLATES[name] as readonly Step[]).map((s) => s[2]);
    weightsCache.set(name, w);
  }
  return w;
}

const PSY_TYPES = new Set(['Condition', 'MedicationRequest', 'DocumentReference', 'CarePlan', 'MedicationStatement', 'QuestionnaireResponse']);
const ETH_TYPES = new Set(['Condition', 'DocumentReference', 'Observation']);
const HIV_TYPES = new Set(['Observation', 'Condition', 'MedicationRequest', 'DiagnosticReport']);

/** Labels a resource of this type in this chart carries. Sorted, so equal sets compare equal. */
export function labelsFor(rng: Rng, patient: SimPatient, resourceType: string): string[] {
  if (resourceType === PSYCHOTHERAPY_NOTE) return ['PSY', 'PSYTHPN'];
  const labels: string[] = [];
  if (patient.eth && ETH_TYPES.has(resourceType) && rng.chance(0.4)) labels.push('ETH');
  if (patient.hiv && HIV_TYPES.has(resourceType) && rng.chance(0.5)) labels.push('HIV');
  if (patient.psy && PSY_TYPES.has(resourceType) && rng.chance(0.5)) labels.push('PSY');
  return labels;
}

export function workstationAddress(rng: Rng, staff: SimStaff): string {
  const host = Math.min(254, staff.workstationHost + rng.int(0, 6));
  return `10.20.${departmentSubnet(staff.department)}.${host}`;
}

/** The staff member's own remote-access (VPN) address: the same every time. */
export function remoteAddress(staff: SimStaff): string {
  return `10.99.${1 + (staff.index >> 8)}.${staff.index & 255}`;
}

export function actorOf(staff: SimStaff): ActorRef {
  return { id: staff.actorId, kind: 'user', role: staff.localRole, department: staff.department };
}

export interface SessionSpec {
  actor: ActorRef;
  patient: SimPatient;
  start: number;
  events: number;
  template: TemplateName;
  purpose: readonly string[];
  address: string;
  source: string;
  incident?: number;
  breakTheGlass?: boolean;
  /** First event reads the Patient resource (opening the chart); default true. */
  open?: boolean;
  /** Extra labels on every event (the restricted section a break-the-glass opened). */
  forceLabels?: readonly string[];
  /** Last event: an export of this many records. */
  exportRecords?: number;
}

/** Appends the session's events to `out`; returns the time of the last one. */
export function chartSession(out: RawEvent[], rng: Rng, spec: SessionSpec): number {
  const steps = TEMPLATES[spec.template] as readonly Step[];
  const weights = weightsOf(spec.template);
  const purpose = spec.purpose as string[];
  const btg = spec.breakTheGlass ?? false;
  const incident = spec.incident ?? -1;
  let t = spec.start;
  const push = (resourceType: string, action: Action, records: number): void => {
    // Ordinary traffic fails now and then; an incident's accesses succeed, so its label never hangs on a failed one.
    const failed = incident < 0 && rng.chance(0.003);
    let sensitivity = labelsFor(rng, spec.patient, resourceType);
    if (spec.forceLabels && spec.forceLabels.length > 0) sensitivity = [...new Set([...sensitivity, ...spec.forceLabels])].sort();
    out.push({
      t,
      actor: spec.actor,
      patientIds: [spec.patient.patientId],
      action,
      resourceTypes: [resourceType === PSYCHOTHERAPY_NOTE ? 'DocumentReference' : resourceType],
      sensitivity,
      purposeOfUse: purpose,
      breakTheGlass: btg,
      // A failed access returned nothing.
      outcome: failed ? 'minor-failure' : 'success',
      records: failed ? 0 : records,
      sourceSystem: spec.source,
      networkAddress: spec.address,
      incident,
    });
    // Seconds between screens, now and then a longer read.
    t += (rng.chance(0.1) ? rng.uniform(60, 240) : rng.uniform(4, 45)) * SECOND;
  };
  let remaining = spec.events;
  if (spec.open ?? true) {
    push('Patient', 'read', 1);
    remaining--;
  }
  for (; remaining > 0; remaining--) {
    const step = steps[rng.weightedIndex(weights)] as Step;
    push(step[0], step[1], 1);
  }
  if (spec.exportRecords !== undefined) push('DocumentReference', 'export', spec.exportRecords);
  return t;
}
