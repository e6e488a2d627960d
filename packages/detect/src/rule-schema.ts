import { z } from 'zod';
import { ACTIONS, ACTOR_KINDS, OUTCOMES } from '@chartwatch/event';
import type { RoleCategory } from '@chartwatch/reference';
import { ROLE_CATEGORIES } from '@chartwatch/reference';
import { SEVERITIES } from './alert.ts';
import { WEEKDAYS } from './condition.ts';
import { DURATION_HINT, parseDuration } from './duration.ts';
import { patientInOtherUnit } from './conditions/patient-in-other-unit.ts';
import { BUILTIN_FLAGS } from './flag-conditions.ts';

/**
 * The rule DSL: one YAML file per rule, checked by this schema. The schema
 * turns text (durations, condition lists) into typed values, so the compiler
 * never sees an unchecked string. rules/README.md documents every field.
 */

const duration = z.unknown().transform((v, ctx): number => {
  const ms = typeof v === 'string' ? parseDuration(v) : null;
  if (ms === null || ms === 0) {
    ctx.addIssue({ code: 'custom', message: DURATION_HINT });
    return z.NEVER;
  }
  return ms;
});

function oneOrMany<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

const code = z.string().min(1).max(64).transform((s) => s.trim().toUpperCase());
const label = z.string().min(1).max(256);


const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'must be a time of day like 07:00 or 19:30')
  .transform((s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5)));

const businessHoursSchema = z.strictObject({
  start: clockTime.default(7 * 60),
  end: clockTime.default(19 * 60),
  days: z.array(z.enum(WEEKDAYS)).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  /** Local dates (YYYY-MM-DD) that count as non-working days. */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-12-25')).default([]),
});
export type BusinessHours = z.output<typeof businessHoursSchema>;

const DEFAULT_BUSINESS_HOURS: BusinessHours = { start: 7 * 60, end: 19 * 60, days: ['mon', 'tue', 'wed', 'thu', 'fri'], holidays: [] };

/**
 * Conditions that take no argument, by name, with what each needs (condition.ts). A new condition is its
 * file in conditions/ and its line here; the compiler, the warm-up and the docs' checks read this table.
 */
export const FLAG_DEFS = {
  ...BUILTIN_FLAGS,
  'patient-in-other-unit': patientInOtherUnit,
} as const;
export type FlagCondition = keyof typeof FLAG_DEFS;
export const FLAG_CONDITIONS = Object.keys(FLAG_DEFS) as FlagCondition[];

export type ConditionSpec =
  | { kind: 'flag'; name: FlagCondition; hours: BusinessHours }
  | { kind: 'not'; inner: ConditionSpec }
  | { kind: 'patient-deceased-for'; ms: number }
  | { kind: 'terminated-for'; ms: number }
  | { kind: 'actor-role-in' | 'actor-role-not-in' | 'actor-department-in' | 'actor-department-not-in'; values: string[] }
  /** Categories of the role vocabulary (roles.csv), never a hospital's local codes. */
  | { kind: 'actor-category-in' | 'actor-category-not-in'; values: RoleCategory[] };

const LIST_CONDITIONS = ['actor-role-in', 'actor-role-not-in', 'actor-department-in', 'actor-department-not-in'] as const;
const DURATION_CONDITIONS = ['patient-deceased-for', 'terminated-for'] as const;
const CATEGORY_CONDITIONS = ['actor-category-in', 'actor-category-not-in'] as const;
const CONDITION_NAMES = [...FLAG_CONDITIONS, ...LIST_CONDITIONS, ...CATEGORY_CONDITIONS, ...DURATION_CONDITIONS, 'not'];

type IssueSink = { addIssue(issue: { code: 'custom'; message: string; path?: PropertyKey[] }): void };

