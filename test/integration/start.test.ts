import { statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../services/api/src/index.ts';
import type { StartedProcess } from './start-harness.ts';
import { alertsNow, killIfRunning, printed, spawnStart, stopWithSigterm, until } from './start-harness.ts';

/**
 * The README's promise, as a newcomer meets it: `pnpm start` on a fresh
 * data directory prints a dashboard URL and an admin key, and the alert
 * list gets alerts once it has caught up; SIGTERM stops it cleanly. How
 * soon is a figure the test prints (and docs/performance.md keeps), never
 * an assertion: a loaded CI machine takes minutes where a quiet one takes
 * seconds.
 * A second start on the same directory resumes the same hospital and makes
 * no new key. Embedded (chDB, the in-process queue), whatever the test setup
 * exported for the Kafka tests. The first start also feeds a webhook
 * receiver here (WEBHOOK_URLS): every alert it gets is signed and is one the
 * API lists.
 */

/** A safety net for a start that never gets there, not a target. */
const GIVE_UP_AFTER_MS = 12 * 60_000;
const EMBEDDED = { KAFKA_BROKERS: undefined, CLICKHOUSE_URL: undefined, CHARTWATCH_DATA_DIR: undefined, API_PORT: undefined, LOG_LEVEL: 'info' };

let dataDir: string;
let first: StartedProcess;
let second: StartedProcess | undefined;
const SECRET = 'start-test-webhook-secret-0123456789';
let receiver: Server;
const hooked: { alertId: string; valid: boolean }[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'chartwatch-start-'));
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const valid = verifyWebhookSignature(SECRET, req.headers[SIGNATURE_HEADER] as string | undefined, req.headers[TIMESTAMP_HEADER] as string | undefined, body, Math.floor(Date.now() / 1000));
      hooked.push({ alertId: (JSON.parse(body) as { alert: { alertId: string } }).alert.alertId, valid });
      res.writeHead(valid ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  first = spawnStart(['--data-dir', dataDir, '--port', '0'], { ...EMBEDDED, WEBHOOK_URLS: hook, WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_HTTP: 'true' });
});

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
  await killIfRunning(first);
  await killIfRunning(second);
  await rm(dataDir, { recursive: true, force: true });
});

