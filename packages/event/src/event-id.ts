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

/**
 * JSON with sorted object keys; `undefined` members are dropped as JSON.stringify drops them.
 *
 * Written with an explicit stack rather than recursion: an AuditEvent without
 * an id is hashed whole, and a hostile one nested 10,000 levels deep inside an
 * extension would otherwise overflow the call stack and take every event of
 * its message down with it (fuzz-fhir.test.ts feeds it such inputs).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return scalarJson(value);
  const stack: Frame[] = [];
  let out = open(value, stack);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.keys === null) {
      const items = frame.value as readonly unknown[];
      if (frame.i >= items.length) {
        out += ']';
        stack.pop();
        continue;
      }
      if (frame.i > 0) out += ',';
      const item = items[frame.i++];
      out += item === null || typeof item !== 'object' ? scalarJson(item) : open(item, stack);
      continue;
    }
    const record = frame.value as Record<string, unknown>;
    let member: unknown;
    let key: string | undefined;
    while (frame.i < frame.keys.length) {
      const k = frame.keys[frame.i++] as string;
      const m = record[k];
      if (m === undefined || typeof m === 'function') continue;
      key = k;
      member = m;
      break;
    }
    if (key === undefined) {
      out += '}';
      stack.pop();
      continue;
    }
    if (frame.written) out += ',';
    frame.written = true;
    out += `${JSON.stringify(key)}:`;
    out += member === null || typeof member !== 'object' ? scalarJson(member) : open(member, stack);
  }
  return out;
}

/** One array or object being written: its members so far (`i`), its sorted keys (null for an array). */
interface Frame {
  value: object;
  keys: string[] | null;
  i: number;
  written: boolean;
}

function open(value: object, stack: Frame[]): string {
  if (Array.isArray(value)) {
    stack.push({ value, keys: null, i: 0, written: false });
    return '[';
  }
  stack.push({ value, keys: Object.keys(value).sort(), i: 0, written: false });
  return '{';
}

/** Numbers, strings, booleans, null; undefined and functions have no JSON form: null inside arrays. */
function scalarJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/**
 * The derived id of a canonical event that arrived without one: the hash of
 * every field except `eventId` and `format`. Leaving the format out makes
 * the same access, exported once as CSV and once as JSON, one event.
 */
export function contentEventId(event: object): string {
  return deriveEventId({ ...event, eventId: undefined, format: undefined });
}
