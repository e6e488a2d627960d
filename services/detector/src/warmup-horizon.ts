import type { LoadedRule } from '@chartwatch/detect';
import { ruleNeeds } from '@chartwatch/detect';

const DAY_MS = 86_400_000;

export interface HorizonOptions {
  /** How long the core remembers that an actor treated a patient (DetectorOptions.care.memoryMs). */
  careMemoryMs: number;
  allowedLatenessMs: number;
}

/**
 * How much event history rebuilds a detector's state exactly: the longest
 * history any rule needs, as its window, baseline sources, suppression and
 * conditions declare it (ruleNeeds in @chartwatch/detect), and, when a
 * condition reads the care relationship, the care memory. A day is added
 * because windows of a day or more start at local midnight, and the allowed
 * lateness because the watermark trails the newest event by that much.
 */
export function warmupHorizonMs(rules: readonly LoadedRule[], options: HorizonOptions): number {
  let longest = 0;
  for (const rule of rules) {
    const needs = ruleNeeds(rule);
    longest = Math.max(longest, needs.historyMs, needs.care ? options.careMemoryMs : 0);
  }
  return longest + DAY_MS + options.allowedLatenessMs;
}
