import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyApiAuditChain } from '@chartwatch/store';
import type { ApiHarness } from './api-harness.ts';
import { makeAlert, openHarness } from './api-harness.ts';

/**
 * The API audit trail is tamper-evident: `chartwatch audit verify` passes on
 * a clean store and names the first row that was altered or removed.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);
const ENV = { ...process.env, CLICKHOUSE_URL: '', CHARTWATCH_DATA_DIR: '' };
let dir: string;
let h: ApiHarness;

async function chartwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', join(ROOT, 'services/chartwatch/src/main.ts'), ...args, '--data-dir', dir], { cwd: ROOT, env: ENV });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs one statement on the store in `dir`, from a process of its own (chDB: one process per data directory at a time). */
async function tamper(statement: string): Promise<void> {
  const script = `
    import { openStore, storeConfigFromEnv } from '@chartwatch/store';
    const store = await openStore(storeConfigFromEnv({ CHARTWATCH_DATA_DIR: process.argv[1] }));
    await store.client.command({ query: process.argv[2].replaceAll('DB', '\`' + store.database + '\`'), clickhouse_settings: { mutations_sync: '2' } });
    await store.close();`;
  await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, join(dir, 'clickhouse'), statement], { cwd: join(ROOT, 'services/chartwatch'), env: ENV });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chartwatch-audit-verify-'));
  h = await openHarness('api_audit_chain');
  await h.store.writeAlerts([makeAlert({ alertId: 'al-chain', patientIds: ['p-chain'] })]);
});
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the audit hash chain', () => {
  it('holds over a writer’s rows, and names the row altered and the row after one removed', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await h.app.inject({ url: i % 2 === 0 ? '/alerts/al-chain' : '/patients/p-chain/access-report', headers: h.as.privacy_officer });
      expect(res.statusCode).toBe(200);
      ids.push(String(res.headers['x-request-id']));
    }
    const clean = await verifyApiAuditChain(h.store);
    expect(clean.firstBreak).toBeNull();
    expect(clean.rows).toBe(12);

    const db = `\`${h.store.database}\`.api_audit`;
    await h.store.client.command({ query: `ALTER TABLE ${db} UPDATE patient_ids = ['p-other'] WHERE request_id = {id:String}`, query_params: { id: ids[4] }, clickhouse_settings: { mutations_sync: '2' } });
    const altered = await verifyApiAuditChain(h.store);
    expect(altered.firstBreak).toMatchObject({ requestId: ids[4], seq: 4 });
    expect(altered.firstBreak?.reason).toContain('altered');
    await h.store.client.command({ query: `ALTER TABLE ${db} UPDATE patient_ids = ['p-chain'] WHERE request_id = {id:String}`, query_params: { id: ids[4] }, clickhouse_settings: { mutations_sync: '2' } });
    expect((await verifyApiAuditChain(h.store)).firstBreak).toBeNull();

    await h.store.client.command({ query: `ALTER TABLE ${db} DELETE WHERE request_id = {id:String}`, query_params: { id: ids[7] }, clickhouse_settings: { mutations_sync: '2' } });
    const removed = await verifyApiAuditChain(h.store);
    expect(removed.firstBreak).toMatchObject({ requestId: ids[8], seq: 8 });
    expect(removed.firstBreak?.reason).toContain('missing');
  });

  it('`chartwatch audit verify` passes on a clean store and names the altered row', async () => {
    // Key changes from the command line are audited too: three rows, each in its own process's chain.
    const created = await chartwatch('api-key', 'create', '--role', 'auditor', '--name', 'a', '--json');
    expect(created.code, created.stderr).toBe(0);
    const keyId = (JSON.parse(created.stdout) as { keyId: string }).keyId;
    expect((await chartwatch('api-key', 'create', '--role', 'admin', '--name', 'b')).code).toBe(0);
    expect((await chartwatch('api-key', 'revoke', '--id', keyId)).code).toBe(0);

    const ok = await chartwatch('audit', 'verify');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('audit trail intact: 3 rows in 3 chain(s)');

    await tamper(`ALTER TABLE DB.api_audit UPDATE principal_id = 'key:k_someone_else' WHERE route_id = 'cli.keys.revoke'`);
    const bad = await chartwatch('audit', 'verify', '--json');
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as { firstBreak: { requestId: string; reason: string } | null };
    expect(report.firstBreak?.reason).toContain('altered');
    expect(report.firstBreak?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  }, 240_000);
});
