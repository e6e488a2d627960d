import type { ApiDb } from './db.ts';
import { table } from './db.ts';

/** What a migration's statements get: the backticked database name (the store's MigrationContext has it too). */
export interface ApiMigrationContext {
  db: string;
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
];

/**
 * Applies the API migrations on their own, tracked in `api_schema_migrations`,
 * for when the store's runner is not told about them. Safe to run on every start.
 */
export async function migrateApiTables(db: ApiDb): Promise<number[]> {
  const tracking = table(db, 'api_schema_migrations');
  await db.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${tracking} (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const rs = await db.client.query({ query: `SELECT version FROM ${tracking} FINAL`, format: 'JSONEachRow' });
  const done = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of apiMigrations) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements({ db: `\`${db.database}\`` })) await db.client.command({ query: statement });
    await db.client.insert({ table: tracking, values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    applied.push(m.version);
  }
  return applied;
}
