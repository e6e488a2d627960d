import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `chartwatch api-key` as an operator runs it, against embedded chDB in the
 * directory `chartwatch start --data-dir` would use: a key created before
 * any start, listed, revoked.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const ENV = { ...process.env, CLICKHOUSE_URL: '', CHARTWATCH_DATA_DIR: '' };
let dir: string;

async function chartwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'services/chartwatch/src/main.ts'), 'api-key', ...args, '--data-dir', dir], { cwd: ROOT, env: ENV });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chartwatch-api-key-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('chartwatch api-key', () => {
  it('creates, lists and revokes keys in the data directory start uses', async () => {
    const created = await chartwatch('create', '--role', 'admin', '--name', 'alice', '--json');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { keyId: string; key: string; role: string; name: string };
    expect(key).toMatchObject({ role: 'admin', name: 'alice' });
    expect(key.key).toMatch(/^cwk_/);

    const listed = await chartwatch('list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${key.keyId}\tadmin\talice\tactive`);
    expect(listed.stdout).not.toContain(key.key);

    expect((await chartwatch('revoke', '--id', key.keyId)).code).toBe(0);
    const after = await chartwatch('list', '--json');
    expect(after.stdout).toContain(key.keyId);
    expect(after.stdout).not.toContain('"revokedAt":null');
  }, 120_000);

  it('refuses a role it does not know, naming the flag', async () => {
    const bad = await chartwatch('create', '--role', 'wizard', '--name', 'bob');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--role');
  }, 60_000);

  it('refuses to list or revoke in a directory with no store (a mistyped --data-dir), and says so when create makes one', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'chartwatch-api-key-fresh-'));
    const at = (...args: string[]) => run(process.execPath, ['--import', 'tsx', join(ROOT, 'services/chartwatch/src/main.ts'), 'api-key', ...args, '--data-dir', join(fresh, 'typo')], { cwd: ROOT, env: ENV }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    try {
      const listed = await at('list');
      expect(listed.code).toBe(2);
      expect(listed.stderr).toMatch(/--data-dir: no chartwatch store in ".*typo\/clickhouse"/);
      expect((await at('revoke', '--id', 'k_0123456789abcdef')).code).toBe(2);
      const created = await at('create', '--role', 'analyst', '--name', 'carol');
      expect(created.code).toBe(0);
      expect(created.stderr).toMatch(/held no store; one was created there/);
      expect((await at('list')).stdout).toContain('carol');
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }, 120_000);
});
