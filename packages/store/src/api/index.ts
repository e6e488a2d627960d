/**
 * The API's tables and queries (services/api). The store's index.ts
 * re-exports this list; nothing else in the store depends on it.
 */
export { apiMigrations, migrateApiTables } from './migrations.ts';
export type { ApiMigration, ApiMigrationContext } from './migrations.ts';
export { table as apiTable } from './db.ts';
export type { ApiDb } from './db.ts';
export {
  ALERT_STATUSES,
  RESOLUTIONS,
  untouchedTriage,
  getTriage,
  recordChange,
  listHistory,
  insertComment,
  listComments,
} from './alert-triage.ts';
export type { AlertStatus, Resolution, AlertTriage, ChangeKind, HistoryEntry, Comment } from './alert-triage.ts';
export { ALERT_SORTS, SEVERITY_RANK, listAlertQueue, getQueuedAlert, alertExists, evidenceEvents } from './alert-list.ts';
export type { AlertSort, AlertKeyset, AlertQueueFilter, QueuedAlert } from './alert-list.ts';
export {
  matchingSuppressions,
  isSuppressed,
  insertSuppression,
  getSuppression,
  revokeSuppression,
  listSuppressions,
  activeSuppressions,
} from './suppressions.ts';
export type { Suppression, SuppressibleAlert, SuppressionFilter } from './suppressions.ts';
export { insertApiKey, findApiKeyByHash, listApiKeys, revokeApiKey } from './api-keys.ts';
export type { StoredApiKey } from './api-keys.ts';
export { insertApiAudit, listApiAudit } from './api-audit.ts';
export type { ApiAuditRecord, ApiAuditFilter } from './api-audit.ts';
export { actorEvents, actorActivity, patientAccessEvents, staffNames, patientNames } from './investigations.ts';
export type { EventKeyset, EventPageRequest, ActivityBucket, ActorActivity, PatientAccess, StaffName, PatientName } from './investigations.ts';
export { BASELINE_DAYS, dailyUsageWithBaseline, vendorInfo, vendorUsage, vendorSummaries } from './vendor-usage.ts';
export type { DailyUsage, VendorInfo, VendorUsage, VendorSummary } from './vendor-usage.ts';
