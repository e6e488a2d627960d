/**
 * Typed values read from one CSV cell. Each reader returns the value, or a
 * sentence saying what the cell should have been, so the caller can name the
 * file, line and column in its error. Empty cells are handled by the caller.
 */

export type CellResult<T> = { ok: true; value: T } | { ok: false; expected: string };

const TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

const TIME_EXPECTED =
  'an ISO-8601 time (YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or an offset; no offset means UTC)';

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one; JS would silently roll 02-30 into March.
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= lastDay;
}

/**
 * Hospital exports write times in several ISO shapes; all become one
 * canonical form (`2024-01-02T03:04:05.000Z`) so comparisons are plain
 * string comparisons downstream. A time without an offset is taken as UTC,
 * never as the loading machine's local time.
 */
export function readTime(cell: string): CellResult<string> {
  const m = TIME_PATTERN.exec(cell);
  if (!m) return { ok: false, expected: TIME_EXPECTED };
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, expected: TIME_EXPECTED };
  }
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return { ok: false, expected: TIME_EXPECTED };
    offsetMinutes = sign * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  const date = new Date(utc);
  // Date.UTC maps years 0-99 to 1900-1999; the year range check also rejects that.
  if (!Number.isFinite(utc) || date.getUTCFullYear() < 1000 || date.getUTCFullYear() > 9999) {
    return { ok: false, expected: TIME_EXPECTED };
  }
  return { ok: true, value: date.toISOString() };
}

/** Birth dates are stored as ClickHouse Date32, whose range is 1900-01-01 .. 2299-12-31. */
export function readBirthDate(cell: string): CellResult<string> {
  const expected = 'a date YYYY-MM-DD between 1900-01-01 and 2299-12-31';
  const m = DATE_PATTERN.exec(cell);
  if (!m) return { ok: false, expected };
  const year = Number(m[1]);
  if (year < 1900 || year > 2299 || !isCalendarDate(year, Number(m[2]), Number(m[3]))) {
    return { ok: false, expected };
  }
  return { ok: true, value: cell };
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

export function readBoolean(cell: string): CellResult<boolean> {
  const word = cell.toLowerCase();
  if (TRUE_WORDS.has(word)) return { ok: true, value: true };
  if (FALSE_WORDS.has(word)) return { ok: true, value: false };
  return { ok: false, expected: 'a boolean (true/false, yes/no, 1/0)' };
}

export function readNonNegativeInteger(cell: string): CellResult<number> {
  const expected = 'a whole number of 0 or more';
  if (!/^\+?\d+$/.test(cell)) return { ok: false, expected };
  const value = Number(cell);
  if (!Number.isSafeInteger(value)) return { ok: false, expected };
  return { ok: true, value };
}

export const MAX_TEXT_LENGTH = 512;

export function readText(cell: string): CellResult<string> {
  if (cell.length > MAX_TEXT_LENGTH) return { ok: false, expected: `text of at most ${MAX_TEXT_LENGTH} characters` };
  return { ok: true, value: cell };
}

/** Ids join reference rows to events, so they follow the event's id alphabet. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/|+-]{0,127}$/;

export function readId(cell: string): CellResult<string> {
  if (!ID_PATTERN.test(cell)) {
    return { ok: false, expected: 'an id of 1-128 letters, digits and . _ : @ / | + -, starting with a letter or digit' };
  }
  return { ok: true, value: cell };
}
