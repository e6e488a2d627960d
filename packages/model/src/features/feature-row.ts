import type { ActorKind } from '@chartwatch/event';
/**
 * One actor's behaviour in one window, as the model sees it (`values`, in
 * FEATURE_NAMES order) and as an alert needs it (who, when, which patients,
 * which events).
 */
export interface FeatureRow {
  readonly actorId: string;
  readonly actorKind: ActorKind;
  /** Peer group: the actor's role ("billing clerk"), or "application". */
  readonly group: string;
  readonly department: string | null;
  /** UTC ms; windows are aligned on the hospital's local clock. */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Start of the local day the window falls in (= windowStart for day windows): what "actor-days" count. */
  readonly dayStart: number;
  /**
   * False while the look-back for "new patients" was not yet covered by the
   * events seen (the first days of a stream or of a training range): such
   * rows are neither trained on nor scored.
   */
  readonly complete: boolean;
  readonly values: readonly number[];
  /** Distinct patients, sorted, capped at 100; patientCount has the total. */
  readonly patientIds: readonly string[];
  readonly patientCount: number;
  /** Event ids kept as evidence (see ActorWindow), with what each showed (EVIDENCE_* bits). */
  readonly evidenceIds: readonly string[];
  readonly evidenceMasks: readonly number[];
  readonly evidenceCount: number;
}

/** What an event showed, for choosing the evidence that backs a feature. */
export const EVIDENCE_AFTER_HOURS = 1;
export const EVIDENCE_NO_CARE = 2;
export const EVIDENCE_SENSITIVE = 4;
export const EVIDENCE_CLINICAL = 8;
export const EVIDENCE_EXPORT = 16;
export const EVIDENCE_PRINT = 32;
export const EVIDENCE_NEW_PATIENT = 64;
export const EVIDENCE_OTHER_DEPARTMENT = 128;
