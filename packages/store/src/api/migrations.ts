import { DEFAULT_RETENTION_YEARS } from '../config.ts';
import { retentionTtl } from '../migrations.ts';
import { statementsFor } from '../cluster-ddl.ts';
import type { ApiDb } from './db.ts';
import { table } from './db.ts';

/** What a migration's statements get: the backticked database name (the store's MigrationContext has it too). */
export interface ApiMigrationContext {
  db: string;
  /** Event retention (the store's MigrationContext carries it); default the store's default. */
  retentionYears?: number;
}

/**
 * The API's own tables (triage state, comments, suppressions, keys, the
 * API's audit trail). Versioned like the store's migrations; each statement
 * is idempotent (IF NOT EXISTS) so a re-run after a crash is harmless.
 */
export interface ApiMigration {
  readonly version: number;
  readonly name: string;
  /** DDL for the given database; shaped like the store's Migration so its runner can take these as they are. */
  statements(ctx: ApiMigrationContext): string[];
}

const REPORT_SELECT = `arrayJoin(patient_ids) AS patient_id, event_time, event_id, actor_id, actor_kind, actor_role, actor_department,
  action, resource_types, sensitivity, purpose_of_use, break_the_glass, outcome, records, source_system, network_address,
  toUInt32(length(patient_ids)) AS patient_count`;

// What a patient access report shows, one JSON array a row in
// patient_access_packed.access (migration 1009); patientAccessEvents decodes
// it by position, so this order is part of that table's format.
const PACKED_SELECT = `arrayJoin(patient_ids) AS patient_id, event_time, event_id,
  toJSONString(tuple(actor_id, actor_kind, actor_role, actor_department, action, resource_types, sensitivity, purpose_of_use,
    break_the_glass, outcome, records, source_system, network_address, toUInt32(length(patient_ids)))) AS access`;

/** Above any part's size: every part of the table stays Compact. */
const COMPACT_ALWAYS = 2 ** 50;

const QUEUE_COLUMNS = `alert_id, rule_id, rule_version, detector, severity, title, alert_key, actor_id, actor_kind, patient_ids,
  patient_count, window_start, window_end, measure, observed, threshold, compared_with, baseline, evidence_event_ids, evidence_count,
  explanation, score, model_version, features, fired_at`;