function parseCondition(v: unknown, ctx: IssueSink, path: PropertyKey[]): ConditionSpec | null {
  const fail = (message: string, at: PropertyKey[] = path): null => {
    ctx.addIssue({ code: 'custom', message, path: at });
    return null;
  };
  if (typeof v === 'string') {
    if ((FLAG_CONDITIONS as readonly string[]).includes(v)) return { kind: 'flag', name: v as FlagCondition, hours: DEFAULT_BUSINESS_HOURS };
    if ((CONDITION_NAMES as readonly string[]).includes(v)) return fail(`needs an argument: write it as "${v}: …"`);
    return fail(`is not a known condition (${CONDITION_NAMES.join(', ')})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`must be a condition name or a one-key mapping like "patient-deceased-for: 30d"`);
  const entries = Object.entries(v);
  if (entries.length !== 1) return fail('must be a one-key mapping like "patient-deceased-for: 30d"');
  const [name, arg] = entries[0] as [string, unknown];
  const argPath = [...path, name];
  if (name === 'not') {
    const inner = parseCondition(arg, ctx, argPath);
    return inner === null ? null : { kind: 'not', inner };
  }
  if (name === 'after-hours' || name === 'business-hours') {
    const parsed = businessHoursSchema.safeParse(arg ?? {});
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return fail(first?.message ?? 'is not valid business hours', [...argPath, ...(first?.path ?? [])]);
    }
    return { kind: 'flag', name, hours: parsed.data };
  }
  if ((DURATION_CONDITIONS as readonly string[]).includes(name)) {
    const ms = typeof arg === 'string' ? parseDuration(arg) : null;
    if (ms === null) return fail(DURATION_HINT, argPath);
    return { kind: name as (typeof DURATION_CONDITIONS)[number], ms };
  }
  if ((LIST_CONDITIONS as readonly string[]).includes(name)) {
    const list = typeof arg === 'string' ? [arg] : arg;
    if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' && x.trim() !== '')) {
      return fail('must be a non-empty list of names', argPath);
    }
    return { kind: name as (typeof LIST_CONDITIONS)[number], values: list as string[] };
  }
  if ((CATEGORY_CONDITIONS as readonly string[]).includes(name)) {
    const list = typeof arg === 'string' ? [arg] : arg;
    if (!Array.isArray(list) || list.length === 0) return fail('must be a non-empty list of role categories', argPath);
    for (let i = 0; i < list.length; i++) {
      const c: unknown = list[i];
      if (typeof c !== 'string' || !(ROLE_CATEGORIES as readonly string[]).includes(c)) {
        return fail(`value ${JSON.stringify(c)} is not a role category (${ROLE_CATEGORIES.join(', ')}); a hospital's own role codes map to categories in roles.csv`, [...argPath, i]);
      }
    }
    return { kind: name as (typeof CATEGORY_CONDITIONS)[number], values: list as RoleCategory[] };
  }
  if ((FLAG_CONDITIONS as readonly string[]).includes(name)) return fail(`takes no argument: write it as "- ${name}"`, argPath);
  return fail(`is not a known condition (${CONDITION_NAMES.join(', ')})`, [...path]);
}

const conditionList = z.array(z.unknown()).transform((items, ctx): ConditionSpec[] => {
  const out: ConditionSpec[] = [];
  items.forEach((item, i) => {
    const c = parseCondition(item, ctx, [i]);
    if (c !== null) out.push(c);
  });
  return out;
});

const matchSchema = z.strictObject({
  actorKind: oneOrMany(z.enum(ACTOR_KINDS)).optional(),
  actions: oneOrMany(z.enum(ACTIONS)).optional(),
  outcomes: oneOrMany(z.enum(OUTCOMES)).optional(),
  /** Role or department as recorded in the event (any of). */
  roles: oneOrMany(label).optional(),
  departments: oneOrMany(label).optional(),
  /** Any of these resource types, security labels, purposes of use. */
  resourceTypes: oneOrMany(z.string().min(1)).optional(),
  sensitivity: oneOrMany(code).optional(),
  purposeOfUse: oneOrMany(code).optional(),
  breakTheGlass: z.boolean().optional(),
  /** Minimum records pulled by the event. */
  minRecords: z.number().int().min(0).optional(),
});
export type MatchSpec = z.output<typeof matchSchema>;

