import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GOLDEN_CASES, SAVED_MODEL_SHA256, currentHashes } from '../test/fixtures/score-hashes.ts';

const fixture = fileURLToPath(new URL('../test/fixtures/score-hashes.ts', import.meta.url));
const repoRoot = path.resolve(path.dirname(fixture), '..', '..', '..', '..');

const expected: Record<string, string> = Object.fromEntries([...GOLDEN_CASES.map((c) => [c.name, c.sha256]), ['saved model', SAVED_MODEL_SHA256]]);

describe('scores stay bit-identical to the JavaScript scorer they replaced', () => {
  it('with WebAssembly: every fixed-seed case and the saved model hash to the recorded bytes', () => {
    expect((globalThis as { WebAssembly?: unknown }).WebAssembly).toBeDefined();
    expect(currentHashes()).toEqual(expected);
  });

  it('without WebAssembly (node --jitless): the JavaScript fallback gives the same bytes', () => {
    const run = spawnSync(process.execPath, ['--jitless', '--import', 'tsx', fixture], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { webAssembly: boolean; hashes: Record<string, string> };
    expect(result.webAssembly).toBe(false);
    expect(result.hashes).toEqual(expected);
  }, 130_000);
});
