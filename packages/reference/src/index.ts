export { staffSchema, patientSchema, vendorSchema, encounterSchema } from './records.ts';
export type { Staff, Patient, Vendor, Encounter, ReferenceSet } from './records.ts';