export const apiMigrations: readonly ApiMigration[] = [
  {
    version: 1001,
    name: 'api: alert triage state, history, comments',
    statements: ({ db }) => [
      // One row per change; the highest version is the alert's current state.
      // Alerts never touched by a person have no row and read as 'new'.
      `CREATE TABLE IF NOT EXISTS ${db}.alert_state (
        alert_id String,
        status LowCardinality(String),
        resolution LowCardinality(String),
        reason String,
        assignee String,
        updated_at DateTime64(3, 'UTC'),
        updated_by String,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY alert_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.alert_history (
        alert_id String,
        version UInt64,
        at DateTime64(3, 'UTC'),
        principal_id String,
        principal_role LowCardinality(String),
        change LowCardinality(String),
        from_value String,
        to_value String,
        reason String,
        ref_id String
      ) ENGINE = MergeTree ORDER BY (alert_id, version)`,
      `CREATE TABLE IF NOT EXISTS ${db}.alert_comments (
        alert_id String,
        comment_id String,
        at DateTime64(3, 'UTC'),
        principal_id String,
        body String
      ) ENGINE = MergeTree ORDER BY (alert_id, at, comment_id)`,
    ],
  },
  {
    version: 1002,
    name: 'api: suppressions',
    statements: ({ db }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.suppressions (
        suppression_id String,
        rule_id String,
        actor_id String,
        patient_id Nullable(String),
        expires_at DateTime64(3, 'UTC'),
        created_at DateTime64(3, 'UTC'),
        created_by String,
        reason String,
        source_alert_id String,
        revoked_at Nullable(DateTime64(3, 'UTC')),
        revoked_by String,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY suppression_id`,
    ],
  },
  {
    version: 1003,
    name: 'api: keys and the API audit trail',
    statements: ({ db }) => [
      // Only the SHA-256 of a key is kept; the key itself is shown once, at creation.
      `CREATE TABLE IF NOT EXISTS ${db}.api_keys (
        key_id String,
        key_hash String,
        name String,
        role LowCardinality(String),
        created_at DateTime64(3, 'UTC'),
        created_by String,
        revoked_at Nullable(DateTime64(3, 'UTC')),
        revoked_by String,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY key_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.api_audit (
        at DateTime64(3, 'UTC'),
        request_id String,
        principal_id String,
        principal_kind LowCardinality(String),
        role LowCardinality(String),
        route_id LowCardinality(String),
        method LowCardinality(String),
        url_path String,
        patient_ids Array(String),
        alert_ids Array(String),
        actor_ids Array(String),
        ip String,
        status UInt16,
        INDEX idx_patient patient_ids TYPE bloom_filter GRANULARITY 4,
        INDEX idx_principal principal_id TYPE bloom_filter GRANULARITY 4
      ) ENGINE = MergeTree ORDER BY at`,
    ],
  },
  {
    version: 1004,
    name: 'api: per-patient access report',
    // The patient access report reads one patient's key range here: who,
    // when, what, from where, under which purpose, without touching
    // access_events. Looking the full events up in access_events by actor
    // instead touched nearly every granule of a 10-million-event table
    // (bench:api: p50 340 ms), because a patient's accessors are spread over
    // every part. Same retention as the events. The backfill covers events
    // stored before this migration; an event landing twice (MV and backfill)
    // collapses in the ReplacingMergeTree and in the report's LIMIT 1 BY.
    // Yearly partitions and 1,024-row granules: a patient's range is a few
    // hundred rows, so it should sit in one part and few granules (monthly
    // parts and 8,192-row granules doubled the read in bench:api).
    statements: ({ db, retentionYears }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.patient_access_report (
        patient_id String,
        event_time DateTime64(3, 'UTC'),
        event_id String,
        actor_id String,
        actor_kind LowCardinality(String),
        actor_role LowCardinality(Nullable(String)),
        actor_department LowCardinality(Nullable(String)),
        action LowCardinality(String),
        resource_types Array(LowCardinality(String)),
        sensitivity Array(LowCardinality(String)),
        purpose_of_use Array(LowCardinality(String)),
        break_the_glass Bool,
        outcome LowCardinality(String),
        records UInt32,
        source_system Nullable(String),
        network_address Nullable(String),
        patient_count UInt32
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYear(event_time)
      ORDER BY (patient_id, event_time, event_id)
      TTL ${retentionTtl('event_time', retentionYears ?? DEFAULT_RETENTION_YEARS)}
      SETTINGS ttl_only_drop_parts = 1, index_granularity = 1024`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.patient_access_report_mv TO ${db}.patient_access_report AS
      SELECT ${REPORT_SELECT} FROM ${db}.access_events`,
      `INSERT INTO ${db}.patient_access_report SELECT ${REPORT_SELECT} FROM ${db}.access_events`,
    ],
  },
  {
    version: 1005,
    name: 'api: triage queue ordered by firing time',
    // The store keeps alerts ordered by alert_id (for look-ups by id); the
    // triage queue pages by firing time. Reading the full rows of a 50-alert
    // page from the id-ordered table touched every granule of every column
    // (bench:api: ~15 ms of a ~28 ms request at 100k alerts); ordered by
    // (fired_at, alert_id) the page is a few granules. Same columns as the
    // store's alerts; backfilled like the report table.
    statements: ({ db }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.alert_queue (
        alert_id String,
        rule_id LowCardinality(String),
        rule_version Int32,
        detector LowCardinality(String),
        severity LowCardinality(String),
        title String,
        alert_key String,
        actor_id String,
        actor_kind LowCardinality(String),
        patient_ids Array(String),
        patient_count UInt32,
        window_start DateTime64(3, 'UTC'),
        window_end DateTime64(3, 'UTC'),
        measure String,
        observed Float64,
        threshold Nullable(Float64),
        compared_with LowCardinality(String),
        baseline Nullable(Float64),
        evidence_event_ids Array(String),
        evidence_count UInt32,
        explanation String,
        score Nullable(Float64),
        model_version Nullable(String),
        features String,
        fired_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      ORDER BY (fired_at, alert_id)
      SETTINGS index_granularity = 1024`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.alert_queue_mv TO ${db}.alert_queue AS SELECT ${QUEUE_COLUMNS} FROM ${db}.alerts`,
      `INSERT INTO ${db}.alert_queue SELECT ${QUEUE_COLUMNS} FROM ${db}.alerts`,
    ],
  },
  {
    version: 1006,
    name: 'api: events stored per minute',
    // The overview's event rate is by the time events were stored, which
    // access_events is not ordered or partitioned by: counting the last hour
    // there read the whole ingested_at column (10M events: 105-150 ms). One
    // row per minute, summed as parts merge, kept 30 days.
    statements: ({ db }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.events_stored_per_minute (
        minute DateTime('UTC'),
        events UInt64
      ) ENGINE = SummingMergeTree
      ORDER BY minute
      TTL minute + INTERVAL 30 DAY`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.events_stored_per_minute_mv TO ${db}.events_stored_per_minute AS
      SELECT toStartOfMinute(ingested_at) AS minute, count() AS events FROM ${db}.access_events GROUP BY minute`,
      `INSERT INTO ${db}.events_stored_per_minute
      SELECT toStartOfMinute(ingested_at) AS minute, count() AS events FROM ${db}.access_events
      WHERE ingested_at >= now() - INTERVAL 30 DAY GROUP BY minute`,
    ],
  },
  {
    version: 1007,
    name: 'api: triage queue by severity and by actor',
    // The queue's severity sorts sorted every alert by a rank computed per
    // row, and its actor filter read the full rows of every granule holding
    // one of the actor's alerts, spread over the whole firing-time range
    // (bench:api at 100k alerts, each alone: 21 and 28 ms a page). A stored
    // rank and two projections in those orders let one page be read in
    // order, the full columns only for the page's rows (ClickHouse's lazy
    // materialization): ~6 ms each. 'rebuild' keeps the projections through
    // the ReplacingMergeTree's deduplicating merges. Existing parts get the
    // rank and projections by the MATERIALIZE mutations, awaited so the
    // migration ends with them in place.
    statements: ({ db }) => [
      `ALTER TABLE ${db}.alert_queue MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'`,
      `ALTER TABLE ${db}.alert_queue ADD COLUMN IF NOT EXISTS severity_rank UInt8
        MATERIALIZED multiIf(severity = 'critical', 4, severity = 'high', 3, severity = 'medium', 2, 1)`,
      `ALTER TABLE ${db}.alert_queue ADD PROJECTION IF NOT EXISTS by_severity (SELECT * ORDER BY severity_rank, fired_at, alert_id)`,
      `ALTER TABLE ${db}.alert_queue ADD PROJECTION IF NOT EXISTS by_actor (SELECT * ORDER BY actor_id, fired_at, alert_id)`,
      `ALTER TABLE ${db}.alert_queue MATERIALIZE COLUMN severity_rank SETTINGS mutations_sync = 1`,
      `ALTER TABLE ${db}.alert_queue MATERIALIZE PROJECTION by_severity SETTINGS mutations_sync = 1`,
      `ALTER TABLE ${db}.alert_queue MATERIALIZE PROJECTION by_actor SETTINGS mutations_sync = 1`,
    ],
  },
  {
    version: 1008,
    name: 'api: triage state for look-ups by alert id',
    // The queue reads the triage of each page's alerts by id. Alert ids are
    // hashes, so a page's ids land in nearly every 8,192-row granule of
    // alert_state and each page decompressed the whole table (bench:api,
    // 37,500 state rows: ~6 ms a page, growing with every triaged alert).
    // The same rows in 128-row granules and small compression blocks make a
    // look-up read at most a granule per id (~2.7 ms, flat). alert_state
    // stays the table written; this one fills from it as rows land, so a
    // change is visible here as soon as its insert returns. A row the MV and
    // the backfill both copy is a duplicate of the same version, which the
    // ReplacingMergeTree and the readers' highest-version pick absorb.
    statements: ({ db }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.alert_state_by_id (
        alert_id String,
        status LowCardinality(String),
        resolution LowCardinality(String),
        reason String,
        assignee String,
        updated_at DateTime64(3, 'UTC'),
        updated_by String,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY alert_id
      SETTINGS index_granularity = 128, min_compress_block_size = 2048`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.alert_state_by_id_mv TO ${db}.alert_state_by_id AS
      SELECT alert_id, status, resolution, reason, assignee, updated_at, updated_by, version FROM ${db}.alert_state`,
      `INSERT INTO ${db}.alert_state_by_id
      SELECT alert_id, status, resolution, reason, assignee, updated_at, updated_by, version FROM ${db}.alert_state`,
    ],
  },  {
    version: 1009,
    name: 'api: patient access report packed in compact parts',
    // A report reads every column of a patient's rows in every part: at 10M
    // events ~55 rows, each of 4 parts read in 16 column files (Wide parts)
    // for a few kilobytes; alone 14-15 ms, the cost growing with columns
    // times parts. The same rows with what the report shows in one JSON
    // array (PACKED_SELECT's order) and every part Compact (one data file a
    // part, each granule's columns side by side): ~7 ms over 6 parts.
    // Backfilled from access_events as 1004 was (10M events: ~15 s), so a
    // re-run after a crash never reads a table already dropped; an event
    // that lands twice (view and backfill) is absorbed by the
    // ReplacingMergeTree and the reader. The 1004 table and its view go:
    // derived data nothing else reads, which every stored event would
    // otherwise keep writing.
    statements: ({ db, retentionYears }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.patient_access_packed (
        patient_id String,
        event_time DateTime64(3, 'UTC'),
        event_id String,
        access String
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYear(event_time)
      ORDER BY (patient_id, event_time, event_id)
      TTL ${retentionTtl('event_time', retentionYears ?? DEFAULT_RETENTION_YEARS)}
      SETTINGS ttl_only_drop_parts = 1, index_granularity = 1024, min_bytes_for_wide_part = ${COMPACT_ALWAYS}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.patient_access_packed_mv TO ${db}.patient_access_packed AS
      SELECT ${PACKED_SELECT} FROM ${db}.access_events`,
      `INSERT INTO ${db}.patient_access_packed SELECT ${PACKED_SELECT} FROM ${db}.access_events`,
      `DROP VIEW IF EXISTS ${db}.patient_access_report_mv`,
      `DROP TABLE IF EXISTS ${db}.patient_access_report`,
    ],
  },
  {
    // 1014, not the next free number: other branches add API migrations at the same time, and versions only need
    // to be unique and rising.
    version: 1014,
    name: 'api: alerts a suppression hid',
    // A suppressed alert is neither published nor stored: the detector records here which suppression hid which
    // alert, so the suppressions page can show what each one hid. One row per (suppression, alert); a redelivered
    // batch's repeat is merged away.
    statements: ({ db }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.suppression_hits (
        suppression_id String,
        alert_id String,
        rule_id LowCardinality(String),
        actor_id String,
        patient_ids Array(String),
        severity LowCardinality(String),
        title String,
        fired_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree ORDER BY (suppression_id, alert_id)`,
    ],
  },
  {
    version: 1018,
    name: 'api: audit hash chain, admin subjects, key expiry and last use',
    // The audit trail becomes tamper-evident: each row carries the SHA-256
    // of its content and of the row before it in its chain (one chain per
    // writer; auditRowHash in api-audit.ts), so `chartwatch audit verify`
    // names the first row altered or missing. subject_ids holds what an
    // admin or security action touched that is not a patient, an alert or
    // an actor (a key id, a suppression id, a webhook receiver). Key use is
    // its own small table so a request never rewrites the key's row.
    statements: ({ db }) => [
      `ALTER TABLE ${db}.api_audit
        ADD COLUMN IF NOT EXISTS subject_ids Array(String),
        ADD COLUMN IF NOT EXISTS chain_id String,
        ADD COLUMN IF NOT EXISTS seq UInt64,
        ADD COLUMN IF NOT EXISTS prev_hash String,
        ADD COLUMN IF NOT EXISTS hash String`,
      `ALTER TABLE ${db}.api_keys ADD COLUMN IF NOT EXISTS expires_at Nullable(DateTime64(3, 'UTC'))`,
      `CREATE TABLE IF NOT EXISTS ${db}.api_key_usage (
        key_id String,
        last_used_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(last_used_at) ORDER BY key_id`,
    ],
  },
];

/**
 * Applies the API migrations not yet applied (by this or by the store's
 * runner), recording them in `api_schema_migrations`. Needs the store's own
 * tables in place: run after `store.migrate()`. Safe to run on every start.
 */
export async function migrateApiTables(db: ApiDb, options: { retentionYears?: number } = {}): Promise<number[]> {
  const tracking = table(db, 'api_schema_migrations');
  const trackingTable = `CREATE TABLE IF NOT EXISTS ${tracking} (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`;
  for (const query of statementsFor([trackingTable], db.cluster)) await db.client.command({ query });
  // Versions the store's runner applied (store.migrate(apiMigrations)) count as done too.
  const rs = await db.client.query({
    query: `SELECT version FROM ${tracking} FINAL UNION ALL SELECT version FROM ${table(db, 'schema_migrations')} WHERE version >= 1000`,
    format: 'JSONEachRow',
  });
  const done = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of apiMigrations) {
    if (done.has(m.version)) continue;
    const ctx: ApiMigrationContext = { db: `\`${db.database}\``, ...(options.retentionYears === undefined ? {} : { retentionYears: options.retentionYears }) };
    for (const statement of statementsFor(m.statements(ctx), db.cluster)) await db.client.command({ query: statement });
    await db.client.insert({ table: tracking, values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    applied.push(m.version);
  }
  return applied;
}
