import type { ConditionSpec, LoadedRule } from '@chartwatch/detect';

const DAY_MS = 86_400_000;

function usesCare(conditions: readonly ConditionSpec[]): boolean {
  return conditions.some((c) => (c.kind === 'not' ? usesCare([c.inner]) : c.kind === 'flag' && (c.name === 'care-relationship' || c.name === 'no-care-relationship')));
}

export interface HorizonOptions {
  /** How long the core remembers that an actor treated a patient (DetectorOptions.care.memoryMs). */
  careMemoryMs: number;
  allowedLatenessMs: number;
}

/**
 * How much event history rebuilds a detector's state exactly: the longest of
 * each rule's open window, its baseline history (historyDays of past window
 * peaks, plus the window being measured), its suppression span, and, when a
 * rule asks about care relationships, the care memory. A day is added
 * because windows of a day or more start at local midnight, and the allowed
 * lateness because the watermark trails the newest event by that much.
 */
export function warmupHorizonMs(rules: readonly LoadedRule[], options: HorizonOptions): number {
  let longest = 0;
  for (const rule of rules) {
    const size = rule.window.size;
    let need = size;
    for (const baseline of rule.threshold?.baselines ?? []) need = Math.max(need, baseline.historyDays * DAY_MS + size);
    if (typeof rule.suppress === 'number') need = Math.max(need, rule.suppress);
    if (usesCare(rule.conditions)) need = Math.max(need, options.careMemoryMs);
    longest = Math.max(longest, need);
  }
  return longest + DAY_MS + options.allowedLatenessMs;
}
