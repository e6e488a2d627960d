/**
 * Instants are shown in the hospital's zone (CHARTWATCH_TIMEZONE, which GET
 * /me passes on as `timezone`), not the browser's nor UTC: business hours and
 * after hours are defined there, and a privacy officer answering "who looked
 * at my chart" thinks in that clock. Every shown time carries the zone's
 * abbreviation or offset, and the pages keep the exact UTC instant in
 * `<time datetime>` and its title. Per-day figures the API counts by UTC day
 * are labelled as UTC days (shortDay, utcDayLabel).
 */

interface ZoneFormats {
  /** Date, time and the zone's short name ("EST", "GMT+1", "UTC"). */
  full: Intl.DateTimeFormat;
  /** The same without a name: the wall clock, for offsets. */
  wall: Intl.DateTimeFormat;
}

const zoneFormats = new Map<string, ZoneFormats>();

// Building a DateTimeFormat costs far more than using one; tables format hundreds of rows per zone.
function formatsFor(timeZone: string): ZoneFormats {
  let f = zoneFormats.get(timeZone);
  if (f === undefined) {
    const base: Intl.DateTimeFormatOptions = { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    f = {
      // en-US names the zones it has abbreviations for (EST/EDT, PST, UTC) and gives "GMT+1" for the rest.
      full: new Intl.DateTimeFormat('en-US', { ...base, timeZoneName: 'short' }),
      wall: new Intl.DateTimeFormat('en-US', { ...base, second: '2-digit' }),
    };
    zoneFormats.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  zone: string;
}

function wallClock(fmt: Intl.DateTimeFormat, t: number): WallClock {
  const p: WallClock = { year: '', month: '', day: '', hour: '', minute: '', second: '00', zone: '' };
  for (const part of fmt.formatToParts(t)) {
    if (part.type === 'timeZoneName') p.zone = part.value;
    else if (part.type in p) p[part.type as keyof WallClock] = part.value;
  }
  return p;
}

function parse(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** "2026-03-04 05:00 EST": an instant on the hospital's clock, with the zone it is read in. */
export function formatTime(iso: string | null | undefined, timeZone: string): string {
  const t = parse(iso);
  if (t === null) return iso ? iso : '—';
  const c = wallClock(formatsFor(timeZone).full, t);
  return `${c.year}-${c.month}-${c.day} ${c.hour}:${c.minute} ${c.zone}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "4 Mar 05:00 EST": compact enough for a table column. */
export function shortTime(iso: string, timeZone: string): string {
  const t = parse(iso);
  if (t === null) return iso;
  const c = wallClock(formatsFor(timeZone).full, t);
  return `${Number(c.day)} ${MONTHS[Number(c.month) - 1] ?? c.month} ${c.hour}:${c.minute} ${c.zone}`;
}

/** "05:00 EST": the time of day on the hospital's clock (a per-minute axis). */
export function clockTime(iso: string, timeZone: string): string {
  const t = parse(iso);
  if (t === null) return iso;
  const c = wallClock(formatsFor(timeZone).full, t);
  return `${c.hour}:${c.minute} ${c.zone}`;
}

/** "4 Mar": the hospital's calendar day an instant falls on. */
export function shortLocalDay(iso: string, timeZone: string): string {
  const t = parse(iso);
  if (t === null) return iso;
  const c = wallClock(formatsFor(timeZone).full, t);
  return `${Number(c.day)} ${MONTHS[Number(c.month) - 1] ?? c.month}`;
}

/** "4 Mar" for a UTC day ("2026-03-04" or an instant on it): the API's per-day counts are UTC days. */
export function shortDay(day: string): string {
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** "2026-03-04 UTC day": the start of a bucket the API cut at UTC midnight. */
export function utcDayLabel(iso: string): string {
  return `${iso.slice(0, 10)} UTC day`;
}

/** A bucket's start as its table row shows it: hours on the hospital's clock, days as the UTC days they are. */
export function bucketLabel(start: string, bucket: 'hour' | 'day' | undefined, timeZone: string): string {
  return bucket === 'day' ? utcDayLabel(start) : formatTime(start, timeZone);
}

/** How far the zone's wall clock is ahead of UTC at instant t, in ms. */
export function zoneOffsetMs(t: number, timeZone: string): number {
  const c = wallClock(formatsFor(timeZone).wall, t);
  const wall = Date.UTC(Number(c.year), Number(c.month) - 1, Number(c.day), Number(c.hour), Number(c.minute), Number(c.second));
  return wall - Math.floor(t / 1000) * 1000;
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A date input's value (YYYY-MM-DD) as the instant the hospital's day begins. */
export function dayStartIso(day: string, timeZone: string): string | null {
  const m = DAY_RE.exec(day);
  if (!m) return null;
  const midnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(midnight)) return null;
  // The offset at the guess can differ from the offset at the answer when a DST change falls in between: take it twice.
  const first = midnight - zoneOffsetMs(midnight, timeZone);
  return new Date(midnight - zoneOffsetMs(first, timeZone)).toISOString();
}

/** The instant the day after begins, so a "to" day is included (23 or 25 hours on a DST day). */
export function dayEndIso(day: string, timeZone: string): string | null {
  const m = DAY_RE.exec(day);
  if (!m) return null;
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1)).toISOString().slice(0, 10);
  return dayStartIso(next, timeZone);
}

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : NUMBER.format(n);
}

export function humanize(s: string): string {
  return s.replace(/[_-]+/g, ' ');
}
