import type { Encounter, Patient, Staff, Vendor } from '@chartwatch/reference';

/**
 * What the detector asks of reference data: the look-ups of
 * @chartwatch/reference's ReferenceIndex. Declared here as a structural type
 * so a test can pass a ReferenceIndex or anything shaped like one.
 */
export interface ReferenceLookup {
  staff(actorId: string): Staff | null | undefined;
  patient(patientId: string): Patient | null | undefined;
  vendor(clientId: string): Vendor | null | undefined;
  /** The patient's encounters, sorted by start. */
  encounters(patientId: string): readonly Encounter[];
  /**
   * The categories of a local role code (roles.csv: `him`, `billing`, …), what rules and the care relationship
   * name. Optional: without it, the built-in vocabulary of common spellings (@chartwatch/reference).
   */
  roleCategories?(role: string): readonly string[];
}