describe('pnpm start (embedded)', () => {
  let url: string;
  let key: string;

  it('prints the dashboard URL and a local admin key once', { timeout: GIVE_UP_AFTER_MS + 60_000 }, async () => {
    const shown = await until(first, 'the dashboard URL and admin key', first.spawnedAt + GIVE_UP_AFTER_MS, () => printed(first));
    expect(shown.key).not.toBeNull();
    url = shown.url;
    key = shown.key as string;
    expect(first.stdout.match(/cwk_/g)).toHaveLength(1);
    // The data directory and its log are the user's alone.
    expect(statSync(join(dataDir, 'chartwatch.log')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'clickhouse')).mode & 0o777).toBe(0o700);
    const page = await fetch(`${url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const me = await fetch(`${url}/me`, { headers: { 'x-api-key': key } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { roles: string[] }).roles).toContain('admin');
    // No model pinned: the banner says the in-process trainer supplies one.
    expect(first.stdout).toMatch(/Detection .*model trained in-process/);
    // Printed once, on the terminal: never in the log.
    expect(await readFile(join(dataDir, 'chartwatch.log'), 'utf8')).not.toContain(key);
  });

  it('has alerts in the API once it has caught up', { timeout: GIVE_UP_AFTER_MS + 60_000 }, async () => {
    const alerts = await until(first, 'the first alert', first.spawnedAt + GIVE_UP_AFTER_MS, () => alertsNow(url, key));
    const elapsed = Date.now() - first.spawnedAt;
    process.stdout.write(`first alert in the API ${(elapsed / 1000).toFixed(1)} s after spawning chartwatch start (${alerts.map((a) => a.ruleId).join(', ')})\n`);
    // The evidence is events ingest stored from the simulator's FHIR messages.
    expect(alerts[0]?.evidenceEventIds[0]).toMatch(/^sim-7-\d{4}-\d{2}-\d{2}-\d+$/);
    expect(first.stderr).toMatch(/catching up|live ×/);
  });

  it('sends the alerts to the configured webhook, signed, and the overview has its figures', async () => {
    await until(first, 'a webhook delivery', Date.now() + 30_000, () => (hooked.length > 0 ? true : undefined));
    expect(hooked.every((x) => x.valid)).toBe(true);
    // What the receiver got is what the detector published: each one is an alert the API has.
    for (const { alertId } of hooked.slice(0, 20)) {
      expect((await fetch(`${url}/alerts/${encodeURIComponent(alertId)}`, { headers: { 'x-api-key': key } })).status, alertId).toBe(200);
    }
    const metrics = await (await fetch(`${url}/metrics`, { headers: { 'x-api-key': key } })).text();
    expect(metrics).toMatch(/chartwatch_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);

    const res = await fetch(`${url}/overview`, { headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
    const o = (await res.json()) as { alertsPerDay: { count: number }[]; consumerLag: { group: string; lag: number }[] | null; eventRate: { perMinute: { events: number }[] } };
    expect(o.alertsPerDay.reduce((s, x) => s + x.count, 0)).toBeGreaterThan(0);
    expect(o.consumerLag?.map((x) => x.group)).toEqual(['chartwatch-ingest', 'chartwatch-detector']);
    expect(o.eventRate.perMinute.reduce((s, m) => s + m.events, 0)).toBeGreaterThan(0);
  });

  it('stops cleanly on SIGTERM and keeps the simulation to resume', async () => {
    const { code, signal, seconds } = await stopWithSigterm(first);
    process.stdout.write(`exited ${code} ${seconds.toFixed(2)} s after SIGTERM\n`);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(first.stderr).toContain('stopped.');
    const state = JSON.parse(await readFile(join(dataDir, 'simulation.json'), 'utf8')) as { seed: number; staff: number; fedThrough: string | null };
    expect(state).toMatchObject({ seed: 7, staff: 300 });
    expect(state.fedThrough).not.toBeNull();
  });

  it('a second start on the same data directory resumes the hospital and makes no new key', async () => {
    const before = (await readFile(join(dataDir, 'simulation.json'), 'utf8'));
    second = spawnStart(['--data-dir', dataDir, '--port', '0'], EMBEDDED);
    const shown = await until(second, 'the banner of the second start', second.spawnedAt + GIVE_UP_AFTER_MS, () => printed(second as StartedProcess));
    expect(shown.key).toBeNull();
    expect(second.stdout).toContain('has an admin key already');
    expect(second.stdout).toContain('resumed');
    // The first start's key still works, and its alerts are there at once.
    const alerts = await alertsNow(shown.url, key);
    expect(alerts?.length).toBeGreaterThan(0);
    expect(JSON.parse(before)).toMatchObject({ start: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    const { code } = await stopWithSigterm(second);
    expect(code).toBe(0);
  });

  it('refuses a flag that contradicts the hospital the data directory holds, naming the flag', async () => {
    const third = spawnStart(['--data-dir', dataDir, '--port', '0', '--seed', '8'], EMBEDDED);
    const { code } = await third.exit;
    expect(code).toBe(2);
    expect(third.stderr).toMatch(/CW_ERR_CONFIG: --seed: 8 differs from the simulation this data directory holds \(seed 7/);
  });

  it('refuses a file to feed when neither --reference nor the data directory brings reference data', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'chartwatch-start-noref-'));
    try {
      const file = join(fresh, 'events.jsonl');
      await writeFile(file, '');
      const p = spawnStart(['--data-dir', join(fresh, 'data'), '--port', '0', '--input', file, '--format', 'json'], EMBEDDED);
      const { code } = await p.exit;
      expect(code).toBe(2);
      expect(p.stderr).toMatch(/CW_ERR_CONFIG: --reference: is needed: the data directory holds no reference data/);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
