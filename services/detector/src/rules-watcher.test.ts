import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileContentError } from '@chartwatch/errors';
import { createLogger } from '@chartwatch/logger';
import { createRulesWatcher } from './rules-watcher.ts';
import type { RulePack, RulesWatcher } from './rules-watcher.ts';

const PACK = fileURLToPath(new URL('../../../rules/', import.meta.url));

describe('rules watcher', () => {
  let dir: string;
  let lines: string[];
  let packs: RulePack[];
  let watcher: RulesWatcher;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chartwatch-rules-'));
    for (const f of ['vip-snoop.yaml', 'after-hours-bulk.yaml']) await copyFile(join(PACK, f), join(dir, f));
    lines = [];
    packs = [];
    const logger = createLogger({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    watcher = createRulesWatcher({ dir, debounceMs: 50, logger, onRules: (p) => packs.push(p) });
  });

  afterEach(async () => {
    watcher.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function until(check: () => boolean, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('loads the pack; a bad pack at start throws naming file, rule and field', async () => {
    expect((await watcher.load()).rules.map((r) => r.id)).toEqual(['after-hours-bulk', 'vip-snoop']);
    await writeFile(join(dir, 'vip-snoop.yaml'), (await readFile(join(dir, 'vip-snoop.yaml'), 'utf8')).replace('severity: high', 'severity: extreme'));
    const err = await watcher.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileContentError);
    expect((err as FileContentError).file).toBe(join(dir, 'vip-snoop.yaml'));
    expect((err as FileContentError).field).toBe('rules[vip-snoop].severity');
  });

  it('hot-reloads a good edit once after the debounce; an unchanged save changes nothing', async () => {
    await watcher.load();
    watcher.start();
    const file = join(dir, 'vip-snoop.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('version: 1', 'version: 2'));
    await until(() => packs.length === 1);
    expect(packs[0]?.rules.find((r) => r.id === 'vip-snoop')?.version).toBe(2);
    expect(await watcher.reload()).toBe('unchanged');
    await new Promise((r) => setTimeout(r, 200));
    expect(packs).toHaveLength(1);
  });

  it('a bad edit keeps the last good rules and logs the file, rule and field at fault', async () => {
    const good = await watcher.load();
    watcher.start();
    const file = join(dir, 'after-hours-bulk.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('size: 4h', 'size: four hours'));
    await until(() => lines.some((l) => l.includes('rules reload failed')));
    const line = JSON.parse(lines.find((l) => l.includes('rules reload failed')) as string) as Record<string, unknown>;
    expect(line['file']).toBe(file);
    expect(line['field']).toBe('rules[after-hours-bulk].window.size');
    // The pack's versions as loaded: the log names what is kept, id@version.
    expect(line['keeping']).toEqual(good.rules.map((r) => `${r.id}@${r.version}`));
    expect(line['keeping']).toHaveLength(2);
    expect(packs).toEqual([]);
    expect(watcher.current()).toBe(good);
    // Fixing the file (here: removing it) reloads.
    await rm(file);
    await until(() => packs.length === 1);
    expect(packs[0]?.rules.map((r) => r.id)).toEqual(['vip-snoop']);
  });

  it('a directory emptied of rule files keeps the last good rules and says so', async () => {
    const good = await watcher.load();
    for (const f of ['vip-snoop.yaml', 'after-hours-bulk.yaml']) await rm(join(dir, f));
    expect(await watcher.reload()).toBe('failed');
    expect(watcher.current()).toBe(good);
    const line = lines.find((l) => l.includes('rules reload failed')) as string;
    expect(line).toContain('holds no rule files');
    expect(packs).toEqual([]);
  });
});
