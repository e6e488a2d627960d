/**
 * Which FHIR resource types are clinical content (what a clinician reads to
 * treat) and which are administrative (identity, coverage, scheduling,
 * money). A billing clerk or a registrar lives in the second list; reading
 * the first is what makes their day unlike their peers'. Types on neither
 * list (Consent, AuditEvent, Bundle, unknown ones) count for neither side.
 */

export const CLINICAL_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'AllergyIntolerance',
  'BodyStructure',
  'CarePlan',
  'ClinicalImpression',
  'Condition',
  'DetectedIssue',
  'DiagnosticReport',
  'DocumentReference',
  'FamilyMemberHistory',
  'Goal',
  'ImagingStudy',
  'Immunization',
  'Media',
  'MedicationAdministration',
  'MedicationDispense',
  'MedicationRequest',
  'MedicationStatement',
  'MolecularSequence',
  'NutritionOrder',
  'Observation',
  'Procedure',
  'QuestionnaireResponse',
  'RiskAssessment',
  'ServiceRequest',
  'Specimen',
]);

export const ADMINISTRATIVE_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  'Account',
  'Appointment',
  'AppointmentResponse',
  'ChargeItem',
  'Claim',
  'ClaimResponse',
  'Coverage',
  'CoverageEligibilityRequest',
  'CoverageEligibilityResponse',
  'Encounter',
  'EpisodeOfCare',
  'ExplanationOfBenefit',
  'Invoice',
  'Patient',
  'PaymentNotice',
  'PaymentReconciliation',
  'Person',
  'RelatedPerson',
  'Schedule',
  'Slot',
]);

export const RESOURCE_NONE = 0;
export const RESOURCE_ADMINISTRATIVE = 1;
export const RESOURCE_CLINICAL = 2;
export type ResourceKind = typeof RESOURCE_NONE | typeof RESOURCE_ADMINISTRATIVE | typeof RESOURCE_CLINICAL;

/** Clinical when any type is clinical (one clinical screen is enough), else administrative when any is, else none. */
export function resourceKind(types: readonly string[]): ResourceKind {
  let kind: ResourceKind = RESOURCE_NONE;
  for (let i = 0; i < types.length; i++) {
    const t = types[i] as string;
    if (CLINICAL_RESOURCE_TYPES.has(t)) return RESOURCE_CLINICAL;
    if (ADMINISTRATIVE_RESOURCE_TYPES.has(t)) kind = RESOURCE_ADMINISTRATIVE;
  }
  return kind;
}
