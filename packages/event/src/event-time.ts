/**
 * Event times. Every parser turns the source's ISO-8601 time (any offset, any
 * number of fraction digits) into the one canonical form
 * `YYYY-MM-DDTHH:mm:ss.sssZ` (what `Date.prototype.toISOString()` writes),
 * so the store, the windows and the event-id hash all see one spelling.
 *
 * Written by hand, character by character, for two reasons:
 * - correctness: V8's `Date.parse` is lenient — it turns 2021-02-30 into
 *   2 March and 24:00 into the next day, and reads a time without an offset
 *   in the parser's own zone;
 * - speed: both functions run on every event, and `new Date(ms).toISOString()`
 *   alone cost ~0.5 µs, as much as a third of `JSON.parse` of a canonical
 *   line (bench/parse-figures.ts). Here a canonical input is checked without
 *   allocating anything, and only a time with an offset is reformatted.
 */

/** Earliest and latest event time accepted; outside this a clock or a parser is broken. */
export const MIN_EVENT_TIME = '2000-01-01T00:00:00.000Z';
export const MAX_EVENT_TIME = '2100-01-01T00:00:00.000Z';

const MS_PER_DAY = 86_400_000;

/**
 * True when `s` is a real instant in canonical form inside
 * [MIN_EVENT_TIME, MAX_EVENT_TIME): exactly `toISOString()` output for a
 * year 2000-2099, so impossible dates and times (Feb 30, 24:00, :60) fail.
 */
export function isCanonicalTime(s: string): boolean {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 /* Z */ || s.charCodeAt(19) !== 46 /* . */) return false;
  if (!validDateTime(s)) return false;
  const year = num(s, 0, 4);
  if (year < 2000 || year > 2099) return false;
  return num(s, 20, 3) >= 0;
}

/**
 * Canonical form of an ISO-8601 date-time that carries `Z` or an offset
 * (`YYYY-MM-DDTHH:mm:ss[.fraction](Z|±hh:mm)`), or null when `s` is not one:
 * no offset, impossible date or time, bad shape. Fraction digits beyond
 * milliseconds are truncated. The 2000..2100 range is not checked here: the
 * event validator reports it with its own message.
 */
export function normaliseTime(s: string): string | null {
  const n = s.length;
  if (n < 20) return null;
  if (!validDateTime(s)) return isLeapSecond(s) ? normaliseTime(`${s.slice(0, 17)}59.999${zoneAfterFraction(s)}`) : null;
  // Fraction: '.' followed by 1-9 digits.
  let i = 19;
  let ms = 0;
  let fractionDigits = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    while (i < n && fractionDigits < 10) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (fractionDigits < 3) ms = ms * 10 + d;
      fractionDigits++;
      i++;
    }
    if (fractionDigits === 0 || fractionDigits > 9) return null;
    for (let k = fractionDigits; k < 3; k++) ms *= 10;
  }
  // Zone: 'Z' or ±hh:mm, then the end.
  let offsetMinutes = 0;
  const z = s.charCodeAt(i);
  if (z === 90 /* Z */) {
    if (i + 1 !== n) return null;
    // Already canonical: return the input itself, no formatting.
    if (fractionDigits === 3) return s;
  } else if (z === 43 /* + */ || z === 45 /* - */) {
    if (i + 6 !== n || s.charCodeAt(i + 3) !== 58 /* : */) return null;
    const oh = num(s, i + 1, 2);
    const om = num(s, i + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return null;
    offsetMinutes = (oh * 60 + om) * (z === 45 ? -1 : 1);
  } else {
    return null;
  }
  const year = num(s, 0, 4);
  const days = daysFromCivil(year, num(s, 5, 2), num(s, 8, 2));
  const utc = days * MS_PER_DAY + (num(s, 11, 2) * 60 + num(s, 14, 2) - offsetMinutes) * 60_000 + num(s, 17, 2) * 1000 + ms;
  return formatUtc(utc);
}

/**
 * A leap second (`…:59:60`, as UTC inserted at 23:59:60 and servers that
 * follow it write) is read as the last millisecond of its minute: the event
 * keeps its order and its date, and is never refused for the clock's sake.
 */
function isLeapSecond(s: string): boolean {
  return num(s, 17, 2) === 60 && num(s, 14, 2) === 59 && validDateTime(`${s.slice(0, 17)}59`);
}

/** What follows the seconds and their fraction: `Z`, an offset, or anything else (then the caller refuses it). */
function zoneAfterFraction(s: string): string {
  let i = 19;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  }
  return s.slice(i);
}

/** `YYYY-MM-DDTHH:mm:ss` at the start of `s`, with a real calendar date and a time of day 00:00:00-23:59:59. */
function validDateTime(s: string): boolean {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 /* T */ || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  const year = num(s, 0, 4);
  const month = num(s, 5, 2);
  const day = num(s, 8, 2);
  const hour = num(s, 11, 2);
  const minute = num(s, 14, 2);
  const second = num(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  return day <= daysInMonth(year, month);
}

/** The decimal number in s[start, start+length), or -1 if any character there is not a digit. */
function num(s: string, start: number, length: number): number {
  let v = 0;
  for (let i = start; i < start + length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Milliseconds since the epoch of an event time, or NaN when the text is not a time: the canonical form
 * decoded by hand (once per event in the detection core: several times faster than Date.parse,
 * bench/detect.bench.ts), anything else by Date.parse. The one ISO-time parser of the project.
 */
export function parseIsoMillis(s: string): number {
  if (
    s.length === 24 &&
    s.charCodeAt(23) === 90 /* Z */ &&
    s.charCodeAt(10) === 84 /* T */ &&
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58 &&
    s.charCodeAt(19) === 46
  ) {
    const y = num(s, 0, 4);
    const mo = num(s, 5, 2);
    const d = num(s, 8, 2);
    const h = num(s, 11, 2);
    const mi = num(s, 14, 2);
    const sec = num(s, 17, 2);
    const ms = num(s, 20, 3);
    if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 && sec <= 59 && ms >= 0) {
      return (((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec) * 1000 + ms;
    }
  }
  return Date.parse(s);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `toISOString()` of a UTC epoch in ms, without a Date (H. Hinnant's civil_from_days). Null outside years 0000-9999. */
function formatUtc(utc: number): string | null {
  const days = Math.floor(utc / MS_PER_DAY);
  let rest = utc - days * MS_PER_DAY;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return null;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const ms = rest - second * 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms, 3)}Z`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
