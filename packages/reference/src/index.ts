export { staffSchema, patientSchema, vendorSchema, encounterSchema, emptyReferenceSet } from './records.ts';
export type { Staff, Patient, Vendor, Encounter, ReferenceSet } from './records.ts';
export {
  parseStaffCsv,
  parsePatientsCsv,
  parseVendorsCsv,
  parseEncountersCsv,
  STAFF_COLUMNS,
  PATIENT_COLUMNS,
  VENDOR_COLUMNS,
  ENCOUNTER_COLUMNS,
  parseRolesCsv,
  ROLE_COLUMNS,
} from './reference-csv.ts';
export { ROLE_CATEGORIES, DEFAULT_ROLE_MAPPINGS, DEFAULT_ROLE_VOCABULARY, RoleVocabulary, normalizeRole, roleVocabularyOf } from './role-vocabulary.ts';
export type { RoleCategory, RoleMapping } from './role-vocabulary.ts';
export { loadReferenceDir, REFERENCE_FILES } from './load-reference-dir.ts';
export { ReferenceIndex } from './reference-index.ts';
export { householdKey, normalizeAddress } from './household.ts';
export { readTime as normalizeReferenceTime } from './cell-values.ts';
export type { CellResult } from './cell-values.ts';
