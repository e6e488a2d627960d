import { conditionNeeds } from './conditions.ts';
import type { LoadedRule } from './load-rules.ts';
import type { BaselineSpec } from './rule-schema.ts';

const DAY_MS = 86_400_000;

/** What a rule's state needs to be rebuilt exactly from stored events (a restarted or rebalanced live detector). */
export interface RuleNeeds {
  /** Some condition reads the care relationship: care memory must be recorded and warmed up over its span. */
  readonly care: boolean;
  /** Event time before the newest event whose events rebuild the rule's windows, histories and suppressions, ms. */
  readonly historyMs: number;
}

/**
 * What a baseline source keeps: self, self-match and peers a daily peak for each of historyDays days,
 * so historyDays of events plus the window being measured; peers-now only the windows open now.
 */
export function baselineHistoryMs(b: BaselineSpec, windowMs: number): number {
  return b.of === 'peers-now' ? windowMs : b.historyDays * DAY_MS + windowMs;
}

/** The needs of a rule, read from what its window, baseline sources, suppression and conditions declare. */
export function ruleNeeds(rule: LoadedRule): RuleNeeds {
  const size = rule.window.size;
  let historyMs = size;
  for (const b of rule.threshold?.baselines ?? []) historyMs = Math.max(historyMs, baselineHistoryMs(b, size));
  if (typeof rule.suppress === 'number') historyMs = Math.max(historyMs, rule.suppress);
  let care = false;
  for (const c of rule.conditions) {
    const needs = conditionNeeds(c);
    care ||= needs.care;
    historyMs = Math.max(historyMs, needs.historyMs);
  }
  return { care, historyMs };
}
