import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The API audit trail survives kill -9: the standalone API serves patient
 * data (access reports) and takes writes (comments) from several clients at
 * once, is killed with SIGKILL mid-load, and is started again on the same
 * store. Every response that reached a client has its audit row, and every
 * comment acknowledged is stored. Before the audit row was written in the
 * request, rows batched in memory died with the process.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const exec = promisify(execFile);
let dir: string;
let api: ChildProcess | null = null;

const ENV = (dataDir: string) => ({
  ...process.env,
  CLICKHOUSE_URL: '',
  CHARTWATCH_DATA_DIR: dataDir,
  CLICKHOUSE_DATABASE: 'chartwatch',
  API_PORT: '0',
  API_RATE_LIMIT_MAX: '1000000',
  KAFKA_BROKERS: '',
  WEBHOOK_URLS: '',
  LOG_LEVEL: 'info',
});

/** Seeds the store from a process of its own: an alert, a patient's accesses, a privacy officer's and an auditor's key. */
async function seed(dataDir: string): Promise<{ officer: string; auditor: string }> {
  const script = `
    import { migrateApiTables, openStore, storeConfigFromEnv } from '@chartwatch/store';
    import { createApiKey } from '@chartwatch/api';
    const store = await openStore(storeConfigFromEnv(process.env));
    await store.migrate();
    await migrateApiTables(store);
    const events = Array.from({ length: 30 }, (_, i) => ({
      eventId: 'ev-crash-' + i, time: new Date(Date.UTC(2026, 0, 5, 10, i)).toISOString(),
      actor: { id: 'u-crash', kind: 'user', role: 'physician', department: 'er' }, patientIds: ['p-crash'], action: 'read',
      resourceTypes: ['Patient'], sensitivity: [], purposeOfUse: ['TREAT'], breakTheGlass: false, outcome: 'success', records: 1,
      sourceSystem: 'epic', networkAddress: '10.0.0.9', format: 'json' }));
    await store.writeEvents(events);
    await store.writeAlerts([{ alertId: 'al-crash', ruleId: 'vip-snoop', ruleVersion: 1, detector: 'rule', severity: 'high', title: 't',
      key: 'k', actorId: 'u-crash', actorKind: 'user', patientIds: ['p-crash'], patientCount: 1, windowStart: '2026-01-05T00:00:00.000Z',
      windowEnd: '2026-01-06T00:00:00.000Z', measure: 'accesses', observed: 1, threshold: null, comparedWith: 'condition', baseline: null,
      evidenceEventIds: [], evidenceCount: 0, explanation: 'x', score: null, modelVersion: null, features: [], firedAt: '2026-01-05T10:00:00.000Z' }]);
    const at = new Date().toISOString();
    const officer = await createApiKey(store, { name: 'po', role: 'privacy_officer', createdBy: 'test', at });
    const auditor = await createApiKey(store, { name: 'au', role: 'auditor', createdBy: 'test', at });
    await store.close();
    console.log(JSON.stringify({ officer: officer.key, auditor: auditor.key }));`;
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(ROOT, 'services/chartwatch'), env: ENV(dataDir) });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { officer: string; auditor: string };
}

/** Starts the standalone API on the store and resolves with its URL once it listens. */
async function startApi(dataDir: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/api/src/main.ts'], { cwd: ROOT, env: ENV(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  api = child;
  let out = '';
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*chartwatch API listening/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the API exited (${code}) before listening\n${out.slice(-2000)}\n${err.slice(-2000)}`)));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chartwatch-audit-crash-'));
});
afterAll(async () => {
  if (api !== null && api.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the API audit trail across kill -9', () => {
  it('every response that reached a client has its audit row after a restart; every acknowledged comment is stored', async () => {
    const keys = await seed(dir);
    const url = await startApi(dir);
    const officer = { 'x-api-key': keys.officer, 'content-type': 'application/json' };
    const reads: string[] = [];
    const comments: { requestId: string; commentId: string }[] = [];
    let killed = false;

    // Four readers and four writers until the process dies under them.
    const worker = async (write: boolean, n: number): Promise<void> => {
      for (let i = 0; !killed; i++) {
        try {
          const res = write
            ? await fetch(`${url}/alerts/al-crash/comments`, { method: 'POST', headers: officer, body: JSON.stringify({ body: `note ${n}-${i}` }) })
            : await fetch(`${url}/patients/p-crash/access-report?limit=5`, { headers: officer });
          const body = (await res.json()) as { comment?: { commentId: string }; accesses?: unknown[] };
          if (res.status === 200 && !write && (body.accesses?.length ?? 0) > 0) reads.push(String(res.headers.get('x-request-id')));
          if (res.status === 201 && write && body.comment) comments.push({ requestId: String(res.headers.get('x-request-id')), commentId: body.comment.commentId });
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, n) => worker(n % 2 === 0, n));
    // Kill once enough has been served, whatever the machine's speed.
    for (;;) {
      if (reads.length >= 40 && comments.length >= 40) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const child = api as ChildProcess;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    killed = true;
    await exited;
    await Promise.all(workers);
    expect(reads.length).toBeGreaterThanOrEqual(40);

    // Restart on the same store and read the trail through the API, as an auditor would.
    const again = await startApi(dir);
    const auditor = { 'x-api-key': keys.auditor };
    const trail = new Set<string>();
    let cursor: string | null = null;
    const from = new Date(Date.now() - 86_400_000).toISOString();
    do {
      const res: Response = await fetch(`${again}/audit?from=${from}&limit=5000${cursor ? `&cursor=${cursor}` : ''}`, { headers: auditor });
      expect(res.status, await res.clone().text()).toBe(200);
      const page = (await res.json()) as { items: { requestId: string }[]; nextCursor: string | null };
      for (const r of page.items) trail.add(r.requestId);
      cursor = page.nextCursor;
    } while (cursor !== null);
    const missingReads = reads.filter((id) => !trail.has(id));
    const missingWrites = comments.filter((c) => !trail.has(c.requestId));
    expect({ served: reads.length, missingReads }).toEqual({ served: reads.length, missingReads: [] });
    expect({ acknowledged: comments.length, missingWrites }).toEqual({ acknowledged: comments.length, missingWrites: [] });

    const stored = (await (await fetch(`${again}/alerts/al-crash/comments`, { headers: officer })).json()) as { items: { commentId: string }[] };
    const storedIds = new Set(stored.items.map((c) => c.commentId));
    expect(comments.filter((c) => !storedIds.has(c.commentId))).toEqual([]);
    process.stdout.write(`audit crash: ${reads.length} access reports and ${comments.length} comments acknowledged before kill -9; all ${reads.length + comments.length} on the trail after the restart\n`);
    api?.kill('SIGTERM');
  }, 300_000);
});
