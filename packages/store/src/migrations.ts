import type { ClickHouseClient } from '@clickhouse/client';
import { ChartwatchError } from '@chartwatch/errors';
import { statementsFor } from './cluster-ddl.ts';
import { quoteIdentifier } from './connection.ts';

/**
 * Versioned schema migrations. Each migration runs once per database, in
 * order, and is recorded in `schema_migrations`. Statements use IF NOT EXISTS
 * so two processes migrating at once (ingest and detector starting together)
 * both succeed. A migration, once released, is never edited: a change is a
 * new migration.
 */

export interface MigrationContext {
  /** Backticked database name. */
  db: string;
  retentionYears: number;
}

export interface Migration {
  version: number;
  name: string;
  statements(ctx: MigrationContext): string[];
}

export const ACCESS_EVENT_TABLES = ['access_events', 'patient_access'] as const;
export const REFERENCE_TABLES = ['staff', 'patients', 'vendors', 'encounters'] as const;
export type ReferenceTable = (typeof REFERENCE_TABLES)[number];

/** Dedup windows (blocks remembered per table) for token-deduplicated inserts on non-replicated tables. */
const DEDUP_WINDOW = 10_000;

export function retentionTtl(column: string, years: number): string {
  return `toDateTime(${column}) + toIntervalYear(${years})`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'access_events',
    // Ordered for per-actor look-ups (detector state rebuild); ReplacingMergeTree
    // on that key makes a redelivered event collapse into one row, and readers
    // use FINAL until merges have done it. One partition per month lets the
    // retention TTL drop whole parts.
    statements: ({ db, retentionYears }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.access_events
      (
        event_id String,
        event_time DateTime64(3, 'UTC'),
        actor_id String,
        actor_kind LowCardinality(String),
        actor_role LowCardinality(Nullable(String)),
        actor_department LowCardinality(Nullable(String)),
        patient_ids Array(String),
        action LowCardinality(String),
        resource_types Array(LowCardinality(String)),
        sensitivity Array(LowCardinality(String)),
        purpose_of_use Array(LowCardinality(String)),
        break_the_glass Bool,
        outcome LowCardinality(String),
        records UInt32,
        source_system Nullable(String),
        network_address Nullable(String),
        format LowCardinality(String),
        ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
        INDEX event_id_bloom event_id TYPE bloom_filter GRANULARITY 4
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(event_time)
      ORDER BY (actor_id, event_time, event_id)
      TTL ${retentionTtl('event_time', retentionYears)}
      SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}, ttl_only_drop_parts = 1`,
    ],
  },
  {
    version: 2,
    name: 'patient_access',
    // One row per (patient, event), so a patient access report reads one key
    // range instead of scanning every event for has(patient_ids, ?).
    statements: ({ db, retentionYears }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.patient_access
      (
        patient_id String,
        event_time DateTime64(3, 'UTC'),
        event_id String,
        actor_id String,
        actor_kind LowCardinality(String),
        action LowCardinality(String),
        purpose_of_use Array(LowCardinality(String)),
        break_the_glass Bool,
        outcome LowCardinality(String)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(event_time)
      ORDER BY (patient_id, event_time, event_id)
      TTL ${retentionTtl('event_time', retentionYears)}
      SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}, ttl_only_drop_parts = 1`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.patient_access_mv TO ${db}.patient_access AS
      SELECT
        arrayJoin(patient_ids) AS patient_id,
        event_time, event_id, actor_id, actor_kind, action, purpose_of_use, break_the_glass, outcome
      FROM ${db}.access_events`,
    ],
  },
  {
    version: 3,
    name: 'alerts',
    // Alert ids are derived from (rule, key, window start), so the same alert
    // always lands in the same window_start partition and collapses there.
    statements: ({ db }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.alerts
      (
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
        fired_at DateTime64(3, 'UTC'),
        written_at DateTime64(3, 'UTC') DEFAULT now64(3)
      )
      ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(window_start)
      ORDER BY alert_id
      SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}`,
    ],
  },
  {
    version: 4,
    name: 'reference_tables',
    // Replaced wholesale on each reload (staging table + EXCHANGE TABLES), so plain MergeTree.
    statements: ({ db }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.staff
      (
        actor_id String,
        given_name Nullable(String),
        family_name Nullable(String),
        address Nullable(String),
        department Nullable(String),
        role Nullable(String),
        hired_at Nullable(DateTime64(3, 'UTC')),
        terminated_at Nullable(DateTime64(3, 'UTC'))
      )
      ENGINE = MergeTree ORDER BY actor_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.patients
      (
        patient_id String,
        given_name Nullable(String),
        family_name Nullable(String),
        address Nullable(String),
        birth_date Nullable(Date32),
        deceased_at Nullable(DateTime64(3, 'UTC')),
        vip Bool,
        employee_actor_id Nullable(String)
      )
      ENGINE = MergeTree ORDER BY patient_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.vendors
      (
        client_id String,
        name Nullable(String),
        daily_quota Nullable(UInt64)
      )
      ENGINE = MergeTree ORDER BY client_id`,
      `CREATE TABLE IF NOT EXISTS ${db}.encounters
      (
        patient_id String,
        department String,
        start_time DateTime64(3, 'UTC'),
        end_time Nullable(DateTime64(3, 'UTC'))
      )
      ENGINE = MergeTree ORDER BY (patient_id, start_time)`,
    ],
  },
  {
    version: 5,
    name: 'dead_letters',
    // The last resort of ingest's dead-letter path: a message the DLQ topic
    // refused twice (whole, then reduced) lands here so its partition moves
    // on. One row per source message; a redelivery replaces its twin.
    statements: ({ db, retentionYears }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.dead_letters
      (
        dead_at DateTime64(3, 'UTC'),
        source_topic String,
        source_partition UInt32,
        source_offset UInt64,
        message_key Nullable(String),
        tombstone Bool,
        reason String,
        field String,
        headers String,
        original_bytes UInt64,
        sha256 String,
        prefix_base64 String,
        dlq_error String
      )
      ENGINE = ReplacingMergeTree
      ORDER BY (source_topic, source_partition, source_offset)
      TTL ${retentionTtl('dead_at', retentionYears)}`,
    ],
  },
  {
    version: 6,
    name: 'access_event_identity',
    // What the FHIR decoder keeps beyond the first contract: the full patient count of a search over
    // more patients than the stored ids, the application a user acted through, and the marks an analyst
    // must see (an identity known only by display name, text that was cut, a client/server pair).
    // Added columns with defaults: rows written before read as "none of these".
    statements: ({ db }) => [
      `ALTER TABLE ${db}.access_events
        ADD COLUMN IF NOT EXISTS patient_count Nullable(UInt32),
        ADD COLUMN IF NOT EXISTS application Nullable(String),
        ADD COLUMN IF NOT EXISTS flags Array(LowCardinality(String))`,
    ],
  },
];

