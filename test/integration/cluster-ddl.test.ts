import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@chartwatch/store';
import { apiMigrations, MIGRATIONS, modelRegistryMigrations, openStore, statementsFor } from '@chartwatch/store';

/**
 * What can be checked of the cluster schema without a ClickHouse cluster:
 * chDB's parser (the server's own, ClickHouse 26.7) accepts every
 * statement the cluster migrations would run (EXPLAIN AST parses without
 * executing). Running them needs servers with remote_servers and Keeper,
 * which these machines do not have.
 */
let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-cluster-ddl-'));
  store = await openStore({ database: 'cluster_ddl', dataDir: dir });
});

afterAll(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('cluster DDL', () => {
  it('parses in ClickHouse, every statement of every migration', async () => {
    const ctx = { db: '`cluster_ddl`', retentionYears: 6 };
    const statements = statementsFor([...MIGRATIONS, ...apiMigrations, ...modelRegistryMigrations].flatMap((m) => m.statements(ctx)), 'chartwatch');
    expect(statements.length).toBeGreaterThan(30);
    for (const statement of statements) {
      const rs = await store.client.query({ query: `EXPLAIN AST ${statement}`, format: 'TabSeparated' }).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${statement}`);
      });
      expect((await rs.text()).length).toBeGreaterThan(0);
    }
  });
});
