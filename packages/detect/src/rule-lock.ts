import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { RuleSource } from './load-rules.ts';
import { RULE_METADATA_FIELDS } from './rule-schema.ts';

/**
 * The rule lock (Elastic detection-rules' version lock): for every rule of the pack, its version and a
 * hash of what it runs and says (every field but the reviewer's metadata, comments and layout aside).
 * rules/rules.lock.json is checked in; a test compares it with the pack, so a rule whose behaviour
 * changed while its version did not fails CI, and alerts' ruleVersion always names one behaviour.
 */
export interface RuleLockEntry {
  version: number;
  sha256: string;
}
export type RuleLock = Record<string, RuleLockEntry>;

/** The same value with object keys sorted at every depth, so the hash does not depend on their order. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
  return out;
}

/** A rule file's id, version and hash. Read after parseRule accepted the file (an unparsable one throws). */
export function lockEntryOf(source: RuleSource): { id: string; entry: RuleLockEntry } {
  const doc = { ...(parseYaml(source.text) as Record<string, unknown>) };
  const id = String(doc['id']);
  const version = Number(doc['version']);
  for (const k of ['id', 'version', ...RULE_METADATA_FIELDS]) delete doc[k];
  const sha256 = createHash('sha256').update(JSON.stringify(canonical(doc))).digest('hex');
  return { id, entry: { version, sha256 } };
}

/** The lock of a pack, by id in order. */
export function ruleLockOf(sources: readonly RuleSource[]): RuleLock {
  const entries = sources.map(lockEntryOf).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const lock: RuleLock = {};
  for (const { id, entry } of entries) lock[id] = entry;
  return lock;
}

/** What differs between the checked-in lock and the pack, each as a sentence saying what to do (empty when they agree). */
export function lockProblems(locked: RuleLock, pack: RuleLock): string[] {
  const problems: string[] = [];
  for (const [id, now] of Object.entries(pack)) {
    const was = locked[id];
    if (was === undefined) {
      problems.push(`rule ${id} is not in the lock: run pnpm rules:lock`);
      continue;
    }
    if (now.version < was.version) problems.push(`rule ${id} has version ${now.version}, below the locked ${was.version}: versions only go up`);
    else if (now.sha256 !== was.sha256 && now.version === was.version) problems.push(`rule ${id} changed but its version is still ${now.version}: bump the version, then run pnpm rules:lock`);
    else if (now.sha256 !== was.sha256 || now.version !== was.version) problems.push(`rule ${id} is at version ${now.version}, the lock has ${was.version}: run pnpm rules:lock`);
  }
  for (const id of Object.keys(locked)) if (pack[id] === undefined) problems.push(`rule ${id} is locked but not in the pack: run pnpm rules:lock`);
  return problems;
}