const baselineSourceSchema = z.strictObject({
  /**
   * Whose history: `self`, the key's own values of this rule's windows;
   * `self-match`, the key's values over every event that passes `match`
   * (conditions ignored, e.g. their volume at any hour); `peers`, the values
   * of this rule's windows of every key with the same role; `peers-now`, the
   * values of the windows the other keys of the same role have open at the
   * same time (a weekend skeleton crew all reading twice their weekday
   * volume is workload, one of them alone is not). `peers-now` needs no
   * history (minHistoryDays and historyDays do not apply), is judged when a
   * window crosses the threshold of the other sources, and can only raise it.
   */
  of: z.enum(['self', 'self-match', 'peers', 'peers-now']),
  statistic: z.enum(['mad', 'quantile']).default('mad'),
  /** mad: threshold = median + k × MAD. */
  k: z.number().min(0).default(5),
  /** quantile: threshold = factor × the q-quantile. */
  quantile: z.number().min(0).max(1).default(0.99),
  factor: z.number().min(0).default(1),
  /** And never below ratio × median ("many times the usual volume"). */
  ratio: z.number().min(0).default(0),
  /** The threshold is never below this. */
  minimum: z.number().min(0).default(0),
  /** Days of history this source needs before it is used. */
  minHistoryDays: z.number().int().min(1).default(3),
  historyDays: z.number().int().min(1).max(366).default(28),
  /** peers: how many peers must have history; peers-now: how many other keys of the role must have a window open now. */
  minPeers: z.number().int().min(1).default(5),
  /**
   * self-match only: compare with the key's values at the same hours of the
   * day (the bands of the window size the judged window overlaps), so a
   * weekend day shift is judged against weekday days, and 2 a.m. against
   * the nights this key worked, if any.
   */
  sameHours: z.boolean().default(false),
}).superRefine((b, ctx) => {
  if (b.sameHours && b.of !== 'self-match') ctx.addIssue({ code: 'custom', path: ['sameHours'], message: 'only applies to of: self-match' });
});
export type BaselineSpec = z.output<typeof baselineSourceSchema>;

