import { describe, expect, it } from 'vitest';
import { apiMigrations } from './api/migrations.ts';
import { forCluster, statementsFor } from './cluster-ddl.ts';
import { MIGRATIONS } from './migrations.ts';
import { modelRegistryMigrations } from './model-registry/migrations.ts';

const ctx = { db: '`cw`', retentionYears: 6 };
const all = [...MIGRATIONS, ...apiMigrations, ...modelRegistryMigrations].flatMap((m) => m.statements(ctx));

describe('forCluster', () => {
  it('has a cluster form for every statement of every migration; one node keeps them as they are', () => {
    for (const s of all) expect(() => forCluster(s, { cluster: 'cw' })).not.toThrow();
    expect(statementsFor(all, undefined)).toEqual(all);
  });

  it('makes access_events a ReplicatedReplacingMergeTree behind a Distributed table sharded by event id, monthly, with the TTL and replicated dedup', () => {
    const [local, distributed] = forCluster(MIGRATIONS[0]?.statements(ctx)[0] as string, { cluster: 'cw' });
    expect(local).toMatch(/^\s*CREATE TABLE IF NOT EXISTS `cw`\.access_events_local ON CLUSTER 'cw' \(/);
    expect(local).toContain("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/cw/access_events_local', '{replica}')");
    expect(local).toContain('PARTITION BY toYYYYMM(event_time)');
    expect(local).toContain('ORDER BY (actor_id, event_time, event_id)');
    expect(local).toContain('toIntervalYear(6)');
    expect(local).toContain('SETTINGS replicated_deduplication_window = 10000');
    expect(local).not.toContain('non_replicated');
    expect(distributed).toBe("CREATE TABLE IF NOT EXISTS `cw`.access_events ON CLUSTER 'cw' AS `cw`.access_events_local ENGINE = Distributed('cw', 'cw', 'access_events_local', cityHash64(event_id))");
  });

  it('points views at the local tables and alters the local tables on every node', () => {
    const view = all.find((s) => s.includes('patient_access_mv')) as string;
    expect(forCluster(view, { cluster: 'cw' })[0]).toMatch(/patient_access_mv ON CLUSTER 'cw' TO `cw`\.patient_access_local AS[\s\S]*FROM `cw`\.access_events_local/);
    expect(forCluster('ALTER TABLE `cw`.alert_queue ADD COLUMN x UInt8', { cluster: 'c' })).toEqual(["ALTER TABLE `cw`.alert_queue_local ON CLUSTER 'c' ADD COLUMN x UInt8"]);
    // Versioned replacing engines keep their version column after the Keeper path and replica.
    const state = forCluster(all.find((s) => s.includes('.alert_state (')) as string, { cluster: 'c' })[0] as string;
    expect(state).toContain("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/cw/alert_state_local', '{replica}', version)");
  });
});
