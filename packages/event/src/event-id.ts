import { createHash } from 'node:crypto';

/**
 * Stable id for content that carries none: `h-` + the hex sha256 of a
 * canonical serialisation (object keys sorted at every level, arrays in
 * order, no whitespace). The same content always gets the same id, whatever
 * order its keys arrived in, so replaying a file or redelivering a message
 * never stores an event twice. The `h-` prefix tells a reader the id was
 * derived, not issued by the source.
 */
export function deriveEventId(content: unknown): string {
  return `h-${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

/** JSON with sorted object keys; `undefined` members are dropped as JSON.stringify drops them. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // Numbers, strings, booleans; undefined and functions have no JSON form: treat as null inside arrays.
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/**
 * The derived id of a canonical event that arrived without one: the hash of
 * every field except `eventId` and `format`. Leaving the format out makes
 * the same access, exported once as CSV and once as JSON, one event.
 */
export function contentEventId(event: object): string {
  return deriveEventId({ ...event, eventId: undefined, format: undefined });
}
