export { storeConfigFromEnv, checkStoreConfig, DEFAULT_DATABASE, DEFAULT_DATA_DIR, DEFAULT_RETENTION_YEARS, DATABASE_NAME_PATTERN } from './config.ts';
export type { StoreConfig, ResolvedStoreConfig } from './config.ts';
export { createClickHouse, quoteIdentifier } from './connection.ts';
export type { ClickHouseConnection, StoreMode } from './connection.ts';
export { migrate, MIGRATIONS, REFERENCE_TABLES, ACCESS_EVENT_TABLES } from './migrations.ts';
export type { Migration, MigrationContext, MigrationReport, MigrateOptions, ReferenceTable } from './migrations.ts';
export { EventWriter } from './event-writer.ts';
export { AlertWriter } from './alert-writer.ts';
export { dedupToken, DEFAULT_MAX_ROWS_PER_INSERT } from './batch-writer.ts';
export type { BatchWriterOptions } from './batch-writer.ts';
export { countEvents, eventIds, eventsForActors, eventsForPatient, eventsByIds, eventsInRange, DEFAULT_PAGE_SIZE } from './event-queries.ts';
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
// The API's tables and queries (services/api): packages/store/src/api.
export {
  apiMigrations,
  migrateApiTables,
  apiTable,
  ALERT_STATUSES,
  RESOLUTIONS,
  untouchedTriage,
  getTriage,
  recordChange,
  listHistory,
  insertComment,
  listComments,
  ALERT_SORTS,
  SEVERITY_RANK,
  listAlertQueue,
  getQueuedAlert,
  alertExists,
  evidenceEvents,
  matchingSuppressions,
  isSuppressed,
  insertSuppression,
  getSuppression,
  revokeSuppression,
  listSuppressions,
  activeSuppressions,
  insertApiKey,
  findApiKeyByHash,
  listApiKeys,
  revokeApiKey,
  insertApiAudit,
  listApiAudit,
  actorEvents,
  actorActivity,
  patientAccessEvents,
  staffNames,
  patientNames,
  BASELINE_DAYS,
  dailyUsageWithBaseline,
  vendorInfo,
  vendorUsage,
  vendorSummaries,
} from './api/index.ts';
export type {
  ApiMigration,
  ApiMigrationContext,
  ApiDb,
  AlertStatus,
  Resolution,
  AlertTriage,
  ChangeKind,
  HistoryEntry,
  Comment,
  AlertSort,
  AlertKeyset,
  AlertQueueFilter,
  QueuedAlert,
  Suppression,
  SuppressibleAlert,
  SuppressionFilter,
  StoredApiKey,
  ApiAuditRecord,
  ApiAuditFilter,
  EventKeyset,
  EventPageRequest,
  ActivityBucket,
  ActorActivity,
  PatientAccess,
  StaffName,
  PatientName,
  DailyUsage,
  VendorInfo,
  VendorUsage,
  VendorSummary,
} from './api/index.ts';
export {
  modelRegistryMigrations,
  saveModel,
  latestModel,
  latestModelVersion,
  modelByVersion,
  listModels,
  nextModelVersion,
  alertedWindows,
} from './model-registry/index.ts';
export type { StoredModel, ModelSummary, RegistryDb, AlertedActorWindow } from './model-registry/index.ts';
