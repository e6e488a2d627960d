import type { ActorKind } from '@chartwatch/event';
import { FEATURE_NAMES } from './feature-names.ts';
import type { FeatureRow } from './feature-row.ts';

/** Evidence kept per window: events that showed something (any EVIDENCE_* bit) first, then a few plain ones. */
const MAX_NOTABLE_EVIDENCE = 300;
const MAX_PLAIN_EVIDENCE = 100;
const MAX_PATIENT_IDS = 100;

/** The cross-day features of a window, computed by the accumulator from the actor's earlier windows. */
export interface CrossDayValues {
  readonly noCarePatients7d: number;
  readonly noCareRepeatPatients: number;
  readonly exports7d: number;
  readonly newDepartments: number;
}

const PATIENT_HAD_CARE = 1;
const PATIENT_NEW = 2;
const PATIENT_OTHER_DEPARTMENT = 4;

/**
 * The running counts of one actor in one window. Everything is a count or a
 * set, so adding events in any order gives the same row: what makes the
 * stream and a replay of stored history agree.
 */
export class ActorWindow {
  events = 0;
  afterHours = 0;
  sensitive = 0;
  clinical = 0;
  administrative = 0;
  exports = 0;
  prints = 0;
  records = 0;
  /** Patient id → PATIENT_* bits. */
  readonly patients = new Map<string, number>();
  readonly departments = new Set<string>();
  private readonly notableIds: string[] = [];
  private readonly notableMasks: number[] = [];
  private readonly plainIds: string[] = [];

  constructor(
    readonly actorId: string,
    readonly actorKind: ActorKind,
    readonly group: string,
    readonly department: string | null,
    readonly start: number,
    readonly end: number,
    readonly dayStart: number,
  ) {}

  /** Records a patient touched by this window's actor; returns whether it is the first touch in the window. */
  touch(patientId: string, hadCare: boolean, isNew: () => boolean, department: string | null): boolean {
    const bits = this.patients.get(patientId);
    if (bits === undefined) {
      const elsewhere = department !== null && this.department !== null && department !== this.department;
      this.patients.set(patientId, (hadCare ? PATIENT_HAD_CARE : 0) | (isNew() ? PATIENT_NEW : 0) | (elsewhere ? PATIENT_OTHER_DEPARTMENT : 0));
      if (department !== null) this.departments.add(department);
      return true;
    }
    if (hadCare && (bits & PATIENT_HAD_CARE) === 0) this.patients.set(patientId, bits | PATIENT_HAD_CARE);
    return false;
  }

  isNewPatient(patientId: string): boolean {
    return ((this.patients.get(patientId) ?? 0) & PATIENT_NEW) !== 0;
  }

  hasCare(patientId: string): boolean {
    return ((this.patients.get(patientId) ?? 0) & PATIENT_HAD_CARE) !== 0;
  }

  keepEvidence(eventId: string, mask: number): void {
    if (mask !== 0) {
      if (this.notableIds.length < MAX_NOTABLE_EVIDENCE) {
        this.notableIds.push(eventId);
        this.notableMasks.push(mask);
      }
    } else if (this.plainIds.length < MAX_PLAIN_EVIDENCE) {
      this.plainIds.push(eventId);
    }
  }

  /** Patients touched in this window without a care relationship on any access (none for an application). */
  noCarePatientIds(): string[] {
    if (this.actorKind !== 'user') return [];
    const out: string[] = [];
    for (const [id, bits] of this.patients) if ((bits & PATIENT_HAD_CARE) === 0) out.push(id);
    return out;
  }

  toRow(complete: boolean, crossDay: CrossDayValues): FeatureRow {
    const patients = this.patients.size;
    let noCare = 0;
    let fresh = 0;
    let elsewhere = 0;
    for (const bits of this.patients.values()) {
      if ((bits & PATIENT_HAD_CARE) === 0) noCare++;
      if ((bits & PATIENT_NEW) !== 0) fresh++;
      if ((bits & PATIENT_OTHER_DEPARTMENT) !== 0) elsewhere++;
    }
    // Applications have no care relationship to judge (see FeatureAccumulator).
    const isUser = this.actorKind === 'user';
    const typed = this.clinical + this.administrative;
    const byName: Record<(typeof FEATURE_NAMES)[number], number> = {
      events: this.events,
      patients,
      afterHoursShare: share(this.afterHours, this.events),
      departments: this.departments.size,
      noCareShare: isUser ? share(noCare, patients) : 0,
      sensitiveShare: share(this.sensitive, this.events),
      clinicalShare: share(this.clinical, typed),
      exports: this.exports,
      prints: this.prints,
      newPatientShare: share(fresh, patients),
      records: this.records,
      noCarePatients: isUser ? noCare : 0,
      otherDepartmentShare: share(elsewhere, patients),
      noCarePatients7d: crossDay.noCarePatients7d,
      noCareRepeatPatients: crossDay.noCareRepeatPatients,
      exports7d: crossDay.exports7d,
      newDepartments: crossDay.newDepartments,
    };
    const ids = [...this.patients.keys()].sort();
    return {
      actorId: this.actorId,
      actorKind: this.actorKind,
      group: this.group,
      department: this.department,
      windowStart: this.start,
      windowEnd: this.end,
      dayStart: this.dayStart,
      complete,
      values: FEATURE_NAMES.map((n) => byName[n]),
      patientIds: ids.length > MAX_PATIENT_IDS ? ids.slice(0, MAX_PATIENT_IDS) : ids,
      patientCount: patients,
      evidenceIds: [...this.notableIds, ...this.plainIds],
      evidenceMasks: [...this.notableMasks, ...this.plainIds.map(() => 0)],
      evidenceCount: this.events,
    };
  }
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
