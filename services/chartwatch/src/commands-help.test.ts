import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CommandModule } from './command.ts';

/**
 * Every command answers `--help` (and `-h`) with its usage, exit 0, and does nothing else: the error a mistyped
 * flag prints (cli-error.ts) sends the operator there, and `simulate` and `score` once refused it as an unknown
 * option.
 */
const dir = new URL('./commands/', import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3));

async function help(name: string, flag: string): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const mod = (await import(new URL(`${name}.ts`, dir).href)) as CommandModule;
    return { code: await mod.run([flag]), out: lines.join('\n') };
  } finally {
    log.mockRestore();
  }
}

describe('chartwatch <command> --help', () => {
  // Loading a command loads its whole service (the API, chDB's bindings): seconds on a loaded machine, and not
  // what these tests are about, so it happens once here, with time to spare.
  beforeAll(async () => {
    for (const name of names) await import(new URL(`${name}.ts`, dir).href);
  }, 120_000);

  it('finds the commands', () => {
    expect(names).toEqual(expect.arrayContaining(['replay', 'score', 'simulate', 'start', 'train', 'api-key']));
  });

  for (const name of names) {
    for (const flag of ['--help', '-h']) {
      it(`${name} ${flag} prints its usage and exits 0`, async () => {
        const { code, out } = await help(name, flag);
        expect(code).toBe(0);
        expect(out).toMatch(/usage/);
      });
    }
  }
});