const thresholdSchema = z
  .strictObject({
    /** Fire when the measure exceeds this number. */
    above: z.number().min(0).optional(),
    /** Fire when the measure exceeds the application's quota from the vendor list. */
    quota: z.literal('vendor.dailyQuota').optional(),
    /** Fire when the measure exceeds a baseline: one source, or a list tried in order until one has enough history. */
    baseline: z
      .union([baselineSourceSchema, z.array(baselineSourceSchema).min(1).max(4)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .optional(),
    /** With baseline: the threshold when no source has enough history (default: the first source's minimum), or "none" to stay silent. */
    fallback: z.union([z.number().min(0), z.literal('none')]).optional(),
    /** With several sources: `first` with enough history wins, or the `max` of those with enough history. */
    combine: z.enum(['first', 'max']).default('first'),
  })
  .superRefine((t, ctx) => {
    const set = [t.above !== undefined, t.quota !== undefined, t.baseline !== undefined].filter(Boolean).length;
    if (set !== 1) ctx.addIssue({ code: 'custom', message: 'must have exactly one of above, quota, baseline' });
    if (t.fallback !== undefined && t.baseline === undefined) ctx.addIssue({ code: 'custom', path: ['fallback'], message: 'only applies to a baseline' });
  })
  // `baselines` is every source in order; `baseline` stays the first one for code written before lists.
  .transform(({ baseline, ...rest }) => ({ ...rest, baseline: baseline?.[0], baselines: baseline ?? [] }));
export type ThresholdSpec = z.output<typeof thresholdSchema>;

export const KEY_KINDS = ['actor', 'actor+patient', 'application'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
export const MEASURES = ['events', 'distinct-patients', 'records'] as const;
export type Measure = (typeof MEASURES)[number];

/** How far a rule is trusted (Sigma's levels): experimental rules may be noisy, stable ones are tuned on real data. */
export const RULE_STATUSES = ['experimental', 'test', 'stable', 'deprecated'] as const;
export type RuleStatus = (typeof RULE_STATUSES)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-12-25');

/**
 * What a reviewer reads, not what the detector runs (SigmaHQ's rule fields). Optional in the schema, so a
 * test can write a rule in a few lines; every rule of the pack has all of them (load-rules.test.ts), and
 * none of them is part of the rule's hash in rules/rules.lock.json (rule-lock.ts).
 */
export const RULE_METADATA_FIELDS = ['description', 'references', 'falsepositives', 'status', 'tags', 'author', 'date', 'modified'] as const;

export const ruleFileSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes'),
    version: z.number().int().min(1),
    title: z.string().min(1).max(200),
    /** What the rule finds and why it matters, in a paragraph. */
    description: z.string().min(1).optional(),
    /** Where the duty or the pattern comes from: a regulation, the organisation's policy, a published case. */
    references: z.array(z.string().min(1)).min(1).optional(),
    /** Legitimate work that also matches, for the analyst's triage. */
    falsepositives: z.array(z.string().min(1)).min(1).optional(),
    status: z.enum(RULE_STATUSES).default('experimental'),
    /** Lower-case dotted tags, e.g. hipaa.164.312.b, insider.snooping. */
    tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, dots, dashes')).optional(),
    author: z.string().min(1).optional(),
    /** Written, and last changed. */
    date: isoDate.optional(),
    modified: isoDate.optional(),
    severity: z.enum(SEVERITIES),
    enabled: z.boolean().default(true),
    match: matchSchema.default({}),
    conditions: conditionList.default([]),
    key: z.enum(KEY_KINDS).default('actor'),
    measure: z.enum(MEASURES).default('events'),
    window: z.strictObject({ size: duration, slide: duration.optional() }),
    threshold: thresholdSchema.optional(),
    /** "window": one alert per key per window; a duration: at most one alert per key per that long. */
    suppress: z
      .unknown()
      .default('window')
      .transform((v, ctx): 'window' | number => {
        if (v === 'window') return 'window';
        const ms = typeof v === 'string' ? parseDuration(v) : null;
        if (ms === null || ms === 0) {
          ctx.addIssue({ code: 'custom', message: `must be "window" or a duration like 15m, 1h, 1d` });
          return z.NEVER;
        }
        return ms;
      }),
    explain: z.string().min(1).max(1000),
  })
  .superRefine((r, ctx) => {
    const { size, slide } = r.window;
    if (slide !== undefined && (slide > size || size % slide !== 0)) {
      ctx.addIssue({ code: 'custom', path: ['window', 'slide'], message: 'must divide the window size' });
    }
    if (slide !== undefined && size / slide > 48) {
      ctx.addIssue({ code: 'custom', path: ['window', 'slide'], message: 'is too small: at most 48 slides per window' });
    }
    if ((r.threshold?.baselines ?? []).some((b) => b.sameHours) && (86_400_000 % size !== 0 || size < 3_600_000)) {
      ctx.addIssue({ code: 'custom', path: ['threshold', 'baseline'], message: 'sameHours needs a window size of whole hours that divides a day (1h, 2h, 3h, 4h, 6h, 8h, 12h, 1d)' });
    }
    if (r.threshold?.quota !== undefined && r.key !== 'application') {
      ctx.addIssue({ code: 'custom', path: ['threshold', 'quota'], message: 'needs key: application (quotas belong to applications)' });
    }
  });

export type RuleDefinition = z.output<typeof ruleFileSchema>;
