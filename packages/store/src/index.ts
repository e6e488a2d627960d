export { storeConfigFromEnv, checkStoreConfig, DEFAULT_DATABASE, DEFAULT_DATA_DIR, DEFAULT_RETENTION_YEARS, DATABASE_NAME_PATTERN } from './config.ts';
export type { StoreConfig, ResolvedStoreConfig, StoreTls } from './config.ts';
export { createClickHouse, quoteIdentifier } from './connection.ts';
export type { ClickHouseConnection, StoreMode } from './connection.ts';
export { migrate, MIGRATIONS, REFERENCE_TABLES, ACCESS_EVENT_TABLES } from './migrations.ts';
export { forCluster, statementsFor } from './cluster-ddl.ts';
export type { ClusterTarget } from './cluster-ddl.ts';
export type { Migration, MigrationContext, MigrationReport, MigrateOptions, ReferenceTable } from './migrations.ts';
export { EventWriter } from './event-writer.ts';
export { AlertWriter } from './alert-writer.ts';
export { dedupToken, DEFAULT_MAX_ROWS_PER_INSERT } from './batch-writer.ts';
export type { BatchWriterOptions } from './batch-writer.ts';
export { countEvents, eventIds, eventsForActors, eventsForPatient, activityForActor, eventsByIds, eventsInRange, newestEventTime, DEFAULT_PAGE_SIZE } from './event-queries.ts';
export { writeDeadLetters, deadLetters } from './dead-letter-store.ts';
export type { StoredDeadLetter } from './dead-letter-store.ts';
export { alerts, alertById, countAlerts, DEFAULT_ALERT_LIMIT, MAX_ALERT_LIMIT } from './alert-queries.ts';
export type { AlertFilter } from './alert-queries.ts';
export { referenceSet, replaceReference, DEFAULT_REFERENCE_ROWS_PER_INSERT } from './reference-store.ts';
export { queryRows } from './query-context.ts';
export type { QueryContext } from './query-context.ts';
export type { TimeRange } from './time-range.ts';
export { toClickHouseTime, fromEpochMillis } from './clickhouse-time.ts';
export { accessEventToRow, rowToAccessEvent, ACCESS_EVENT_COLUMNS } from './event-row.ts';
export type { AccessEventRow, StoredAccessEventRow } from './event-row.ts';
export { alertToRow, rowToAlert, ALERT_COLUMNS } from './alert-row.ts';
export type { AlertRow, StoredAlertRow } from './alert-row.ts';
export { Store, openStore } from './store.ts';
export type { StoreOptions } from './store.ts';
// The API's tables and queries (services/api imports them from here): packages/store/src/api.
export { apiMigrations, migrateApiTables } from './api/migrations.ts';
export type { ApiMigration, ApiMigrationContext } from './api/migrations.ts';
export { table as apiTable } from './api/db.ts';
export type { ApiDb } from './api/db.ts';
export { ALERT_STATUSES, RESOLUTIONS, untouchedTriage, getTriage, recordChange, listHistory, insertComment, listComments } from './api/alert-triage.ts';
export type { AlertStatus, Resolution, AlertTriage, ChangeKind, HistoryEntry, Comment } from './api/alert-triage.ts';
export { ALERT_SORTS, SEVERITY_RANK, listAlertQueue, getQueuedAlert, alertExists, evidenceEvents } from './api/alert-list.ts';
export type { AlertSort, AlertKeyset, AlertQueueFilter, QueuedAlert } from './api/alert-list.ts';
export { matchingSuppressions, isSuppressed, insertSuppression, getSuppression, revokeSuppression, listSuppressions, activeSuppressions } from './api/suppressions.ts';
export type { Suppression, SuppressibleAlert, SuppressionFilter } from './api/suppressions.ts';
export { insertApiKey, findApiKeyByHash, listApiKeys, revokeApiKey, recordApiKeyUse } from './api/api-keys.ts';
export type { StoredApiKey } from './api/api-keys.ts';
export { auditRowHash, insertApiAudit, latestApiAuditHash, listApiAudit, verifyApiAuditChain } from './api/api-audit.ts';
export type { ApiAuditRecord, ApiAuditFilter, AuditChainLink, AuditChainReport, ChainedAuditRecord } from './api/api-audit.ts';
export { actorEvents, actorActivity, patientAccessEvents, staffNames, patientNames } from './api/investigations.ts';
export type { EventKeyset, EventPageRequest, ActivityBucket, ActorActivity, PatientAccess, StaffName, PatientName } from './api/investigations.ts';
export { BASELINE_DAYS, dailyUsageWithBaseline, vendorInfo, vendorUsage, vendorSummaries } from './api/vendor-usage.ts';
export type { DailyUsage, VendorInfo, VendorUsage, VendorSummary } from './api/vendor-usage.ts';
export { insertSuppressionHits, suppressionHitCounts, suppressionHits, backtestSuppression, SuppressionHitRecorder } from './api/suppression-review.ts';
export type { SuppressionHit, SuppressionScope, BacktestAlert, SuppressionBacktest } from './api/suppression-review.ts';
export { groupCases, listCases } from './api/alert-cases.ts';
export type { AlertCase, CaseGrouping, CaseQuery } from './api/alert-cases.ts';
export { rulePrecision } from './api/rule-precision.ts';
export type { RulePrecision, PrecisionWeek } from './api/rule-precision.ts';
export { principalNames } from './api/principal-names.ts';
export { findPatients, patientProfile, patientAlerts } from './api/patient-lookup.ts';
export type { PatientMatch, PatientProfile, PatientSearch, PatientAlertRef } from './api/patient-lookup.ts';
export { alertsPerDay, openAlertCounts, storedEventRate } from './api/overview.ts';
export type { AlertsPerDay, StoredEventRate } from './api/overview.ts';
export { PEER_MEASURES, actorPeerComparison } from './api/actor-peers.ts';
export type { PeerMeasure, PeerMetric, ActorPeerComparison } from './api/actor-peers.ts';
export {
  modelRegistryMigrations,
  saveModel,
  latestModel,
  latestModelVersion,
  modelByVersion,
  listModels,
  newestModelSummary,
  nextModelVersion,
  alertedWindows,
} from './model-registry/index.ts';
export type { StoredModel, ModelSummary, RegistryDb, AlertedActorWindow } from './model-registry/index.ts';
