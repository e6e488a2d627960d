import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '@chartwatch/store';
import { runApiKeyCommand } from '../../services/api/src/index.ts';

/**
 * The API as a process: a key made with the CLI command, `main.ts` started
 * on a free loopback port over embedded chDB, health, readiness and the
 * OpenAPI document served, and SIGTERM closing it cleanly.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DATA = mkdtempSync(join(tmpdir(), 'chartwatch-api-life-'));
let child: ChildProcess | null = null;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

describe('api process', () => {
  it('creates a key with the CLI command, serves, and shuts down on SIGTERM', async () => {
    const store = await openStore({ database: 'api_life', dataDir: DATA });
    await store.migrate();
    let printed = '';
    const code = await runApiKeyCommand(['create', '--role', 'admin', '--name', 'ops', '--json'], { store, out: { write: (t: string) => (printed += t) } });
    expect(code).toBe(0);
    const { key, keyId } = JSON.parse(printed) as { key: string; keyId: string };
    printed = '';
    await runApiKeyCommand(['list'], { store, out: { write: (t: string) => (printed += t) } });
    expect(printed).toContain(keyId);
    expect(printed).not.toContain(key);
    await expect(runApiKeyCommand(['create', '--role', 'root', '--name', 'x'], { store, out: { write: () => true } })).rejects.toThrow(/--role/);
    await store.close();

    const proc = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'services/api/src/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, API_HOST: '127.0.0.1', API_PORT: '0', CHARTWATCH_DATA_DIR: DATA, CLICKHOUSE_DATABASE: 'api_life', LOG_LEVEL: 'info', CLICKHOUSE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    let err = '';
    proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line; stdout ${out} stderr ${err}`)), 60_000);
      proc.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });

    expect((await fetch(`${address}/health`)).status).toBe(200);
    expect((await fetch(`${address}/ready`)).status).toBe(200);
    expect((await fetch(`${address}/docs/json`)).status).toBe(401);
    const doc = (await (await fetch(`${address}/docs/json`, { headers: { 'x-api-key': key } })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/alerts', '/alerts/{alertId}', '/patients/{patientId}/access-report', '/audit', '/vendors/{clientId}/usage']));
    const ui = await fetch(`${address}/docs/`, { headers: { 'x-api-key': key } });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const metrics = await fetch(`${address}/metrics`, { headers: { 'x-api-key': key } });
    expect(await metrics.text()).toContain('chartwatch_api_request_duration_seconds');

    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    const code2 = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 15_000))]);
    expect(code2).toBe(0);
    expect(out).toContain('"msg":"drained"');
  });
});
