export { ActorDirectory, PatientDirectory, NO_MEMORY, SUMMARY } from './directory.ts';
export type { ActorState, PatientFacts, ParsedEncounter } from './directory.ts';
export { CareRelationships, DEFAULT_CARE_OPTIONS } from './care-relationship.ts';
export type { CareOptions } from './care-relationship.ts';
export { LocalClock } from './local-clock.ts';
export { LabelCache, normalizeLabel } from './label.ts';
export { IdTable, shortIdCode } from './id-table.ts';
export type { ReferenceLookup } from './reference-lookup.ts';