export interface MigrationReport {
  /** Versions run by this call, in order. */
  applied: number[];
  /** Versions found already recorded. */
  skipped: number[];
  /** Tables whose retention TTL was changed to match the configuration. */
  retentionChanged: string[];
}

export interface MigrateOptions {
  database: string;
  retentionYears: number;
  migrations?: readonly Migration[];
  /** Run every statement in its cluster form (cluster-ddl.ts). */
  cluster?: string;
}

async function appliedVersions(client: ClickHouseClient, db: string): Promise<Set<number>> {
  const rs = await client.query({ query: `SELECT DISTINCT version FROM ${db}.schema_migrations ORDER BY version`, format: 'JSONEachRow' });
  const rows = await rs.json<{ version: number | string }>();
  return new Set(rows.map((r) => Number(r.version)));
}

/**
 * The retention period is configuration, not schema: when it changes, the
 * TTL of the event tables follows it without a new migration.
 */
async function syncRetention(client: ClickHouseClient, database: string, db: string, years: number, cluster: string | undefined): Promise<string[]> {
  const rs = await client.query({
    query: 'SELECT name, create_table_query FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)}',
    // On a cluster the TTL lives on the Replicated tables; this node's copy stands for every node's.
    query_params: { database, names: ACCESS_EVENT_TABLES.map((t) => (cluster === undefined ? t : `${t}_local`)) },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ name: string; create_table_query: string }>();
  const changed: string[] = [];
  for (const row of rows) {
    if (row.create_table_query.includes(`toIntervalYear(${years})`)) continue;
    const table = cluster === undefined ? row.name : row.name.replace(/_local$/, '');
    for (const query of statementsFor([`ALTER TABLE ${db}.${table} MODIFY TTL ${retentionTtl('event_time', years)}`], cluster)) await client.command({ query });
    changed.push(row.name);
  }
  return changed.sort();
}

/** Runs every migration not yet recorded, then aligns the retention TTL with the configuration. */
export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrationReport> {
  const db = quoteIdentifier(options.database);
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    const [prev, cur] = [migrations[i - 1], migrations[i]];
    if (prev !== undefined && cur !== undefined && prev.version === cur.version) {
      throw new ChartwatchError('CW_ERR_STORE', `migrations "${prev.name}" and "${cur.name}" share version ${cur.version}`);
    }
  }
  const ctx: MigrationContext = { db, retentionYears: options.retentionYears };
  const tracking = `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations
    (
      version UInt32,
      name String,
      applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    )
    ENGINE = ReplacingMergeTree ORDER BY version`;
  for (const query of statementsFor([tracking], options.cluster)) await client.command({ query });
  const done = await appliedVersions(client, db);
  const report: MigrationReport = { applied: [], skipped: [], retentionChanged: [] };
  for (const migration of migrations) {
    if (done.has(migration.version)) {
      report.skipped.push(migration.version);
      continue;
    }
    try {
      for (const statement of statementsFor(migration.statements(ctx), options.cluster)) await client.command({ query: statement });
    } catch (err) {
      throw new ChartwatchError(
        'CW_ERR_STORE',
        `migration ${migration.version} (${migration.name}) failed in database ${options.database}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    await client.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
    });
    report.applied.push(migration.version);
  }
  report.retentionChanged = await syncRetention(client, options.database, db, options.retentionYears, options.cluster);
  return report;
}
