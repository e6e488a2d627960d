import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError, FileContentError } from '@chartwatch/errors';
import { compileTemplate, PLACEHOLDERS } from './explanation.ts';
import type { Template } from './explanation.ts';
import { ruleFileSchema } from './rule-schema.ts';
import type { RuleDefinition } from './rule-schema.ts';

/** A rule as loaded: its definition, the file it came from, its compiled explanation. */
export interface LoadedRule extends RuleDefinition {
  readonly file: string;
  readonly template: Template;
}

export interface RuleSource {
  /** Shown in errors; usually the path of the YAML file. */
  file: string;
  text: string;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function fieldName(ruleId: string, path: readonly PropertyKey[]): string {
  let out = `rules[${ruleId}]`;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing value';
  const text = JSON.stringify(v) ?? String(v);
  return `value ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

/** The most specific issue: unions report every alternative, the deepest path is the one the author meant. */
function deepest(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[]): { issue: z.core.$ZodIssue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  let best: { issue: z.core.$ZodIssue; path: PropertyKey[] } | null = null;
  for (const alternative of issue.errors) {
    for (const inner of alternative) {
      const candidate = deepest(inner, path);
      if (best === null || candidate.path.length > best.path.length) best = candidate;
    }
  }
  return best ?? { issue, path };
}

function problemOf(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? 'is required' : `${describeValue(value)} must be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `${describeValue(value)} is not one of ${issue.values.map((x) => String(x)).join(', ')}`;
    default:
      return `${describeValue(value)} ${issue.message}`;
  }
}

/** Parses and checks one rule file; throws FileContentError naming file, rule id, field and value. */
export function parseRule(source: RuleSource): LoadedRule {
  const { file, text } = source;
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos?.[0] ? `line ${err.linePos[0].line}` : 'document';
    throw new FileContentError('CW_ERR_RULE_INVALID', file, where, `is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const rawId = valueAt(raw, ['id']);
  const ruleId = typeof rawId === 'string' && rawId !== '' ? rawId : basename(file).replace(/\.ya?ml$/, '');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new FileContentError('CW_ERR_RULE_INVALID', file, `rules[${ruleId}]`, 'must be a mapping of rule fields (id, version, title, …)');
  }
  const parsed = ruleFileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0] as z.core.$ZodIssue;
    if (first.code === 'unrecognized_keys') {
      const key = first.keys[0] ?? '';
      throw new FileContentError('CW_ERR_RULE_INVALID', file, fieldName(ruleId, [...first.path, key]), 'is not a known field (see rules/README.md)');
    }
    const { issue, path } = deepest(first, []);
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
    throw new FileContentError('CW_ERR_RULE_INVALID', file, fieldName(ruleId, path), problemOf(issue, valueAt(raw, path)) + more);
  }
  const template = compileTemplate(parsed.data.explain);
  if ('unknown' in template) {
    throw new FileContentError(
      'CW_ERR_RULE_INVALID',
      file,
      fieldName(ruleId, ['explain']),
      `placeholder {${template.unknown}} is not one of ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
    );
  }
  return { ...parsed.data, file, template };
}

/** Parses a rule pack; rule ids must be unique across files. Disabled rules are dropped. Sorted by id. */
export function parseRules(sources: readonly RuleSource[]): LoadedRule[] {
  const byId = new Map<string, LoadedRule>();
  for (const source of sources) {
    const rule = parseRule(source);
    const other = byId.get(rule.id);
    if (other !== undefined) {
      throw new FileContentError('CW_ERR_RULE_INVALID', source.file, fieldName(rule.id, ['id']), `value "${rule.id}" is already used by ${other.file}`);
    }
    byId.set(rule.id, rule);
  }
  return [...byId.values()].filter((r) => r.enabled).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The *.yaml / *.yml files of a rules directory (not recursive), sorted by name. A directory that does not exist
 * or holds no rule file is refused, naming it: a mistyped path once gave a stack trace, and an empty directory
 * would have run detection with no rules at all. (A pack whose rules are all `enabled: false` is allowed.)
 */
export async function readRuleSources(dir: string, setting = 'rules'): Promise<RuleSource[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(setting, `directory ${JSON.stringify(dir)} does not exist`);
    if (code === 'ENOTDIR') throw new ConfigError(setting, `${JSON.stringify(dir)} is a file, not a directory of rule files`);
    throw new ConfigError(setting, `directory ${JSON.stringify(dir)} cannot be read: ${(err as Error).message}`);
  }
  const files = names.filter((n) => /\.ya?ml$/.test(n)).sort();
  if (files.length === 0) throw new ConfigError(setting, `directory ${JSON.stringify(dir)} holds no rule files (*.yaml, *.yml)`);
  return Promise.all(files.map(async (n) => ({ file: join(dir, n), text: await readFile(join(dir, n), 'utf8') })));
}

/** Reads every *.yaml / *.yml file of a directory (not recursive) as one rule each; `setting` names the flag or variable in errors. */
export async function loadRulesDir(dir: string, setting = 'rules'): Promise<LoadedRule[]> {
  return parseRules(await readRuleSources(dir, setting));
}
