export { alertSchema, featureContributionSchema, SEVERITIES, MAX_EVIDENCE_IDS } from './alert.ts';
export type { Alert, Severity, FeatureContribution } from './alert.ts';
