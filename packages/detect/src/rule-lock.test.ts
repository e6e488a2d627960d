import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRules, readRuleSources } from './load-rules.ts';
import { lockEntryOf, lockProblems, ruleLockOf } from './rule-lock.ts';
import type { RuleLock } from './rule-lock.ts';

const RULES_DIR = fileURLToPath(new URL('../../../rules/', import.meta.url));
const TESTS_DIR = fileURLToPath(new URL('./rules/', import.meta.url));

const RULE = `# a comment
id: r
version: 1
title: R
severity: low
description: what it finds
window: { size: 1d }
explain: "{actor}"
`;

describe('the rule pack', () => {
  it('agrees with rules/rules.lock.json: a rule that changed has a new version, and the lock records it', async () => {
    const locked = JSON.parse(readFileSync(`${RULES_DIR}rules.lock.json`, 'utf8')) as RuleLock;
    expect(lockProblems(locked, ruleLockOf(await readRuleSources(RULES_DIR)))).toEqual([]);
  });

  it('gives every rule the metadata a reviewer reads, and a test file of its own', async () => {
    const rules = parseRules(await readRuleSources(RULES_DIR));
    for (const r of rules) {
      const missing = (['description', 'references', 'falsepositives', 'tags', 'author', 'date'] as const).filter((f) => r[f] === undefined);
      expect(missing, `rule ${r.id} lacks ${missing.join(', ')}`).toEqual([]);
      expect(r.references?.some((ref) => ref.includes('164.312')), `rule ${r.id} cites HIPAA §164.312(b)`).toBe(true);
      expect(existsSync(`${TESTS_DIR}${r.id}.test.ts`), `packages/detect/src/rules/${r.id}.test.ts`).toBe(true);
    }
  });
});

describe('lockProblems', () => {
  const lockOf = (text: string) => ruleLockOf([{ file: 'r.yaml', text }]);
  const locked = lockOf(RULE);

  it('ignores comments, layout, key order and metadata', () => {
    const same = RULE.replace('# a comment\n', '').replace('window: { size: 1d }', 'window:\n  size: 1d').replace('description: what it finds', 'description: better words\nstatus: stable\ntags: [x]');
    expect(lockProblems(locked, lockOf(same))).toEqual([]);
  });

  it('refuses a changed rule whose version did not change, and asks for the lock once it did', () => {
    const changed = RULE.replace('size: 1d', 'size: 2d');
    expect(lockProblems(locked, lockOf(changed))).toEqual(['rule r changed but its version is still 1: bump the version, then run pnpm rules:lock']);
    expect(lockProblems(locked, lockOf(changed.replace('version: 1', 'version: 2')))).toEqual(['rule r is at version 2, the lock has 1: run pnpm rules:lock']);
    expect(lockEntryOf({ file: 'r.yaml', text: changed }).entry.sha256).not.toBe(locked['r']?.sha256);
  });

  it('refuses a version going down, a rule not locked and a locked rule gone', () => {
    expect(lockProblems({ r: { version: 3, sha256: 'x' } }, locked)).toEqual(['rule r has version 1, below the locked 3: versions only go up']);
    expect(lockProblems({}, locked)).toEqual(['rule r is not in the lock: run pnpm rules:lock']);
    expect(lockProblems(locked, {})).toEqual(['rule r is locked but not in the pack: run pnpm rules:lock']);
  });
});
