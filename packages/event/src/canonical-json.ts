import { MAX_STORED_PATIENTS, type AccessEvent, type EventFlag } from './access-event.ts';
import { contentEventId } from './event-id.ts';
import { normaliseTime } from './event-time.ts';
import { lineSizeProblem, type LineLimit } from './message-limit.ts';
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

export function parseCanonicalLine(text: string, line?: number, options?: LineLimit): ParseResult {
  const tooBig = lineSizeProblem(text, options?.maxBytes, line);
  if (tooBig !== null) return tooBig;
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

  const over = overLimits(v);
  let candidate: Record<string, unknown> = v;
  if (idMissing || format === undefined || rewriteTime || over) {
    candidate = { ...v };
    if (idMissing) candidate['eventId'] = PLACEHOLDER_ID;
    if (format === undefined) candidate['format'] = 'json';
    if (rewriteTime) candidate['time'] = normaliseTime(time) ?? time;
    if (over) cutToLimits(candidate);
  }
  const result = validateAccessEvent(candidate);
  // The validator returned a fresh object, so filling in the id mutates nothing the caller holds.
  if (result.ok && idMissing) (result.event as AccessEvent).eventId = contentEventId(result.event);
  return result;
}

const MAX_TEXT = 256;
const TEXT_FIELDS = ['sourceSystem', 'networkAddress'] as const;
const ACTOR_TEXT_FIELDS = ['role', 'department'] as const;

const tooLong = (value: unknown): boolean => typeof value === 'string' && value.length > MAX_TEXT;

/** More patients or longer text than the store keeps: such an event is cut to fit and flagged, never refused. */
function overLimits(v: Record<string, unknown>): boolean {
  const patients = v['patientIds'];
  if (Array.isArray(patients) && patients.length > MAX_STORED_PATIENTS) return true;
  if (tooLong(v['sourceSystem']) || tooLong(v['networkAddress'])) return true;
  const actor = v['actor'];
  if (typeof actor !== 'object' || actor === null) return false;
  const a = actor as Record<string, unknown>;
  return tooLong(a['role']) || tooLong(a['department']);
}

function cutToLimits(c: Record<string, unknown>): void {
  const flags: EventFlag[] = Array.isArray(c['flags']) ? [...(c['flags'] as EventFlag[])] : [];
  const add = (flag: EventFlag): void => {
    if (!flags.includes(flag)) flags.push(flag);
  };
  const patients = c['patientIds'];
  if (Array.isArray(patients) && patients.length > MAX_STORED_PATIENTS) {
    const distinct = [...new Set(patients as unknown[])];
    if (distinct.length > MAX_STORED_PATIENTS) {
      c['patientIds'] = distinct.slice(0, MAX_STORED_PATIENTS);
      c['patientCount'] = distinct.length;
      add('patients-capped');
    } else c['patientIds'] = distinct;
  }
  for (const field of TEXT_FIELDS) {
    const value = c[field];
    if (tooLong(value)) {
      c[field] = (value as string).slice(0, MAX_TEXT);
      add('truncated');
    }
  }
  const actor = c['actor'];
  if (typeof actor === 'object' && actor !== null && !Array.isArray(actor)) {
    const a = { ...(actor as Record<string, unknown>) };
    for (const field of ACTOR_TEXT_FIELDS) {
      const value = a[field];
      if (tooLong(value)) {
        a[field] = (value as string).slice(0, MAX_TEXT);
        add('truncated');
      }
    }
    c['actor'] = a;
  }
  if (flags.length > 0) c['flags'] = flags;
}
