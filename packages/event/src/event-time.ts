/**
 * Event times. Every parser turns the source's ISO-8601 time (any offset, any
 * number of fraction digits) into the one canonical form
 * `YYYY-MM-DDTHH:mm:ss.sssZ` (what `Date.prototype.toISOString()` writes),
 * so the store, the windows and the event-id hash all see one spelling.
 *
 * Written by hand rather than with `Date.parse` because V8's `Date.parse`
 * is lenient: it turns 2021-02-30 into 2 March and 24:00 into the next day,
 * and accepts local times without an offset, which would shift an event by
 * the parser's own time zone.
 */

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Earliest and latest event time accepted; outside this a clock or a parser is broken. */
export const MIN_EVENT_TIME = '2000-01-01T00:00:00.000Z';
export const MAX_EVENT_TIME = '2100-01-01T00:00:00.000Z';
const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

/**
 * True when `s` is a real instant in canonical form inside [2000, 2100).
 * The round trip through `toISOString` rejects impossible dates and times
 * (Feb 30, 24:00, :60) that the pattern alone lets through.
 */
export function isCanonicalTime(s: string): boolean {
  if (s.length !== 24 || !CANONICAL.test(s)) return false;
  const ms = Date.parse(s);
  if (!(ms >= MIN_MS && ms < MAX_MS)) return false;
  return new Date(ms).toISOString() === s;
}

/**
 * Canonical form of an ISO-8601 date-time that carries `Z` or an offset, or
 * null when `s` is not one (no offset, impossible date, bad shape). Fraction
 * digits beyond milliseconds are truncated. The 2000..2100 range is not
 * checked here: the event validator reports it with its own message.
 */
export function normaliseTime(s: string): string | null {
  const m = ISO_WITH_OFFSET.exec(s);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > daysInMonth(year, month)) return null;
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number((fraction + '00').slice(0, 3));
  let offsetMinutes = 0;
  const zone = m[8] as string;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (oh * 60 + om) * (zone[0] === '-' ? -1 : 1);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  // Date.UTC maps years 0-99 to 1900-1999; such years are outside the accepted range anyway,
  // and a NaN here (year beyond Date's range) must not become a time.
  if (!Number.isFinite(utc) || year < 100) return null;
  return new Date(utc).toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
