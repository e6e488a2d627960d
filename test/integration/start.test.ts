import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedProcess } from './start-harness.ts';
import { alertsNow, killIfRunning, printed, spawnStart, stopWithSigterm, until } from './start-harness.ts';

/**
 * The README's promise, as a newcomer meets it: `pnpm start` on a fresh
 * data directory prints a dashboard URL and an admin key, and the alert
 * list has alerts within 60 seconds of the start; SIGTERM stops it cleanly.
 * A second start on the same directory resumes the same hospital and makes
 * no new key. Embedded (chDB, the in-process queue), whatever the test setup
 * exported for the Kafka tests.
 */

const ALERTS_WITHIN_MS = 60_000;
const EMBEDDED = { KAFKA_BROKERS: undefined, CLICKHOUSE_URL: undefined, CHARTWATCH_DATA_DIR: undefined, API_PORT: undefined, LOG_LEVEL: 'info' };

let dataDir: string;
let first: StartedProcess;
let second: StartedProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'chartwatch-start-'));
  first = spawnStart(['--data-dir', dataDir, '--port', '0'], EMBEDDED);
});

afterAll(async () => {
  await killIfRunning(first);
  await killIfRunning(second);
  await rm(dataDir, { recursive: true, force: true });
});

describe('pnpm start (embedded)', () => {
  let url: string;
  let key: string;

  it('prints the dashboard URL and a local admin key once', async () => {
    const shown = await until(first, 'the dashboard URL and admin key', first.spawnedAt + ALERTS_WITHIN_MS, () => printed(first));
    expect(shown.key).not.toBeNull();
    url = shown.url;
    key = shown.key as string;
    expect(first.stdout.match(/cwk_/g)).toHaveLength(1);
    const page = await fetch(`${url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const me = await fetch(`${url}/me`, { headers: { 'x-api-key': key } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { roles: string[] }).roles).toContain('admin');
    // Printed once, on the terminal: never in the log.
    expect(await readFile(join(dataDir, 'chartwatch.log'), 'utf8')).not.toContain(key);
  });

  it('has alerts in the API within 60 seconds of the start', async () => {
    const alerts = await until(first, 'the first alert', first.spawnedAt + ALERTS_WITHIN_MS + 5_000, () => alertsNow(url, key));
    const elapsed = Date.now() - first.spawnedAt;
    process.stdout.write(`first alert in the API ${(elapsed / 1000).toFixed(1)} s after spawning chartwatch start (${alerts.map((a) => a.ruleId).join(', ')})\n`);
    expect(elapsed).toBeLessThan(ALERTS_WITHIN_MS);
    // The evidence is events ingest stored from the simulator's FHIR messages.
    expect(alerts[0]?.evidenceEventIds[0]).toMatch(/^sim-7-\d{4}-\d{2}-\d{2}-\d+$/);
    expect(first.stderr).toMatch(/catching up|live ×/);
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
    const shown = await until(second, 'the banner of the second start', second.spawnedAt + ALERTS_WITHIN_MS, () => printed(second as StartedProcess));
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
});
