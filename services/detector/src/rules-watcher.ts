import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { Logger } from '@chartwatch/logger';
import { parseRules, readRuleSources } from '@chartwatch/detect';
import type { LoadedRule } from '@chartwatch/detect';
import { FileContentError } from '@chartwatch/errors';

export interface RulePack {
  rules: readonly LoadedRule[];
  /** sha256 over the files' names and texts: an edit that changes nothing changes no state. */
  fingerprint: string;
}

export type ReloadOutcome = 'changed' | 'unchanged' | 'failed';

export interface RulesWatcher {
  /** Reads and checks the pack; throws FileContentError naming file, rule and field. Becomes the last good pack. */
  load(): Promise<RulePack>;
  /** Watches the directory; a change, after the debounce, reloads. */
  start(): void;
  stop(): void;
  /** Re-reads now: a good pack that differs replaces the last good one and is handed to onRules; a bad one is logged and ignored. */
  reload(): Promise<ReloadOutcome>;
  current(): RulePack | null;
}

export interface RulesWatcherOptions {
  dir: string;
  debounceMs: number;
  logger: Logger;
  onRules: (pack: RulePack) => void;
  /** The flag or variable that names `dir`, for errors (default `rules`). */
  setting?: string;
}

async function readPack(dir: string, setting?: string): Promise<RulePack> {
  const sources = await readRuleSources(dir, setting);
  const rules = parseRules(sources);
  const hash = createHash('sha256');
  for (const s of sources) hash.update(`${s.file}\u0000${s.text}\u0000`);
  return { rules, fingerprint: hash.digest('hex') };
}

/**
 * The rule pack of a directory, hot-reloaded: fs.watch on the directory
 * (editors save by rename, and Kubernetes swaps a ConfigMap's symlink, both
 * of which a watch on each file would miss), debounced so a save that
 * touches several files reloads once. A pack that fails to parse keeps the
 * last good one in force and logs the file, rule and field at fault.
 */
export function createRulesWatcher(options: RulesWatcherOptions): RulesWatcher {
  const log = options.logger;
  let last: RulePack | null = null;
  let watcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<ReloadOutcome> | null = null;
  let again = false;

  async function reloadOnce(): Promise<ReloadOutcome> {
    let pack: RulePack;
    try {
      pack = await readPack(options.dir, options.setting);
    } catch (err) {
      const where = err instanceof FileContentError ? { file: err.file, field: err.field } : { dir: options.dir };
      log.error({ err, ...where, keeping: last?.rules.map((r) => `${r.id}@${r.version}`) }, 'rules reload failed; the last good rules stay in force');
      return 'failed';
    }
    if (last !== null && last.fingerprint === pack.fingerprint) return 'unchanged';
    const before = new Map((last?.rules ?? []).map((r) => [r.id, r.version]));
    last = pack;
    log.info(
      {
        rules: pack.rules.map((r) => `${r.id}@${r.version}`),
        added: pack.rules.filter((r) => !before.has(r.id)).map((r) => r.id),
        removed: [...before.keys()].filter((id) => !pack.rules.some((r) => r.id === id)),
      },
      'rules reloaded',
    );
    options.onRules(pack);
    return 'changed';
  }

  async function reload(): Promise<ReloadOutcome> {
    // One reload at a time; a change during a reload runs one more afterwards.
    if (running !== null) {
      again = true;
      return running;
    }
    running = (async () => {
      let outcome: ReloadOutcome;
      do {
        again = false;
        outcome = await reloadOnce();
      } while (again);
      return outcome;
    })();
    try {
      return await running;
    } finally {
      running = null;
    }
  }

  return {
    async load(): Promise<RulePack> {
      last = await readPack(options.dir, options.setting);
      return last;
    },
    start(): void {
      if (watcher !== null) return;
      watcher = watch(options.dir, { persistent: false }, () => {
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          void reload();
        }, options.debounceMs);
        timer.unref();
      });
      watcher.on('error', (err) => log.error({ err, dir: options.dir }, 'watching the rules directory failed; rules no longer hot-reload'));
    },
    stop(): void {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      watcher?.close();
      watcher = null;
    },
    reload,
    current: () => last,
  };
}
