import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, FileContentError } from '@chartwatch/errors';
import { loadRulesDir, parseRule, parseRules } from './load-rules.ts';

const GOOD = `
id: vip-access
version: 2
title: VIP access
severity: high
match: { actorKind: user, actions: [read, print], sensitivity: [psy] }
conditions:
  - patient.vip
  - no-care-relationship
  - patient-deceased-for: 30d
  - actor-role-not-in: [HIM clerk]
  - after-hours: { start: "08:00", end: "18:00", days: [mon, tue] }
  - not: same-household
key: actor+patient
window: { size: 1h, slide: 15m }
threshold: { above: 3 }
suppress: 6h
explain: "{actor} read {observed} > {threshold}"
`;

function problem(text: string, file = 'rules/vip-access.yaml'): FileContentError {
  try {
    parseRule({ file, text });
  } catch (err) {
    if (err instanceof FileContentError) return err;
    throw err;
  }
  throw new Error('expected the rule to be refused');
}

describe('parseRule', () => {
  it('turns a rule file into typed values', () => {
    const r = parseRule({ file: 'x.yaml', text: GOOD });
    expect(r).toMatchObject({ id: 'vip-access', version: 2, key: 'actor+patient', measure: 'events', window: { size: 3_600_000, slide: 900_000 }, suppress: 21_600_000 });
    expect(r.match.sensitivity).toEqual(['PSY']);
    expect(r.conditions).toHaveLength(6);
    expect(r.conditions[2]).toEqual({ kind: 'patient-deceased-for', ms: 30 * 86_400_000 });
    expect(r.conditions[4]).toMatchObject({ kind: 'flag', name: 'after-hours', hours: { start: 480, end: 1080, days: ['mon', 'tue'] } });
    expect(r.conditions[5]).toMatchObject({ kind: 'not', inner: { kind: 'flag', name: 'same-household' } });
    expect(r.template.render({ actor: 'u1', observed: '5', threshold: '3' } as never)).toBe('u1 read 5 > 3');
  });

  it('names file, rule, field and value of a bad duration', () => {
    const e = problem(GOOD.replace('size: 1h', 'size: 5x'));
    expect(e.code).toBe('CW_ERR_RULE_INVALID');
    expect(e.file).toBe('rules/vip-access.yaml');
    expect(e.field).toBe('rules[vip-access].window.size');
    expect(e.message).toContain('value "5x" is not a duration like 15m, 1h, 1d');
  });

  it.each([
    ['severity: high', 'severity: urgent', 'rules[vip-access].severity', 'value "urgent" is not one of low, medium, high, critical'],
    ['actions: [read, print]', 'actions: [read, peek]', 'rules[vip-access].match.actions[1]', 'value "peek" is not one of read'],
    ['  - patient.vip', '  - patient.famous', 'rules[vip-access].conditions[0]', 'value "patient.famous" is not a known condition'],
    ['patient-deceased-for: 30d', 'patient-deceased-for: soon', 'rules[vip-access].conditions[2].patient-deceased-for', 'value "soon" is not a duration'],
    ['start: "08:00"', 'start: "8am"', 'rules[vip-access].conditions[4].after-hours.start', 'must be a time of day'],
    ['threshold: { above: 3 }', 'threshold: { above: 3, quota: vendor.dailyQuota }', 'rules[vip-access].threshold', 'exactly one of above, quota, baseline'],
    ['slide: 15m', 'slide: 25m', 'rules[vip-access].window.slide', 'must divide the window size'],
    ['version: 2', 'version: two', 'rules[vip-access].version', 'value "two" must be a number'],
    ['title: VIP access', 'title: VIP access\nowner: me', 'rules[vip-access].owner', 'is not a known field'],
    ['version: 2\n', '', 'rules[vip-access].version', 'is required'],
    ['suppress: 6h', 'suppress: often', 'rules[vip-access].suppress', 'must be "window" or a duration'],
    ['{threshold}"', '{limit}"', 'rules[vip-access].explain', 'placeholder {limit} is not one of'],
    ['threshold: { above: 3 }', 'threshold: { baseline: { of: self, sameHours: true } }', 'rules[vip-access].threshold.baseline.sameHours', 'only applies to of: self-match'],
    ['threshold: { above: 3 }', 'threshold: { baseline: [{ of: self }, { of: friends }] }', 'rules[vip-access].threshold.baseline[1].of', 'value "friends" is not one of self, self-match, peers'],
    ['threshold: { above: 3 }', 'threshold: { above: 3, fallback: 2 }', 'rules[vip-access].threshold.fallback', 'only applies to a baseline'],
  ])('refuses %s → %s', (from, to, field, text) => {
    const e = problem(GOOD.replace(from, to));
    expect(e.field).toBe(field);
    expect(e.message).toContain(text);
  });

  it('names the file when the id itself is missing, and YAML syntax errors by line', () => {
    expect(problem(GOOD.replace('id: vip-access\n', ''), 'rules/nameless.yaml').field).toBe('rules[nameless].id');
    const e = problem('id: x\nversion: [1,\n', 'rules/broken.yaml');
    expect(e.message).toContain('rules/broken.yaml');
    expect(e.message).toContain('is not valid YAML');
  });

  it('refuses a quota on a key that is not an application', () => {
    const e = problem(GOOD.replace('threshold: { above: 3 }', 'threshold: { quota: vendor.dailyQuota }'));
    expect(e.field).toBe('rules[vip-access].threshold.quota');
  });
});

describe('parseRules / loadRulesDir', () => {
  it('refuses two files with one id, naming both', () => {
    expect(() => parseRules([{ file: 'a.yaml', text: GOOD }, { file: 'b.yaml', text: GOOD }])).toThrow(/b\.yaml: rules\[vip-access\]\.id: value "vip-access" is already used by a\.yaml/);
  });

  it('drops disabled rules', () => {
    expect(parseRules([{ file: 'a.yaml', text: `${GOOD}\nenabled: false\n` }])).toEqual([]);
  });

  it('loads the default pack: every rule valid, ids unique and equal to the file names', async () => {
    const dir = fileURLToPath(new URL('../../../rules/', import.meta.url));
    const rules = await loadRulesDir(dir);
    expect(rules.length).toBeGreaterThanOrEqual(12);
    for (const r of rules) expect(r.file).toBe(join(dir, `${r.id}.yaml`));
  });

  it('refuses a rules directory that does not exist, a file, and a directory with no rule file, naming the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-rules-none-'));
    await writeFile(join(dir, 'README.md'), 'no rules here');
    const refused = async (path: string) => {
      const err = await loadRulesDir(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).setting).toBe('rules');
      expect((err as Error).message).toContain(JSON.stringify(path));
      return (err as Error).message;
    };
    expect(await refused(join(dir, 'missing'))).toMatch(/does not exist/);
    expect(await refused(join(dir, 'README.md'))).toMatch(/is a file/);
    expect(await refused(dir)).toMatch(/holds no rule files/);
  });

  it('reads only YAML files of a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cw-rules-'));
    await writeFile(join(dir, 'one.yaml'), GOOD);
    await writeFile(join(dir, 'notes.txt'), 'not a rule');
    expect((await loadRulesDir(dir)).map((r) => r.id)).toEqual(['vip-access']);
  });
});
