import { createHash } from 'node:crypto';

/**
 * The alert id is a function of what the alert is about (rule, key, window
 * start) and nothing else, so a replay or a redelivered event produces the
 * same id, and the store's idempotent insert drops the duplicate.
 */
export function alertIdOf(ruleId: string, key: string, windowStartIso: string): string {
  return createHash('sha256').update(`${ruleId}\n${key}\n${windowStartIso}`).digest('hex').slice(0, 32);
}
