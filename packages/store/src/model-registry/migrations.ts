import type { Migration } from '../migrations.ts';

/**
 * The model registry's table (versions 2001+, run with the store's own:
 * `store.migrate(modelRegistryMigrations)`). One row per trained model; the
 * model itself is its JSON text, compressed, beside the fields a person or
 * the API lists models by.
 */
export const modelRegistryMigrations: readonly Migration[] = [
  {
    version: 2001,
    name: 'model_registry',
    statements: ({ db }) => [
      `CREATE TABLE IF NOT EXISTS ${db}.model_registry
      (
        version UInt32,
        model_version String,
        created_at DateTime64(3, 'UTC'),
        train_from DateTime64(3, 'UTC'),
        train_to DateTime64(3, 'UTC'),
        features Array(String),
        threshold Nullable(Float64),
        budget_per_1000 Float64,
        rows UInt64,
        actor_days UInt64,
        events UInt64,
        model_json String CODEC(ZSTD(3))
      )
      ENGINE = ReplacingMergeTree
      ORDER BY version`,
    ],
  },
];
