import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The README's promise, as a newcomer meets it: `pnpm start` (here the same
 * command line without pnpm: tsx services/chartwatch/src/main.ts start) on
 * a fresh data directory prints a dashboard URL and an admin key, and the
 * alert list has alerts within 60 seconds of the start. SIGTERM then stops
 * it cleanly. Embedded: chDB and the in-process queue, whatever the test
 * setup configured for Kafka.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const ALERTS_WITHIN_MS = 60_000;

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dataDir: string;
let proc: Running;
let spawnedAt: number;

function startCommand(args: string[]): Running {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  // Embedded, whatever the integration setup exported for the Kafka tests.
  for (const name of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'CHARTWATCH_DATA_DIR', 'API_PORT']) delete env[name];
  const child = spawn(TSX, ['services/chartwatch/src/main.ts', 'start', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stdout?.on('data', (b: Buffer) => (running.stdout += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (running.stderr += b.toString('utf8')));
  return running;
}

async function until<T>(what: string, deadline: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- stdout\n${proc.stdout}\n--- stderr (last 2000)\n${proc.stderr.slice(-2000)}`);
    if (proc.child.exitCode !== null) throw new Error(`chartwatch start exited (${proc.child.exitCode}) while waiting for ${what}\n--- stderr\n${proc.stderr.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'chartwatch-start-'));
  spawnedAt = Date.now();
  proc = startCommand(['--data-dir', dataDir, '--port', '0']);
});

afterAll(async () => {
  if (proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGKILL');
    await proc.exit;
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('pnpm start (embedded)', () => {
  let url: string;
  let key: string;

  it('prints the dashboard URL and a local admin key once', async () => {
    const printed = await until('the dashboard URL and admin key', spawnedAt + ALERTS_WITHIN_MS, () => {
      const u = /Dashboard\s+(http:\/\/\S+?)\/ui\//.exec(proc.stdout)?.[1];
      const k = /Admin key\s+(cwk_[A-Za-z0-9_-]{43})\b/.exec(proc.stdout)?.[1];
      return u !== undefined && k !== undefined ? { u, k } : undefined;
    });
    url = printed.u;
    key = printed.k;
    expect(proc.stdout.match(/cwk_/g)).toHaveLength(1);
    const page = await fetch(`${url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    // The key is an admin's, and the log never saw it.
    const me = await fetch(`${url}/me`, { headers: { 'x-api-key': key } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { roles: string[] }).roles).toContain('admin');
    expect(await readFile(join(dataDir, 'chartwatch.log'), 'utf8')).not.toContain(key);
  });

  it('has alerts in the API within 60 seconds of the start', async () => {
    const alerts = await until('the first alert', spawnedAt + ALERTS_WITHIN_MS + 5_000, async () => {
      const res = await fetch(`${url}/alerts?limit=50`, { headers: { 'x-api-key': key } });
      if (res.status !== 200) throw new Error(`GET /alerts answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { items: { ruleId: string; evidenceEventIds: string[] }[] };
      return body.items.length > 0 ? body.items : undefined;
    });
    const elapsed = Date.now() - spawnedAt;
    process.stdout.write(`first alert in the API ${(elapsed / 1000).toFixed(1)} s after spawning chartwatch start; ${alerts.length} by then (${[...new Set(alerts.map((a) => a.ruleId))].join(', ')})\n`);
    expect(elapsed).toBeLessThan(ALERTS_WITHIN_MS);
    // Evidence points at events ingest stored from the simulator's FHIR messages.
    expect(alerts[0]?.evidenceEventIds[0]).toMatch(/^sim-7-\d{4}-\d{2}-\d{2}-\d+$/);
    expect(proc.stderr).toMatch(/catching up|live ×/);
  });

  it('stops cleanly on SIGTERM', async () => {
    const asked = Date.now();
    proc.child.kill('SIGTERM');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit 30 s after SIGTERM\n${proc.stderr.slice(-2000)}`)), 30_000).unref());
    const { code, signal } = await Promise.race([proc.exit, timeout]);
    process.stdout.write(`exited ${code} ${(Date.now() - asked) / 1000} s after SIGTERM\n`);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(proc.stderr).toContain('stopped.');
    const state = JSON.parse(await readFile(join(dataDir, 'simulation.json'), 'utf8')) as { seed: number; fedThrough: string | null };
    expect(state.seed).toBe(7);
    expect(state.fedThrough).not.toBeNull();
  });
});
