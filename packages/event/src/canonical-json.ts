import type { AccessEvent } from './access-event.ts';
import { contentEventId } from './event-id.ts';
import { normaliseTime } from './event-time.ts';
import { failure, type ParseResult } from './parse-result.ts';
import { validateAccessEvent } from './validate-event.ts';

/**
 * Canonical JSON lines: one AccessEvent object per line, exactly the shape of
 * `accessEventSchema`. Three leniencies, all for producers in other languages:
 * - `eventId` may be absent (or null/""): it becomes the content hash (`contentEventId`);
 * - `format` may be absent: it becomes 'json'; when present it is kept as given;
 * - `time` may be any ISO-8601 instant with `Z` or an offset: it is rewritten
 *   to the canonical `toISOString()` form.
 * Everything else must already be canonical (upper-case codes, all fields present).
 *
 * Hot path: validation is the hand-written validateAccessEvent, not zod
 * (see validate-event.ts and bench/parse-figures.ts for why).
 */

const PLACEHOLDER_ID = 'pending';

export function parseCanonicalLine(text: string, line?: number): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return failure('message', `not valid JSON: ${(err as Error).message}`, line);
  }
  const result = parseCanonicalEvent(value);
  return result.ok || line === undefined ? result : { ...result, line };
}

/** An already-parsed canonical event object. The input is not modified. */
export function parseCanonicalEvent(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure('message', `expected a JSON object (one AccessEvent), received ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const v = value as Record<string, unknown>;
  const eventId = v['eventId'];
  const idMissing = eventId === undefined || eventId === null || eventId === '';
  const format = v['format'];
  const time = v['time'];
  // Only touch the time when it is not already canonical: the common case pays two character checks.
  const rewriteTime = typeof time === 'string' && (time.length !== 24 || time.charCodeAt(23) !== 90 /* Z */ || time.charCodeAt(19) !== 46); /* . */

  let candidate: Record<string, unknown> = v;
  if (idMissing || format === undefined || rewriteTime) {
    candidate = { ...v };
    if (idMissing) candidate['eventId'] = PLACEHOLDER_ID;
    if (format === undefined) candidate['format'] = 'json';
    if (rewriteTime) candidate['time'] = normaliseTime(time) ?? time;
  }
  const result = validateAccessEvent(candidate);
  // The validator returned a fresh object, so filling in the id mutates nothing the caller holds.
  if (result.ok && idMissing) (result.event as AccessEvent).eventId = contentEventId(result.event);
  return result;
}
